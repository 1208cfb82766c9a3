"""Checks that Minari itself opens what `export` writes, and that the round trip
Minari -> import -> train -> export -> minari.load_dataset gives back the dataset's numbers.

    /root/venvs/minari/bin/python scripts/check_minari_export.py        (venv: scripts/make_minari_fixtures.py)

For each fixture of Tests/MBRLTests/Fixtures/minari/, it runs the release programs (make build first):
import (all episodes), stats, train (a tiny network: training must accept the data), export into a
temporary datasets root, then minari.load_dataset on the export and compares every episode with the
fixture as Minari loads it: observations, actions and rewards equal to the fixture's rounded to
float32 (the project stores float32), terminations and truncations equal, infos/qpos and infos/qvel
equal on every row but the last, which export simulates (the largest difference is printed).
Not part of `make test` (the Swift tests need no Python); exits 1 on any difference.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, ".build", "release")
FIXTURES = os.path.join(REPO, "Tests", "MBRLTests", "Fixtures", "minari")
work = tempfile.mkdtemp()
os.environ["MINARI_DATASETS_PATH"] = os.path.join(work, "datasets")
import minari  # noqa: E402


def run(program, *args):
    subprocess.run([os.path.join(BIN, program), *args], cwd=work, check=True, capture_output=True)


failures = 0
for name in sorted(os.listdir(FIXTURES)):
    os.environ["MINARI_DATASETS_PATH"] = FIXTURES
    original = minari.load_dataset(name)
    run("import", "--dataset", os.path.join(FIXTURES, name), "--out", f"{name}.h5")
    run("stats", "--data", f"{name}.h5", "--out", f"{name}-stats.h5")
    run("train", "--data", f"{name}.h5", "--stats", f"{name}-stats.h5", "--hidden", "8", "--depth", "1",
        "--epochs", "2", "--val-fraction", "0", "--out", f"{name}-model.h5")
    exported_id = f"mbrl/{name.rsplit('-v', 1)[0]}-roundtrip-v0"
    run("export", "--data", f"{name}.h5", "--id", exported_id, "--root", os.path.join(work, "datasets"))
    os.environ["MINARI_DATASETS_PATH"] = os.path.join(work, "datasets")
    exported = minari.load_dataset(exported_id)
    assert exported.total_episodes == original.total_episodes and exported.total_steps == original.total_steps
    worst_final_state = 0.0
    for a, b in zip(original.iterate_episodes(), exported.iterate_episodes()):
        checks = {
            "observations": np.array_equal(a.observations.astype(np.float32), b.observations),
            "actions": np.array_equal(a.actions.astype(np.float32), b.actions),
            "rewards": np.array_equal(a.rewards.astype(np.float32).astype(np.float64), b.rewards),
            "terminations": np.array_equal(a.terminations, b.terminations),
            "truncations": np.array_equal(a.truncations, b.truncations),
        }
        if a.infos:
            for key in ("qpos", "qvel"):
                checks[f"infos/{key}"] = np.array_equal(a.infos[key][:-1], b.infos[key][:-1])
                worst_final_state = max(worst_final_state, float(np.max(np.abs(a.infos[key][-1] - b.infos[key][-1]))))
        for what, ok in checks.items():
            if not ok:
                failures += 1
                print(f"{name} episode {a.id}: {what} differ")
    print(f"{name}: {exported.total_episodes} episodes, {exported.total_steps} steps round-trip through "
          f"import, train and export; minari.load_dataset('{exported_id}') gives the fixture's numbers"
          + (f"; simulated final state within {worst_final_state:.3g} of Minari's" if original[0].infos else ""))
print("minari", minari.__version__, "- differences:", failures)
sys.exit(1 if failures else 0)
