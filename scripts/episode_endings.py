#!/usr/bin/env python3
"""How the episodes of MuJoCo transitions files end, and how far they go.

    python scripts/episode_endings.py FILE.h5 ...

For each transitions file (random.h5, rollouts-<i>.h5, test.h5, or `plan`'s output), prints one Markdown
row: the episodes, their mean and longest length, their mean return, the mean distance the root moved
along x (`infos/qpos[:, 0]`, last next state's position is not stored, so from the first to the last
step's position), how many reached the time limit (`timeouts` with the episode as long as the file's
`max_steps`, 1,000 if its config has none), how many were cut short by a step budget (`collect`/`plan
--steps`: a timeout before the time limit), and how many ended by the task's
termination (`terminals`), split by the rule that ended them for the tasks that terminate: Hopper-v4
(a position from the pitch on beyond ±100, the torso's height z ≤ 0.7, or its pitch |θ| ≥ 0.2, in the
environment's order) and Ant-v4 (a value not finite, or z outside [0.2, 1.0]), read from the last
`next_observations` row of the episode (z is element 0 of both observations, Hopper's pitch element
1). Hopper's observed velocities are clipped to ±10, so a velocity beyond ±100 shows as "other". The task is the file's `env` attribute. Needs numpy and h5py
(a virtual environment, as for the other scripts here); the project's programs do not.
"""
import json
import sys

import h5py
import numpy as np

from episode_spans import episodes


def hopper_rule(last):
    """Which of Hopper-v4's health rules the final observation breaks (the first, in the env's order)."""
    if not np.all(np.abs(last[1:]) < 100):
        return "state"
    if not last[0] > 0.7:
        return "height"
    if not abs(last[1]) < 0.2:
        return "pitch"
    return "other"


def ant_rule(last):
    if not np.all(np.isfinite(last)):
        return "state"
    return "height" if not 0.2 <= last[0] <= 1.0 else "other"


RULES = {"Hopper-v4": hopper_rule, "Ant-v4": ant_rule}


def main(paths):
    if not paths:
        print("usage: episode_endings.py FILE.h5 ...", file=sys.stderr)
        return 64
    print(
        "| file | episodes | mean length | longest | mean return | mean x distance (m) | time limit "
        "| cut by the step budget | terminated (by rule) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for path in paths:
        with h5py.File(path, "r") as f:
            env = f.attrs.get("env", "")
            env = env.decode() if isinstance(env, bytes) else str(env)
            rewards = f["rewards"][:]
            terminals = f["terminals"][:].astype(bool)
            timeouts = f["timeouts"][:].astype(bool)
            last_next = f["next_observations"]
            qpos = f["infos/qpos"][:, 0] if "infos" in f and "qpos" in f["infos"] else None
            spans = list(episodes(f))
            lengths = np.array([end - start for start, end in spans])
            returns = [float(rewards[start:end].sum()) for start, end in spans]
            distances = [float(qpos[end - 1] - qpos[start]) for start, end in spans] if qpos is not None else []
            config = f.attrs.get("config", "{}")
            config = json.loads(config.decode() if isinstance(config, bytes) else str(config))
            max_steps = config.get("max_steps") or 1000
            limit = sum(1 for start, end in spans if timeouts[end - 1] and end - start >= max_steps)
            cut = sum(1 for start, end in spans if timeouts[end - 1] and end - start < max_steps)
            ended = [end for _, end in spans if terminals[end - 1]]
            rule = RULES.get(env)
            counts = {}
            for end in ended:
                name = rule(last_next[end - 1]) if rule else "terminal"
                counts[name] = counts.get(name, 0) + 1
            by_rule = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
            distance = f"{np.mean(distances):.2f}" if distances else "not recorded"
            print(
                f"| {path} | {len(spans)} | {lengths.mean():.0f} | {lengths.max()} | {np.mean(returns):.1f} "
                f"| {distance} | {limit} | {cut} | {len(ended)}{f' ({by_rule})' if by_rule else ''} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
