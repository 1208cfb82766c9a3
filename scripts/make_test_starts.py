"""Writes pipelines/pendulum-test-starts.h5: the 50 fixed Pendulum-v1 starts of every preset's test run.

    /work/venv/bin/python scripts/make_test_starts.py

Dataset `initial_states`, float64 (50, 2): theta ~ U[-pi, pi), theta_dot ~ U[-1, 1), Pendulum-v1's own
reset distribution, drawn with NumPy's default_rng(20170902), a seed no training step uses. The file is
committed; this script documents how it was made.
"""
import h5py
import numpy as np

rng = np.random.default_rng(20170902)
starts = np.stack([rng.uniform(-np.pi, np.pi, 50), rng.uniform(-1.0, 1.0, 50)], axis=1)
with h5py.File("pipelines/pendulum-test-starts.h5", "w", track_order=False) as f:
    f.create_dataset("initial_states", data=starts.astype(np.float64))
    f.attrs["env"] = "Pendulum-v1"
    f.attrs["description"] = "50 fixed test starts (theta, theta_dot) from Pendulum-v1's reset distribution"
print(starts[:3])
