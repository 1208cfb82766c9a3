"""Check a finished run's files with the Python tools they promise to work with.

The file formats in docs/FORMATS.md are contracts for outside tools: h5py,
PyTorch and TensorBoard. This script reads a run folder with those tools, not with the Swift code
that wrote it, and checks:

  1. transitions files (random.h5, heldout.h5, rollouts-*.h5, test.h5): the D4RL dataset names,
     dtypes, shapes and row counts; episodes/*; root attributes (format, seed, command, config,
     inputs, software as JSON, env, policy) and that each recorded input hash matches the file;
  2. stats.h5: the six float32 vectors and `count`, recomputed from random.h5 with numpy
     (population std, floored at 1e-6), to 1e-5 relative;
  3. model-*.h5: loaded with `load_state_dict(..., strict=True)` into the teaching notebook's
     PyTorch Model; model-3.h5's eval-mode predictions on heldout.h5 compared with eval.h5's
     predictions/next_observations (max abs difference <= 1e-5);
  4. eval.h5: format, prediction shape, one-step MSE recomputed, 30 k-step RMSEs, rollout means;
  5. TensorBoard: tb/train-0 scalars against train.csv, tb/test's plan/episode_return (50 events).

One line per check (PASS / FAIL); the exit status is 1 if any check failed, 2 on a usage error.

Usage (from the repository root):

    /work/venv/bin/python scripts/check_with_python.py data/pendulum/seed-0

Needs torch, h5py, numpy and tensorboard. Reads only; writes nothing.
"""

import csv
import glob
import hashlib
import json
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn

# --------------------------------------------------------------------------------------------
# The teaching notebook's classes (its Model, MLP and Dataset statistics), without .cuda() and weight_init.


def linear_bn_relu_block(in_feat, out_feat, normalize=True):
    layers = [nn.Linear(in_feat, out_feat)]
    if normalize:
        layers.append(nn.BatchNorm1d(out_feat))
    layers.append(nn.ReLU(inplace=True))
    return layers


class MLP(nn.Module):
    def __init__(self, state_dim, action_dim, nn_size=64):
        super().__init__()
        self.network = nn.Sequential(
            *linear_bn_relu_block(state_dim + action_dim, nn_size, normalize=True),
            *linear_bn_relu_block(nn_size, nn_size, normalize=True),
            nn.Linear(nn_size, state_dim))

    def forward(self, states, actions):
        return self.network(torch.cat((states, actions), dim=-1))


def normalize(x, mean, std):
    return (x - mean) / std


def unnormalize(x, mean, std):
    return x * std + mean


class Model(nn.Module):
    def __init__(self, state_shape, action_shape, nn_size):
        super().__init__()
        self.model = MLP(state_dim=state_shape[0], action_dim=action_shape[0], nn_size=nn_size)
        self.state_mean = None
        self.state_std = None
        self.action_mean = None
        self.action_std = None
        self.delta_state_mean = None
        self.delta_state_std = None

    def set_statistics(self, dataset):
        # dataset: anything with the six numpy float32 vectors as attributes
        self.state_mean = torch.from_numpy(dataset.state_mean).unsqueeze(dim=0)
        self.state_std = torch.from_numpy(dataset.state_std).unsqueeze(dim=0)
        self.action_mean = torch.from_numpy(dataset.action_mean).unsqueeze(dim=0)
        self.action_std = torch.from_numpy(dataset.action_std).unsqueeze(dim=0)
        self.delta_state_mean = torch.from_numpy(dataset.delta_state_mean).unsqueeze(dim=0)
        self.delta_state_std = torch.from_numpy(dataset.delta_state_std).unsqueeze(dim=0)

    def predicted_delta_state_normalized(self, states, actions):
        states_normalized = normalize(states, self.state_mean, self.state_std)
        actions_normalized = normalize(actions, self.action_mean, self.action_std)
        return self.model(states_normalized, actions_normalized)

    def predict_next_states(self, states, actions):
        predicted_delta_state_normalized = self.predicted_delta_state_normalized(states, actions)
        predicted_delta_state = unnormalize(predicted_delta_state_normalized,
                                            self.delta_state_mean, self.delta_state_std)
        return states + predicted_delta_state


