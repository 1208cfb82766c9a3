#!/usr/bin/env python3
"""How hard the actions of transitions files push, beside what their episodes earn.

    python scripts/action_effort.py FILE.h5 ...

For each transitions file (random.h5, rollouts-<i>.h5, test.h5, or `plan`'s output), prints one Markdown
row: the episodes, the mean squared-action sum per step (Σⱼ aⱼ² over the action's components, averaged
over every step of the file: the control cost of the MuJoCo tasks before the task's weight, 0.5 for
Ant-v4, 0.1 for HalfCheetah-v4, 0.001 for Hopper-v4 and 0.0001 for Swimmer-v4), how many episodes
reached the time limit (as `episode_endings.py` counts them), and their mean return. A planner that
spends less on control earns more per step it stays up; the time-limit episodes' return shows it
apart from the episodes a fall cut short. Needs numpy and h5py (a virtual environment, as for the
other scripts here); the project's programs do not.
"""
import json
import sys

import h5py
import numpy as np

from episode_spans import episodes


def main(paths):
    if not paths:
        print("usage: action_effort.py FILE.h5 ...", file=sys.stderr)
        return 64
    print("| file | episodes | mean Σa² per step | episodes to the time limit | their mean return |")
    print("|---|---|---|---|---|")
    for path in paths:
        with h5py.File(path, "r") as f:
            actions = f["actions"][:].astype(np.float64)
            rewards = f["rewards"][:]
            timeouts = f["timeouts"][:].astype(bool)
            config = f.attrs.get("config", "{}")
            config = json.loads(config.decode() if isinstance(config, bytes) else str(config))
            max_steps = config.get("max_steps") or 1000
            spans = list(episodes(f))
            effort = float((actions**2).sum(axis=1).mean()) if len(actions) else float("nan")
            full = [
                float(rewards[start:end].sum())
                for start, end in spans
                if timeouts[end - 1] and end - start >= max_steps
            ]
            mean_full = f"{np.mean(full):.1f}" if full else "—"
            print(f"| {path} | {len(spans)} | {effort:.3f} | {len(full)} | {mean_full} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
