"""Writes the Minari fixtures of the import/export tests, with Minari's own DataCollector:

    Tests/MBRLTests/Fixtures/minari/pendulum-random-v0/data/{main_data.hdf5,metadata.json}
    Tests/MBRLTests/Fixtures/minari/halfcheetah-random-v0/data/{main_data.hdf5,metadata.json}

    python3 -m venv /root/venvs/minari
    /root/venvs/minari/bin/pip install "minari[create]==0.5.3" h5py "gymnasium==1.0.0" "mujoco==2.3.7" "numpy<2" imageio
    /root/venvs/minari/bin/python scripts/make_minari_fixtures.py

Pendulum-v1: 4 episodes of 20 steps (time limit 20), HalfCheetah-v4: 3 episodes of 15 steps; uniform random
actions from the action space seeded with 2023, episodes reset with seeds 0, 1, ... The HalfCheetah collector
records infos {"qpos", "qvel"} (the simulator state at each observation, as D4RL stores it) through a
StepDataCallback. The last Pendulum episode is left unfinished (reset before its time limit), as Minari
stores an episode a collector cut off. The files are committed; this script documents how they were made,
and prints the values the Swift tests check.
"""
import os
import shutil
import tempfile

import gymnasium as gym
import numpy as np

root = tempfile.mkdtemp()
os.environ["MINARI_DATASETS_PATH"] = root
import minari  # noqa: E402  (reads MINARI_DATASETS_PATH when imported)
from minari import DataCollector  # noqa: E402
from minari.data_collector.callbacks import StepDataCallback  # noqa: E402

OUT = "Tests/MBRLTests/Fixtures/minari"


class SimulatorState(StepDataCallback):
    """Keeps only the MuJoCo state in infos: qpos and qvel at the step's observation."""

    def __call__(self, env, **kwargs):
        step = super().__call__(env, **kwargs)
        data = env.unwrapped.data
        step["info"] = {"qpos": data.qpos.copy(), "qvel": data.qvel.copy()}
        return step


def collect(env_id, steps, episodes, name, callback=None, cut_last=None):
    kwargs = {"step_data_callback": callback, "record_infos": True} if callback else {}
    env = DataCollector(gym.make(env_id, max_episode_steps=steps), **kwargs)
    env.action_space.seed(2023)
    for e in range(episodes):
        env.reset(seed=e)
        for t in range(steps):
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated or (e == episodes - 1 and cut_last is not None and t + 1 == cut_last):
                break
    dataset = env.create_dataset(
        dataset_id=name, algorithm_name="random", author="mbrl test fixtures",
        code_permalink="scripts/make_minari_fixtures.py",
        description=f"{episodes} short random episodes of {env_id} for the import/export tests")
    env.close()
    target = os.path.join(OUT, name)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(os.path.join(root, name), target)
    for episode in dataset.iterate_episodes():
        print(name, episode.id, "steps", len(episode.rewards), "return", repr(float(np.sum(episode.rewards))),
              "first obs", episode.observations[0][:3].tolist(), "last truncation", bool(episode.truncations[-1]))


collect("Pendulum-v1", 20, 4, "pendulum-random-v0", cut_last=12)
collect("HalfCheetah-v4", 15, 3, "halfcheetah-random-v0", callback=SimulatorState)
print("minari", minari.__version__)
shutil.rmtree(root)
