#!/usr/bin/env python3
"""A terminal value file whose value is one constant: a survival bonus for `plan --value`.

    python scripts/constant_value.py VALUE.h5 BONUS OUT.h5

Copies a value file that the `value` stage wrote (format mbrl.value/1) to OUT.h5 with its output layer's
weights and bias set to zero and its return mean set to BONUS, so that V(s) = BONUS for every state:
`plan --value OUT.h5` then adds γᴴ·BONUS to every candidate still alive after the horizon (γ is the
file's own `discount`), and nothing to one that terminated. A probe of whether a reward for staying
alive beyond the horizon keeps a terminating task's episodes going (docs/RESULTS.md, "Hopper: what a
survival bonus and a speed band do"). Needs numpy and h5py, as the other scripts here.
"""
import shutil
import sys

import h5py


def main(argv):
    if len(argv) != 4:
        print("usage: scripts/constant_value.py VALUE.h5 BONUS OUT.h5", file=sys.stderr)
        return 64
    source, bonus, out = argv[1], float(argv[2]), argv[3]
    with h5py.File(source, "r") as f:
        if f.attrs.get("format") != "mbrl.value/1":
            print(f"scripts/constant_value.py: {source}: not a value file (format mbrl.value/1)", file=sys.stderr)
            return 1
        depth = int(f.attrs["depth"])
    shutil.copyfile(source, out)
    with h5py.File(out, "r+") as f:
        head = f"model.network.{2 * depth}"
        f[head + ".weight"][...] = 0
        f[head + ".bias"][...] = 0
        f.attrs["return_mean"] = bonus
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
