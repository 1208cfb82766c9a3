"""Writes pipelines/<task>-test-starts.h5: the fixed starts of the MuJoCo presets' tests.

    /tmp/mjvenv/bin/python scripts/make_mujoco_test_starts.py [task ...]   # numpy, h5py and mujoco

Dataset `initial_states`, float64 (20, nq + nv): (qpos, qvel) from each task's own v4 reset
distribution around the vendored model's reference pose qpos0 (read with mujoco from
ThirdParty/gymnasium-mujoco/): HalfCheetah and Ant qpos0 + U[-0.1, 0.1), 0.1 N(0, 1) velocities;
Hopper qpos0 + U[-0.005, 0.005), U[-0.005, 0.005) velocities; Swimmer qpos0 + U[-0.1, 0.1),
U[-0.1, 0.1) velocities. Drawn with NumPy's default_rng(20170902), a seed no training step uses. The
files are committed; this script documents how they were made (halfcheetah's file was made by the
first version of this script, which drew the same numbers for qpos0 = 0).
"""
import sys

import h5py
import mujoco
import numpy as np

# task: (Gymnasium id, model file, noise scale, velocity noise)
TASKS = {
    "halfcheetah": ("HalfCheetah-v4", "half_cheetah.xml", 0.1, "normal"),
    "hopper": ("Hopper-v4", "hopper.xml", 5e-3, "uniform"),
    "swimmer": ("Swimmer-v4", "swimmer.xml", 0.1, "uniform"),
    "ant": ("Ant-v4", "ant.xml", 0.1, "normal"),
}
STARTS = 20


def starts(task):
    env_id, xml, scale, velocities = TASKS[task]
    model = mujoco.MjModel.from_xml_path(f"ThirdParty/gymnasium-mujoco/{xml}")
    rng = np.random.default_rng(20170902)
    qpos = model.qpos0 + rng.uniform(-scale, scale, (STARTS, model.nq))
    if velocities == "normal":
        qvel = scale * rng.standard_normal((STARTS, model.nv))
    else:
        qvel = rng.uniform(-scale, scale, (STARTS, model.nv))
    return env_id, np.concatenate([qpos, qvel], axis=1).astype(np.float64)


def main(tasks):
    for task in tasks:
        env_id, values = starts(task)
        with h5py.File(f"pipelines/{task}-test-starts.h5", "w", track_order=False) as f:
            f.create_dataset("initial_states", data=values)
            f.attrs["env"] = env_id
            f.attrs["description"] = f"{STARTS} fixed test starts (qpos, qvel) from {env_id}'s reset distribution"
        print(task, values.shape)


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(TASKS))
