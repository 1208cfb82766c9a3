"""Generate reference test vectors from Gymnasium's MuJoCo tasks HalfCheetah-v4, Hopper-v4, Swimmer-v4, Ant-v4.

For each task, runs whole episodes of ``gymnasium.make(id)`` (or ``gymnasium.make(id,
max_episode_steps=L)`` for shorter ones): reset with a fixed seed, then float32 random actions from
``numpy.random.default_rng``, until the episode terminates or is truncated. Writes
``Tests/MBRLTests/Fixtures/mujoco_<task>.h5`` for the Swift MuJoCo tests, which replay every episode
from its stored initial state (the reset noise comes from numpy's generator and is not reproduced).

Use the versions that are bit-identical to Debian's libmujoco-dev (MuJoCo 2.2.2) over 1000 steps:

    python3 -m venv /tmp/mjvenv
    /tmp/mjvenv/bin/pip install "mujoco==2.3.7" "gymnasium==1.0.0" "numpy<2" h5py imageio
    /tmp/mjvenv/bin/python scripts/make_mujoco_vectors.py        # from the repository root

Layout of each file (E episodes, N steps in all, K recorded steps):

    @env, @xml_file, @xml_sha256 (of Gymnasium's own file), @frame_skip, @dt, versions
    initial_states        (E, nq+nv) float64   (qpos, qvel) right after env.reset(seed)
    initial_observations  (E, obs)   float64
    episode_seeds, episode_limits, episode_lengths   (E,) int64   (limits: the TimeLimit's max steps)
    actions               (N, nu)    float32   every step of every episode, episode after episode
    rewards               (N,)       float64
    terminated, truncated (N,)       uint8
    recorded              (N,)       uint8     1 when the step's state and observation are stored
    states                (K, nq+nv) float64   (qpos, qvel) after each recorded step
    observations          (K, obs)   float64   the observation after each recorded step

Every step of the shorter episodes is recorded; the 1,000-step episodes record every 50th step and the
last, to keep the files small (the rewards and flags of every step are always stored).
"""

import hashlib
import os
import warnings

import gymnasium
import h5py
import mujoco
import numpy as np

warnings.filterwarnings("ignore", category=DeprecationWarning)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO_ROOT, "Tests", "MBRLTests", "Fixtures")
ASSETS = os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets")

# Per task: (file stem, Gymnasium id, XML file, episodes). An episode is (reset seed, action seed,
# TimeLimit (None: the registered 1,000), action range, record every n-th step).
#   action range 1.0: uniform in [-1, 1] (the action space); 1.5: partly outside it, so MuJoCo's
#   control clamping and the control cost on the unclipped action are exercised.
TASKS = [
    ("halfcheetah", "HalfCheetah-v4", "half_cheetah.xml", [
        (0, 100, 150, 1.0, 1), (1, 101, 150, 1.5, 1), (2, 102, None, 1.0, 50)]),
    ("hopper", "Hopper-v4", "hopper.xml", [  # random Hopper episodes terminate within ~10-40 steps
        (0, 200, None, 1.0, 1), (1, 201, None, 1.0, 1), (2, 202, None, 1.0, 1), (3, 203, None, 1.5, 1),
        (4, 204, None, 1.0, 1), (5, 205, None, 1.0, 1)]),
    ("swimmer", "Swimmer-v4", "swimmer.xml", [
        (0, 300, 150, 1.0, 1), (1, 301, 150, 1.5, 1), (2, 302, None, 1.0, 50)]),
    ("ant", "Ant-v4", "ant.xml", [  # seeds 0 and 2 terminate (z leaves [0.2, 1]); seed 1 runs 1,000 steps
        (0, 100, None, 1.0, 1), (2, 102, None, 1.0, 1), (3, 403, 120, 1.5, 1), (1, 101, None, 1.0, 50)]),
]