# --------------------------------------------------------------------------------------------
# Reporting

STAT_NAMES = ["state_mean", "state_std", "action_mean", "action_std",
              "delta_state_mean", "delta_state_std"]
PROVENANCE_JSON = ["config", "inputs", "software"]
PROVENANCE_ALL = ["format", "seed", "command"] + PROVENANCE_JSON


class Checker:
    def __init__(self):
        self.failures = 0
        self.count = 0

    def check(self, name, ok, detail=""):
        self.count += 1
        if not ok:
            self.failures += 1
        line = f"{'PASS' if ok else 'FAIL'}  {name}"
        if detail:
            line += f": {detail}"
        print(line, flush=True)
        return ok

    def run(self, name, fn):
        """Run fn() -> (ok, detail); an exception is a failure of that check, not a crash."""
        try:
            ok, detail = fn()
        except Exception as e:  # noqa: BLE001 - report and keep checking
            ok, detail = False, f"{type(e).__name__}: {e}"
        return self.check(name, ok, detail)


def rel_err(a, b):
    """max |a - b| / |b| over all entries (b is the reference)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denom = np.maximum(np.abs(b), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a - b) / denom)) if a.size else 0.0


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def as_str(v):
    return v.decode() if isinstance(v, bytes) else v


# --------------------------------------------------------------------------------------------
# Provenance attributes (every stage-written file)


def check_provenance(c, run, name, f, fmt, extra=()):
    missing = [a for a in list(PROVENANCE_ALL) + list(extra) if a not in f.attrs]
    c.check(f"{name}: root attributes {', '.join(PROVENANCE_ALL + list(extra))}",
            not missing, f"missing {missing}" if missing else "")
    if "format" in f.attrs:
        got = as_str(f.attrs["format"])
        c.check(f"{name}: format == {fmt}", got == fmt, f"got {got!r}")
    if "seed" in f.attrs:
        s = f.attrs["seed"]
        c.check(f"{name}: seed is an integer", np.issubdtype(np.asarray(s).dtype, np.integer),
                f"{s!r}")
    if "command" in f.attrs:
        c.check(f"{name}: command is a non-empty string",
                isinstance(as_str(f.attrs["command"]), str) and len(as_str(f.attrs["command"])) > 0)
    parsed = {}
    for a in PROVENANCE_JSON:
        if a in f.attrs:
            try:
                parsed[a] = json.loads(as_str(f.attrs[a]))
                c.check(f"{name}: attribute {a} is valid JSON", True,
                        type(parsed[a]).__name__)
            except (TypeError, ValueError) as e:
                c.check(f"{name}: attribute {a} is valid JSON", False, str(e))
    inputs = parsed.get("inputs")
    if isinstance(inputs, dict) and inputs:
        bad, checked = [], 0
        for path, digest in inputs.items():
            full = os.path.join(run, path)
            if os.path.exists(full):
                checked += 1
                if sha256(full) != digest:
                    bad.append(path)
        c.check(f"{name}: inputs SHA-256 match the files in the run folder", not bad,
                f"{checked}/{len(inputs)} present" + (f", mismatched {bad}" if bad else ""))
    return parsed


# --------------------------------------------------------------------------------------------
# 1. Transitions


def check_transitions(c, run, fname):
    path = os.path.join(run, fname)
    with h5py.File(path, "r") as f:
        check_provenance(c, run, fname, f, "mbrl.transitions/1", extra=("env", "policy"))
        for a in ("env", "policy"):
            if a in f.attrs:
                v = as_str(f.attrs[a])
                c.check(f"{fname}: attribute {a} is a non-empty string",
                        isinstance(v, str) and v != "", repr(v))

        spec = {
            "observations": (np.float32, 2), "actions": (np.float32, 2),
            "next_observations": (np.float32, 2), "rewards": (np.float32, 1),
            "terminals": (np.bool_, 1), "timeouts": (np.bool_, 1),
            "episodes/returns": (np.float64, 1), "episodes/lengths": (np.int64, 1),
            "episodes/seeds": (np.int64, 1),
        }
        present = {k for k in spec if k in f and isinstance(f[k], h5py.Dataset)}
        missing = sorted(set(spec) - present)
        c.check(f"{fname}: datasets {', '.join(spec)}", not missing,
                f"missing {missing}" if missing else "")
        for k in sorted(present, key=list(spec).index):
            want, ndim = spec[k]
            d = f[k]
            c.check(f"{fname}: {k} dtype {np.dtype(want)} ndim {ndim}",
                    d.dtype == np.dtype(want) and d.ndim == ndim, f"{d.dtype} {d.shape}")
        if missing:
            return

        obs, act, nxt = f["observations"], f["actions"], f["next_observations"]
        n = obs.shape[0]
        rows = {k: f[k].shape[0] for k in ("observations", "actions", "next_observations",
                                            "rewards", "terminals", "timeouts")}
        c.check(f"{fname}: row counts equal (N = {n})", len(set(rows.values())) == 1, str(rows))
        c.check(f"{fname}: next_observations shape == observations shape",
                nxt.shape == obs.shape, f"{nxt.shape} vs {obs.shape}")
        c.check(f"{fname}: actions (N, act_dim)", act.shape[0] == n and act.shape[1] >= 1,
                str(act.shape))

        ret = f["episodes/returns"][()]
        lens = f["episodes/lengths"][()]
        seeds = f["episodes/seeds"][()]
        e = ret.shape[0]
        c.check(f"{fname}: episodes/* have equal length (E = {e})",
                lens.shape[0] == e and seeds.shape[0] == e,
                f"returns {ret.shape}, lengths {lens.shape}, seeds {seeds.shape}")
        c.check(f"{fname}: sum(episodes/lengths) == N", int(lens.sum()) == n,
                f"{int(lens.sum())} vs {n}")

        # Episode boundaries: rows with terminals or timeouts set are exactly the episode ends.
        ends = np.flatnonzero(f["terminals"][()] | f["timeouts"][()])
        expected = np.cumsum(lens) - 1
        c.check(f"{fname}: terminals|timeouts rows are the episode ends",
                ends.shape == expected.shape and np.array_equal(ends, expected),
                f"{ends.size} end rows, {e} episodes")
        # episodes/returns are the sums of each episode's rewards (float32 rewards, so 1e-5 rel).
        if int(lens.sum()) == n:
            rew = f["rewards"][()].astype(np.float64)
            sums = np.add.reduceat(rew, np.concatenate(([0], np.cumsum(lens)[:-1]))) if e else rew[:0]
            err = float(np.max(np.abs(sums - ret) / np.maximum(np.abs(ret), 1.0))) if e else 0.0
            c.check(f"{fname}: episodes/returns == per-episode sum of rewards", err <= 1e-5,
                    f"max rel err {err:.2e}")


# --------------------------------------------------------------------------------------------
# 2. Stats


class Stats:
    def __init__(self, group):
        for k in STAT_NAMES:
            setattr(self, k, np.asarray(group[k][()]))


def check_stats(c, run):
    with h5py.File(os.path.join(run, "stats.h5"), "r") as f:
        check_provenance(c, run, "stats.h5", f, "mbrl.stats/1")
        bad = [f"{k}: {f[k].dtype} {f[k].shape}" if k in f else f"{k}: missing"
               for k in STAT_NAMES
               if k not in f or f[k].dtype != np.float32 or f[k].ndim != 1]
        if not c.check("stats.h5: six float32 1-D vectors " + ", ".join(STAT_NAMES), not bad,
                       "; ".join(bad)):
            return
        stats = Stats(f)
        count = f.attrs.get("count")
    with h5py.File(os.path.join(run, "random.h5"), "r") as r:
        obs = r["observations"][()].astype(np.float64)
        act = r["actions"][()].astype(np.float64)
        delta = (r["next_observations"][()] - r["observations"][()]).astype(np.float64)
    n = obs.shape[0]
    c.check("stats.h5: attribute count == rows of random.h5",
            count is not None and int(count) == n, f"count={count!r}, N={n}")
    floor = 1e-6
    ref = {
        "state_mean": obs.mean(0), "state_std": np.maximum(obs.std(0, ddof=0), floor),
        "action_mean": act.mean(0), "action_std": np.maximum(act.std(0, ddof=0), floor),
        "delta_state_mean": delta.mean(0),
        "delta_state_std": np.maximum(delta.std(0, ddof=0), floor),
    }
    for k in STAT_NAMES:
        got = getattr(stats, k)
        if got.shape != ref[k].shape:
            c.check(f"stats.h5: {k} recomputed from random.h5", False,
                    f"shape {got.shape} vs {ref[k].shape}")
            continue
        err = rel_err(got, ref[k])
        c.check(f"stats.h5: {k} recomputed from random.h5 (rel <= 1e-5)", err <= 1e-5,
                f"max rel err {err:.2e}")
    return stats


# --------------------------------------------------------------------------------------------
# 3. Models


def state_dict_keys(f):
    keys = []
    f.visititems(lambda name, obj: keys.append(name)
                 if isinstance(obj, h5py.Dataset) and not name.startswith(("stats/", "training/")) else None)
    return keys


def load_model(f):
    model = Model(state_shape=(3,), action_shape=(1,), nn_size=64)
    keys = state_dict_keys(f)
    model.load_state_dict({k: torch.tensor(f[k][()]) for k in keys}, strict=True)
    return model, keys


def check_model(c, run, fname, stats_file):
    path = os.path.join(run, fname)
    with h5py.File(path, "r") as f:
        check_provenance(c, run, fname, f, "mbrl.model/2")
        keys = state_dict_keys(f)
        bad = []
        for k in keys:
            want = np.int64 if k.endswith("num_batches_tracked") else np.float32
            if f[k].dtype != np.dtype(want):
                bad.append(f"{k}: {f[k].dtype}")
        c.check(f"{fname}: state_dict datasets float32 (num_batches_tracked int64)", not bad,
                f"{len(keys)} keys" + (f"; wrong: {bad}" if bad else ""))
        ok = c.run(f"{fname}: load_state_dict(strict=True) into the notebook's Model(nn_size=64)",
                   lambda: (load_model(f) is not None, f"{len(keys)} tensors"))
        if "stats" in f:
            g = f["stats"]
            missing = [k for k in STAT_NAMES if k not in g]
            same = not missing and stats_file is not None and all(
                np.array_equal(g[k][()], getattr(stats_file, k)) for k in STAT_NAMES)
            c.check(f"{fname}: stats/ group has the six vectors, equal to stats.h5", same,
                    f"missing {missing}" if missing else "")
        else:
            c.check(f"{fname}: stats/ group present", False)
    return ok


def predict_heldout(run, model_name):
    with h5py.File(os.path.join(run, model_name), "r") as f:
        model, _ = load_model(f)
        model.set_statistics(Stats(f["stats"]))
    with h5py.File(os.path.join(run, "heldout.h5"), "r") as h:
        states = torch.from_numpy(h["observations"][()].astype(np.float32))
        actions = torch.from_numpy(h["actions"][()].astype(np.float32))
    model.eval()
    with torch.no_grad():
        return model.predict_next_states(states, actions).numpy()


# --------------------------------------------------------------------------------------------
# 4. Eval


def check_eval(c, run, torch_pred):
    path = os.path.join(run, "eval.h5")
    with h5py.File(path, "r") as f, h5py.File(os.path.join(run, "heldout.h5"), "r") as h:
        check_provenance(c, run, "eval.h5", f, "mbrl.eval/1")
        pred = f["predictions/next_observations"]
        c.check("eval.h5: predictions/next_observations float32, shape == heldout observations",
                pred.dtype == np.float32 and pred.shape == h["observations"].shape,
                f"{pred.dtype} {pred.shape} vs {h['observations'].shape}")
        pred = pred[()]
        target = h["next_observations"][()]

        if torch_pred is not None and torch_pred.shape == pred.shape:
            diff = float(np.max(np.abs(torch_pred.astype(np.float64) - pred.astype(np.float64))))
            c.check("model-3.h5 in PyTorch (eval mode, CPU float32) vs eval.h5 predictions "
                    "(max abs diff <= 1e-5)", diff <= 1e-5, f"max abs diff {diff:.3e}")
        else:
            c.check("model-3.h5 in PyTorch vs eval.h5 predictions", False,
                    "no PyTorch predictions" if torch_pred is None
                    else f"shape {torch_pred.shape} vs {pred.shape}")

        m = f["metrics"]
        sq = (pred.astype(np.float64) - target.astype(np.float64)) ** 2
        mse = float(sq.mean())
        got = float(m["one_step_mse"][()])
        err = abs(got - mse) / mse
        c.check("eval.h5: metrics/one_step_mse == MSE recomputed from predictions (1e-6 rel)",
                err <= 1e-6, f"file {got:.10g}, recomputed {mse:.10g}, rel err {err:.1e}")
        if "one_step_mse_per_dim" in m:
            err = rel_err(m["one_step_mse_per_dim"][()], sq.mean(0))
            c.check("eval.h5: metrics/one_step_mse_per_dim recomputed (1e-6 rel)", err <= 1e-6,
                    f"rel err {err:.1e}")
        rmse = m["k_step_rmse"][()]
        c.check("eval.h5: metrics/k_step_rmse has 30 entries", rmse.shape == (30,),
                f"shape {rmse.shape}")
        if rmse.size:
            err = abs(rmse[0] ** 2 - got) / got
            c.check("eval.h5: k_step_rmse[0]**2 == one_step_mse (1e-6 rel)", err <= 1e-6,
                    f"{rmse[0] ** 2:.10g} vs {got:.10g}, rel err {err:.1e}")

        r = f["rollouts"]
        for i in sorted(r, key=int):
            g = r[i]
            ret = g["returns"][()]
            mean = float(g["mean"][()])
            src = as_str(g.attrs.get("file", ""))
            ok = np.isclose(mean, ret.mean(), rtol=1e-12, atol=1e-9)
            c.check(f"eval.h5: rollouts/{i}/mean == mean(rollouts/{i}/returns) ({src})", ok,
                    f"{mean:.6f} vs {ret.mean():.6f} over {ret.size} returns")
            if src and os.path.exists(os.path.join(run, src)):
                with h5py.File(os.path.join(run, src), "r") as s:
                    expected = s["episodes/returns"][()]
                    # A step budget's last episode, cut off before the limit, is left out (FORMATS.md).
                    config = json.loads(as_str(s.attrs.get("config", "{}")))
                    lengths = s["episodes/lengths"][()]
                    if ("steps" in config and expected.size > 1 and lengths[-1] < config["max_steps"]
                            and not s["terminals"][-1]):
                        expected = expected[:-1]
                    same = np.array_equal(ret, expected)
                c.check(f"eval.h5: rollouts/{i}/returns == {src} episodes/returns (complete episodes)", same)


# --------------------------------------------------------------------------------------------
# 5. TensorBoard


def load_events(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(logdir, size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return rows


def check_tb_train(c, run):
    logdir = os.path.join(run, "tb", "train-0")
    rows = read_csv(os.path.join(logdir, "train.csv"))
    acc = load_events(logdir)
    tags = acc.Tags().get("scalars", [])
    want = ["train/loss", "train/val_loss", "train/lr", "charts/samples_per_s"]
    missing = [t for t in want if t not in tags]
    c.check("tb/train-0: EventAccumulator lists scalars " + ", ".join(want), not missing,
            f"scalars {sorted(tags)}" + (f", tensors {acc.Tags().get('tensors', [])}"
                                         if missing else ""))
    for t in want:
        if t in missing:
            continue
        ev = acc.Scalars(t)
        if not c.check(f"tb/train-0: {t} has as many events as train.csv rows",
                       len(ev) == len(rows), f"{len(ev)} events, {len(rows)} rows"):
            continue
        steps_ok = all(e.step == int(r["step"]) for e, r in zip(ev, rows))
        vals = np.array([e.value for e in ev], dtype=np.float64)
        csv_vals = np.array([float(r[t]) for r in rows], dtype=np.float64)
        err = rel_err(vals, csv_vals)
        c.check(f"tb/train-0: {t} steps and values == train.csv (float32 precision)",
                steps_ok and err <= 2 ** -23,
                f"steps {'equal' if steps_ok else 'DIFFER'}, max rel err {err:.1e}")


def check_tb_test(c, run):
    logdir = os.path.join(run, "tb", "test")
    acc = load_events(logdir)
    tags = acc.Tags().get("scalars", [])
    t = "plan/episode_return"
    if not c.check(f"tb/test: EventAccumulator lists scalar {t}", t in tags,
                   f"scalars {sorted(tags)}"):
        return
    ev = acc.Scalars(t)
    c.check(f"tb/test: {t} has 50 events", len(ev) == 50, f"{len(ev)} events")
    csv_path = os.path.join(logdir, "plan.csv")
    if os.path.exists(csv_path):
        rows = read_csv(csv_path)
        if len(rows) == len(ev):
            err = rel_err([e.value for e in ev], [float(r[t]) for r in rows])
            c.check(f"tb/test: {t} values == plan.csv (float32 precision)", err <= 2 ** -23,
                    f"max rel err {err:.1e}")
        else:
            c.check(f"tb/test: {t} events == plan.csv rows", False,
                    f"{len(ev)} events, {len(rows)} rows")
    test = os.path.join(run, "test.h5")
    if os.path.exists(test):
        with h5py.File(test, "r") as f:
            ret = f["episodes/returns"][()]
        if ret.shape[0] == len(ev):
            err = rel_err([e.value for e in ev], ret)
            c.check(f"tb/test: {t} == test.h5 episodes/returns (float32 precision)",
                    err <= 2 ** -23, f"max rel err {err:.1e}")


# --------------------------------------------------------------------------------------------


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip() if len(argv) == 2 else
              "usage: check_with_python.py RUN_FOLDER", file=sys.stderr)
        return 0 if len(argv) == 2 else 2
    run = argv[1]
    if not os.path.isdir(run):
        print(f"error: {run}: not a folder", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    c = Checker()

    required = ["random.h5", "heldout.h5", "stats.h5", "eval.h5", "test.h5",
                "model-0.h5", "tb/train-0/train.csv", "tb/test"]
    missing = [p for p in required if not os.path.exists(os.path.join(run, p))]
    c.check("run folder has " + ", ".join(required), not missing,
            f"missing {missing}" if missing else "")

    def present(p):
        return os.path.exists(os.path.join(run, p))

    # 1. transitions
    rollouts = sorted((os.path.basename(p) for p in glob.glob(os.path.join(run, "rollouts-*.h5"))),
                      key=lambda s: int(s[len("rollouts-"):-len(".h5")]))
    for fname in ["random.h5", "heldout.h5"] + rollouts + ["test.h5"]:
        if present(fname):
            c.run(f"{fname}: read without an exception",
                  lambda fname=fname: (check_transitions(c, run, fname) is None, ""))

    # 2. stats
    stats = None
    if present("stats.h5") and present("random.h5"):
        try:
            stats = check_stats(c, run)
        except Exception as e:  # noqa: BLE001
            c.check("stats.h5: readable", False, f"{type(e).__name__}: {e}")

    # 3. models
    models = sorted((os.path.basename(p) for p in glob.glob(os.path.join(run, "model-*.h5"))),
                    key=lambda s: int(s[len("model-"):-len(".h5")]))
    c.check("model files model-0.h5 ... model-3.h5 present",
            all(f"model-{i}.h5" in models for i in range(4)), ", ".join(models))
    for fname in models:
        try:
            check_model(c, run, fname, stats)
        except Exception as e:  # noqa: BLE001
            c.check(f"{fname}: readable", False, f"{type(e).__name__}: {e}")
    torch_pred = None
    if present("model-3.h5") and present("heldout.h5"):
        try:
            torch_pred = predict_heldout(run, "model-3.h5")
        except Exception as e:  # noqa: BLE001
            c.check("model-3.h5: PyTorch prediction on heldout.h5", False,
                    f"{type(e).__name__}: {e}")

    # 4. eval
    if present("eval.h5") and present("heldout.h5"):
        try:
            check_eval(c, run, torch_pred)
        except Exception as e:  # noqa: BLE001
            c.check("eval.h5: readable", False, f"{type(e).__name__}: {e}")

    # 5. TensorBoard
    if present("tb/train-0/train.csv"):
        c.run("tb/train-0: read without an exception", lambda: (check_tb_train(c, run) is None, ""))
    if present("tb/test"):
        c.run("tb/test: read without an exception", lambda: (check_tb_test(c, run) is None, ""))

    print(f"{c.count - c.failures}/{c.count} checks passed"
          + (f", {c.failures} FAILED" if c.failures else ""))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
