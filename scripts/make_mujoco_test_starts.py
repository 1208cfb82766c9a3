"""Writes pipelines/halfcheetah-test-starts.h5: the fixed HalfCheetah-v4 starts of the halfcheetah preset's test.

    /tmp/mjvenv/bin/python scripts/make_mujoco_test_starts.py     # any Python with numpy and h5py

Dataset `initial_states`, float64 (20, 18): (qpos, qvel) from HalfCheetah-v4's own reset distribution,
qpos ~ U[-0.1, 0.1) (its qpos0 is 0) and qvel ~ 0.1 N(0, 1), drawn with NumPy's default_rng(20170902), a
seed no training step uses. The file is committed; this script documents how it was made.
"""
import h5py
import numpy as np

rng = np.random.default_rng(20170902)
E, NQ, NV = 20, 9, 9
qpos = rng.uniform(-0.1, 0.1, (E, NQ))
qvel = 0.1 * rng.standard_normal((E, NV))
starts = np.concatenate([qpos, qvel], axis=1).astype(np.float64)
with h5py.File("pipelines/halfcheetah-test-starts.h5", "w", track_order=False) as f:
    f.create_dataset("initial_states", data=starts)
    f.attrs["env"] = "HalfCheetah-v4"
    f.attrs["description"] = "20 fixed test starts (qpos, qvel) from HalfCheetah-v4's reset distribution"
print(starts[:2])