def run_episode(env_id, reset_seed, action_seed, limit, action_range, stride):
    env = gymnasium.make(env_id) if limit is None else gymnasium.make(env_id, max_episode_steps=limit)
    raw = env.unwrapped
    initial_observation, _ = env.reset(seed=reset_seed)
    initial_state = np.concatenate([raw.data.qpos, raw.data.qvel]).astype(np.float64)
    rng = np.random.default_rng(action_seed)
    steps = []
    while True:
        action = rng.uniform(-action_range, action_range, raw.model.nu).astype(np.float32)
        obs, reward, terminated, truncated, _ = env.step(action)
        state = np.concatenate([raw.data.qpos, raw.data.qvel]).astype(np.float64)
        steps.append((action, float(reward), bool(terminated), bool(truncated), state, np.asarray(obs, np.float64)))
        if terminated or truncated:
            break
    n = len(steps)
    recorded = [(t + 1) % stride == 0 or t == n - 1 for t in range(n)]
    return dict(initial_state=initial_state, initial_observation=np.asarray(initial_observation, np.float64),
                limit=env.spec.max_episode_steps, steps=steps, recorded=recorded)


def write_task(stem, env_id, xml_file, episodes):
    with open(os.path.join(ASSETS, xml_file), "rb") as f:
        xml_sha256 = hashlib.sha256(f.read()).hexdigest()
    runs = [run_episode(env_id, *e) for e in episodes]
    steps = [s for r in runs for s in r["steps"]]
    recorded = [flag for r in runs for flag in r["recorded"]]
    raw = gymnasium.make(env_id).unwrapped
    path = os.path.join(FIXTURES, f"mujoco_{stem}.h5")
    compressed = dict(compression="gzip", compression_opts=9, shuffle=True)
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs["env"] = env_id
        f.attrs["xml_file"] = xml_file
        f.attrs["xml_sha256"] = xml_sha256
        f.attrs["frame_skip"] = raw.frame_skip
        f.attrs["dt"] = raw.dt
        f.attrs["gymnasium_version"] = gymnasium.__version__
        f.attrs["mujoco_version"] = mujoco.__version__
        f.attrs["numpy_version"] = np.__version__
        f.attrs["created_by"] = "scripts/make_mujoco_vectors.py"
        f.create_dataset("initial_states", data=np.stack([r["initial_state"] for r in runs]))
        f.create_dataset("initial_observations", data=np.stack([r["initial_observation"] for r in runs]))
        f.create_dataset("episode_seeds", data=np.array([e[0] for e in episodes], np.int64))
        f.create_dataset("episode_limits", data=np.array([r["limit"] for r in runs], np.int64))
        f.create_dataset("episode_lengths", data=np.array([len(r["steps"]) for r in runs], np.int64))
        f.create_dataset("actions", data=np.stack([s[0] for s in steps]), **compressed)
        f.create_dataset("rewards", data=np.array([s[1] for s in steps], np.float64), **compressed)
        f.create_dataset("terminated", data=np.array([s[2] for s in steps], np.uint8))
        f.create_dataset("truncated", data=np.array([s[3] for s in steps], np.uint8))
        f.create_dataset("recorded", data=np.array(recorded, np.uint8))
        f.create_dataset("states", data=np.stack([s[4] for s, r in zip(steps, recorded) if r]), **compressed)
        f.create_dataset("observations", data=np.stack([s[5] for s, r in zip(steps, recorded) if r]), **compressed)
    os.replace(path + ".tmp", path)
    lengths = [len(r["steps"]) for r in runs]
    ends = ["terminated" if r["steps"][-1][2] else "truncated" for r in runs]
    print(f"{path}: {os.path.getsize(path)} bytes, episodes {list(zip(lengths, ends))}")


def main():
    assert mujoco.__version__ == "2.3.7" and gymnasium.__version__ == "1.0.0" and np.__version__.startswith("1."), \
        "use mujoco 2.3.7, gymnasium 1.0.0 and numpy 1.x (see the docstring)"
    for task in TASKS:
        write_task(*task)


if __name__ == "__main__":
    main()
