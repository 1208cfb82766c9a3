#!/usr/bin/env python3
"""Where in its episodes a controller earns its return: the reward summed over windows of steps.

    python scripts/reward_windows.py [--window N] FILE.h5 ...

For each transitions file (rollouts-<i>.h5, test.h5, or `plan`'s output), prints one Markdown row:
the episodes, then for each window of N steps (default 100: steps 0–99, 100–199, ...) the reward summed
over that window, averaged over the episodes that reach it (the count is shown when some end earlier),
and the mean return. A swimmer that strokes and then stalls shows a large first window and small later
ones; one that keeps swimming, similar windows throughout. Needs numpy and h5py (a virtual environment,
as for the other scripts here); the project's programs do not.
"""
import sys

import h5py
import numpy as np

from episode_spans import episodes


def main(arguments):
    window = 100
    if arguments[:1] == ["--window"]:
        if len(arguments) < 2 or not arguments[1].isdigit() or int(arguments[1]) < 1:
            print("reward_windows.py: --window needs a positive number of steps", file=sys.stderr)
            return 64
        window, arguments = int(arguments[1]), arguments[2:]
    if not arguments:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 64
    rows = []
    for path in arguments:
        with h5py.File(path, "r") as f:
            rewards = f["rewards"][:].astype(np.float64)
            spans = list(episodes(f))
        longest = max((end - start for start, end in spans), default=0)
        cells = []
        for first in range(0, longest, window):
            sums = [rewards[start + first : min(start + first + window, end)].sum()
                    for start, end in spans if end - start > first]
            cell = f"{np.mean(sums):.1f}"
            cells.append(cell if len(sums) == len(spans) else f"{cell} ({len(sums)})")
        returns = [rewards[start:end].sum() for start, end in spans]
        rows.append((path, len(spans), cells, float(np.mean(returns)) if returns else float("nan"), longest))
    columns = max((len(row[2]) for row in rows), default=0)
    longest = max((row[4] for row in rows), default=0)
    header = [f"steps {i * window}–{min((i + 1) * window, longest) - 1}" for i in range(columns)]
    print("| file | episodes | " + " | ".join(header) + " | mean return |")
    print("|---|---|" + "---|" * columns + "---|")
    for path, count, cells, mean, _ in rows:
        cells = cells + ["—"] * (columns - len(cells))
        print(f"| {path} | {count} | " + " | ".join(cells) + f" | {mean:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
