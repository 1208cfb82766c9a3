"""Make rliable reference values for the Swift aggregates (Sources/MBRLStatistics).

What it writes: Tests/MBRLTests/Fixtures/rliable_aggregates.h5 (uncompressed HDF5,
about 100 KB). The Swift tests read that file; they never need Python. Re-run this
script only to regenerate the fixture:

    python3 -m venv /root/venvs/rliable
    /root/venvs/rliable/bin/pip install rliable 'numpy<2' 'pandas<3' h5py
    /root/venvs/rliable/bin/python scripts/make_rliable_fixture.py

(from the repository root; arch 7.2, which rliable bootstraps with, does not import
with pandas 3).

Every number comes from rliable itself (rliable.metrics and rliable.library, which
bootstrap through arch's IIDBootstrap.conf_int): the point estimates, and the
percentile intervals of get_interval_estimates and create_performance_profile.
The bootstrap's random draws differ between NumPy and Swift, so the script also
records the resample indices rliable's StratifiedBootstrap drew for every
replication (it draws them with NumPy's global generator, seeded here); the Swift
test feeds the same indices to its own bootstrap and must give the same intervals.

File layout, one group per score matrix <case> (float64 unless noted):
  <case>/scores (runs, tasks)        the scores: scores[n][m] is run n on task m
  <case>/gamma                       the optimality gap's threshold
  <case>/iqm, mean, median, median_of_all, optimality_gap
                                     metrics.aggregate_iqm / aggregate_mean /
                                     aggregate_median (the median across tasks of
                                     each task's mean) / numpy.median of every
                                     score / aggregate_optimality_gap(gamma)
  <case>/aggregates/point (5,)       get_interval_estimates' point estimate of
                                     [iqm, mean, median, median_of_all, gap]
  <case>/aggregates/interval (2, 5)  its percentile 95% interval (row 0 lower)
  <case>/aggregates/indices uint8 (reps, runs, tasks)
                                     the run indices of each replication: the
                                     resample is scores[indices[r][n][m]][m]
  <case>/profile/taus (T,)           thresholds
  <case>/profile/values (T,)         create_performance_profile's score
                                     distribution: the fraction of scores > tau
  <case>/profile/interval (2, T)     its percentile 95% interval
  <case>/profile/indices uint8 (reps, runs, tasks)
Root attributes: aggregate_reps, profile_reps, confidence, and the versions of
rliable, arch, numpy and scipy.
"""

import importlib.metadata
import os

import h5py
import numpy as np
import rliable.library as rly
import rliable.metrics as metrics

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "MBRLTests", "Fixtures", "rliable_aggregates.h5")
AGGREGATE_REPS = 1000
PROFILE_REPS = 500
CONFIDENCE = 0.95


def aggregates(scores, gamma):
    return np.array([
        metrics.aggregate_iqm(scores),
        metrics.aggregate_mean(scores),
        metrics.aggregate_median(scores),
        np.median(scores),
        metrics.aggregate_optimality_gap(scores, gamma=gamma),
    ])


class Recorder:
    """Records the run indices every StratifiedBootstrap replication draws."""

    def __init__(self):
        self.indices = []
        self.original = rly.StratifiedBootstrap.update_indices
        recorder = self

        def update_indices(bootstrap):
            index = recorder.original(bootstrap)
            recorder.indices.append(np.array(index[0]))
            return index

        rly.StratifiedBootstrap.update_indices = update_indices

    def stop(self):
        rly.StratifiedBootstrap.update_indices = self.original
        return np.stack(self.indices)


def percentile_interval(values):
    """The interval arch's conf_int(method='percentile') gives, recomputed with NumPy (a self-check)."""
    alpha = (1 - CONFIDENCE) / 2
    return np.percentile(values, [100 * alpha, 100 * (1 - alpha)], axis=0)


def resampled(scores, indices):
    return scores[indices, np.arange(scores.shape[1])[None, :]]


def main():
    rng = np.random.RandomState(20211)
    # Returns of ten HalfCheetah-like runs, one far below the others; seven runs with ties; six;
    # three (nothing trimmed); and two multi-task matrices of normalized scores (stratification).
    cases = {
        "runs10": (np.concatenate([rng.normal(310, 90, 9), [-40.0]])[:, None], 300.0),
        "runs7_ties": (np.array([[-151.5], [-140.25], [-140.25], [-133.0], [-160.0], [-140.25], [-128.5]]), -140.0),
        "runs6": (rng.normal(-150, 12, 6)[:, None], -150.0),
        "runs3": (np.array([[12.5], [3.0], [40.0]]), 20.0),
        "runs5_tasks3": (rng.uniform(0, 1.5, (5, 3)), 1.0),
        "runs4_tasks2_ties": (np.array([[0.5, 1.0], [0.25, 1.0], [0.5, 0.0], [0.75, 1.25]]), 1.0),
    }
    np.random.seed(7)
    with h5py.File(OUT, "w") as f:
        f.attrs["aggregate_reps"] = AGGREGATE_REPS
        f.attrs["profile_reps"] = PROFILE_REPS
        f.attrs["confidence"] = CONFIDENCE
        for package in ["rliable", "arch", "numpy", "scipy"]:
            f.attrs[package] = importlib.metadata.version(package)
        for name, (scores, gamma) in cases.items():
            g = f.create_group(name)
            g["scores"] = scores
            g["gamma"] = gamma
            g["iqm"] = metrics.aggregate_iqm(scores)
            g["mean"] = metrics.aggregate_mean(scores)
            g["median"] = metrics.aggregate_median(scores)
            g["median_of_all"] = np.median(scores)
            g["optimality_gap"] = metrics.aggregate_optimality_gap(scores, gamma=gamma)

            recorder = Recorder()
            point, interval = rly.get_interval_estimates({"x": scores}, lambda x: aggregates(x, gamma), reps=AGGREGATE_REPS,
                                                         confidence_interval_size=CONFIDENCE)
            indices = recorder.stop()
            assert indices.shape == (AGGREGATE_REPS,) + scores.shape, indices.shape
            check = percentile_interval(np.stack([aggregates(resampled(scores, i), gamma) for i in indices]))
            np.testing.assert_allclose(check, interval["x"], rtol=1e-12, atol=1e-12)
            g["aggregates/point"] = point["x"]
            g["aggregates/interval"] = interval["x"]
            g["aggregates/indices"] = indices.astype(np.uint8)

            low, high = scores.min(), scores.max()
            taus = np.unique(np.concatenate([np.linspace(low - 0.1 * (high - low), high, 21), scores.ravel()[:3]]))
            recorder = Recorder()
            values, profile_interval = rly.create_performance_profile({"x": scores}, taus, reps=PROFILE_REPS,
                                                                      confidence_interval_size=CONFIDENCE)
            indices = recorder.stop()
            assert indices.shape == (PROFILE_REPS,) + scores.shape, indices.shape
            check = percentile_interval(np.stack([[np.mean(resampled(scores, i) > t) for t in taus] for i in indices]))
            np.testing.assert_allclose(check, profile_interval["x"], rtol=1e-12, atol=1e-12)
            g["profile/taus"] = taus
            g["profile/values"] = values["x"]
            g["profile/interval"] = profile_interval["x"]
            g["profile/indices"] = indices.astype(np.uint8)
            print(f"{name}: IQM {point['x'][0]:.4f} [{interval['x'][0][0]:.4f}, {interval['x'][1][0]:.4f}]")

if __name__ == "__main__":
    main()
