"""How far the planner's reward on observations is from the environment's reward, on the transitions a
run's planner actually chose (run by hand, e.g. after `make PIPELINE=halfcheetah`):

    /tmp/mjvenv/bin/python scripts/planning_reward_error.py data/halfcheetah/seed-0/test.h5 [...]

The MuJoCo tasks' planning reward (MuJoCoTask.locomotionRewards) replaces the forward progress
(x' - x) / dt, which the observation does not contain, by the mean of the root's x velocity in the
observations before and after the step. A planner could exploit that approximation (steps whose
end-point velocities are high while the body does not move); this measures it where it matters, on
the planner's own episodes: per step |approximate - true| and per episode the approximate return
against the true return. Needs numpy and h5py.
"""
import sys

import h5py
import numpy as np

# Gymnasium id: (index of the root's x velocity in the observation, healthy reward, control cost weight)
TASKS = {
    "HalfCheetah-v4": (8, 0.0, 0.1),
    "Hopper-v4": (5, 1.0, 1e-3),
    "Swimmer-v4": (3, 0.0, 1e-4),
    "Ant-v4": (13, 1.0, 0.5),
}


def measure(path):
    with h5py.File(path, "r") as f:
        env = f.attrs["env"]
        if isinstance(env, bytes):
            env = env.decode()
        v, healthy, weight = TASKS[env]
        obs, nxt = f["observations"][()], f["next_observations"][()]
        act, rew = f["actions"][()], f["rewards"][()].astype(np.float64)
        ends = np.flatnonzero(f["terminals"][()] | f["timeouts"][()])
    approx = 0.5 * (obs[:, v] + nxt[:, v]) + healthy - weight * (act.astype(np.float64) ** 2).sum(axis=1)
    error = np.abs(approx - rew)
    starts = np.concatenate([[0], ends[:-1] + 1])
    returns = [(rew[a:b + 1].sum(), approx[a:b + 1].sum()) for a, b in zip(starts, ends)]
    print(f"{path} ({env}, {len(rew)} steps, {len(returns)} episodes): per step |error| mean {error.mean():.4f}, "
          f"max {error.max():.4f} (std of the true reward {rew.std():.3f})")
    for true, estimate in returns:
        print(f"  episode return {true:9.1f}, planning reward's sum {estimate:9.1f} ({estimate - true:+.1f})")


if __name__ == "__main__":
    for path in sys.argv[1:]:
        measure(path)
