#!/usr/bin/env python3
"""Which HalfCheetah episodes end on the cheetah's back, and what they return.

    python scripts/halfcheetah_flips.py FILE.h5 ...

For each transitions file (rollouts-<i>.h5, test.h5, or `plan`'s output), prints one Markdown row: the
episodes, how many of them end with the root's pitch (`infos/qpos[:, 2]`, radians) beyond ±π/2 (on
its back), the mean return of the upright and of the flipped episodes, and the median over the
upright episodes of their largest |pitch| (how far the gait itself pitches). Episodes are read from
the file's `episodes/` group (`lengths`), so any episode length works. Needs numpy and h5py (a
virtual environment, as for the other scripts here); the project's programs do not.
"""
import math
import sys

import h5py
import numpy as np

from episode_spans import episodes


def main(paths):
    if not paths:
        print("usage: halfcheetah_flips.py FILE.h5 ...", file=sys.stderr)
        return 64
    print(
        "| file | episodes | on its back at the end | mean return upright | mean return on its back "
        "| upright episodes' largest \\|pitch\\| (rad), median |"
    )
    print("|---|---|---|---|---|---|")
    for path in paths:
        with h5py.File(path, "r") as f:
            pitch = f["infos/qpos"][:, 2]
            rewards = f["rewards"][:]
            upright, flipped, swing = [], [], []
            for a, b in episodes(f):
                ret = float(rewards[a:b].sum(dtype=np.float64))
                if abs(pitch[b - 1]) > math.pi / 2:
                    flipped.append(ret)
                else:
                    upright.append(ret)
                    swing.append(float(np.abs(pitch[a:b]).max()))
        mean = lambda xs: f"{np.mean(xs):.1f}" if xs else ""
        median = f"{np.median(swing):.2f}" if swing else ""
        print(
            f"| {path} | {len(upright) + len(flipped)} | {len(flipped)} | {mean(upright)} | {mean(flipped)} "
            f"| {median} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
