#!/usr/bin/env python3
"""A Markdown table of models trained on one run's data and planned from fixed starts.

    python scripts/model_probe_table.py DIR 'NAME|TRAINING|PLAN.h5[,PLAN.h5 ...]' ...

Each argument is one row: NAME is a model file DIR/NAME.h5 (`train`'s output), TRAINING the text of
the row's training column, and PLAN.h5 the `plan` outputs (paths under DIR) of that model from the
fixed starts, concatenated in order. The row gives the model's best epoch and validation loss (`train`'s
attributes; from which epoch its second fit ran when it had `--correction-horizon`), its one-step and
open-loop errors from DIR/eval-NAME.log (`evaluate --max-k 30` on the run's test episodes), each
episode's return (the sum of its rewards, Float64), their mean, how many episodes reached the time
limit and the mean x distance (both from scripts/episode_endings.py, next to this script).
"""
import pathlib
import re
import subprocess
import sys

import h5py
import numpy as np


def episode_returns(path):
    with h5py.File(path) as f:
        rewards = f["rewards"][:]
        ends = np.flatnonzero(f["terminals"][:] | f["timeouts"][:])
    starts = np.concatenate([[0], ends[:-1] + 1])
    return [rewards[a:b + 1].sum(dtype=np.float64) for a, b in zip(starts, ends)]


def endings(path):
    """(episodes, reached the time limit, mean x distance) from episode_endings.py's row."""
    script = pathlib.Path(__file__).with_name("episode_endings.py")
    out = subprocess.run([sys.executable, str(script), path], capture_output=True, text=True, check=True)
    cells = [c.strip() for c in out.stdout.strip().splitlines()[-1].split("|")]
    return int(cells[2]), int(cells[7]), float(cells[6])


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    d = pathlib.Path(sys.argv[1])
    print("| model | training | best epoch, validation loss | one-step MSE on test.h5 (normalized) "
          "| k-step RMSE, k = 5 / 10 / 30 | returns from the test starts | mean | to the time limit "
          "| x distance (m) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for spec in sys.argv[2:]:
        name, training, plans = spec.split("|")
        with h5py.File(d / f"{name}.h5") as f:
            fit = f"{f.attrs['best_epoch']}, {f.attrs['val_loss']:.5f}"
            if "correction_first_epoch" in f.attrs:
                fit += f" (second fit from epoch {f.attrs['correction_first_epoch']})"
        log = (d / f"eval-{name}.log").read_text()
        one = re.search(r"one-step MSE\s+(\S+)\s+\(normalized (\S+)\)", log)
        k = dict(re.findall(r"k=(\d+) (\S+)", log))
        returns, limit, distances = [], 0, []
        for plan in plans.split(","):
            returns += episode_returns(d / plan)
            episodes, reached, distance = endings(str(d / plan))
            limit += reached
            distances.append((distance, episodes))
        distance = sum(x * n for x, n in distances) / sum(n for _, n in distances)
        each = ", ".join(f"{r:.1f}" for r in returns)
        print(f"| `{name}` | {training} | {fit} | {one.group(1)} ({one.group(2)}) | {k['5']} / {k['10']} / "
              f"{k['30']} | {each} | **{np.mean(returns):.1f}** | {limit} of {len(returns)} | {distance:.2f} |")


if __name__ == "__main__":
    main()
