"""How far the planner's reward is from the environment's reward, on recorded MuJoCo transitions (run by
hand, e.g. after `make PIPELINE=halfcheetah`):

    /root/venvs/exact-reward/bin/python scripts/planning_reward_error.py data/halfcheetah/seed-0/test.h5 \
        [--model data/halfcheetah/seed-0/model-10.h5] [...more transitions files]

Two measurements per file, per step |planning - true| and per episode the summed planning reward
against the true return:

1. On the true quantities (what the reward formula itself costs). "approximate" is the reward a model
   without Δx gets (MuJoCoTask.locomotionRewards): the forward progress (x' - x)/dt replaced by the
   mean of the root's x velocity in the observations before and after the step. "exact" is the task's
   formula on the true Δx (MuJoCoEnvironment.reward(deltaX:...)), with Δx the change of infos/qpos[0]
   between consecutive rows (HalfCheetah, Hopper, Swimmer; an episode's last row and Ant, whose reward
   reads the torso's position of MuJoCo's last forward pass, are left out: qpos does not give their x).
2. With --model, on the model's one-step predictions from the recorded (observation, action): the
   planning reward the planner would compute for that step, with the model file's own reward (the exact
   formula on the predicted Δx for a model that predicts it, mbrl.model/3 or mbrl.ensemble/2: the
   trapezoid dt * (s[v] + s'[v]) / 2 of the observation and the predicted next one plus the model's Δx
   output; the approximate one on the predicted next observation otherwise). An ensemble predicts the mean over
   its elites of their means (the planner's `--propagation expectation`).

Needs numpy and h5py (no torch: the networks are evaluated in NumPy, in float64).
"""
import argparse

import h5py
import numpy as np

# Gymnasium id: (index of the root's x velocity in the observation, healthy reward, control cost weight, dt)
TASKS = {
    "HalfCheetah-v4": (8, 0.0, 0.1, 0.05),
    "Hopper-v4": (5, 1.0, 1e-3, 0.008),
    "Swimmer-v4": (3, 0.0, 1e-4, 0.04),
    "Ant-v4": (13, 1.0, 0.5, 0.05),
}


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def control_cost(actions, weight):
    # float32 squares summed in float32 (numpy's order for a row), then the weight in float64.
    return weight * np.square(actions.astype(np.float32)).sum(axis=1, dtype=np.float32).astype(np.float64)


def approximate_reward(obs, nxt, act, task):
    v, healthy, weight, _ = TASKS[task]
    return 0.5 * (obs[:, v].astype(np.float64) + nxt[:, v]) + healthy - control_cost(act, weight)


def exact_reward(delta_x, act, task):
    _, healthy, weight, dt = TASKS[task]
    return (np.asarray(delta_x, np.float64) / dt + healthy) - control_cost(act, weight)


def single_network(f):
    """The model file's network as a NumPy function of normalized inputs (eval-mode batch norm)."""
    depth, batch_norm = int(f.attrs["depth"]), bool(f.attrs["batch_norm"])
    step = 3 if batch_norm else 2
    layers = []
    for l in range(depth + 1):
        i = l * step
        w, b = f[f"model.network.{i}.weight"][()].astype(np.float64), f[f"model.network.{i}.bias"][()].astype(np.float64)
        bn = None
        if batch_norm and l < depth:
            g = lambda k: f[f"model.network.{i + 1}.{k}"][()].astype(np.float64)
            bn = (g("weight"), g("bias"), g("running_mean"), g("running_var"))
        layers.append((w, b, bn))

    def forward(x):
        for l, (w, b, bn) in enumerate(layers):
            x = x @ w.T + b
            if l < depth:
                if bn is not None:
                    gamma, beta, mean, var = bn
                    x = (x - mean) / np.sqrt(var + 1e-5) * gamma + beta
                x = np.maximum(x, 0)
        return x
    return forward


def ensemble_network(f):
    """The elites' mean outputs (the mean over elites of each member's mean head), normalized units."""
    depth, out = int(f.attrs["depth"]), int(f.attrs["output_size"])
    silu = text(f.attrs["activation"]) == "silu"
    elites = f["members/elites"][()]
    hidden = [(f[f"hidden_layers.{l}.0.weight"][()].astype(np.float64), f[f"hidden_layers.{l}.0.bias"][()].astype(np.float64))
              for l in range(depth)]
    head = (f["mean_and_logvar.weight"][()].astype(np.float64), f["mean_and_logvar.bias"][()].astype(np.float64))

    def forward(x):
        means = []
        for e in elites:
            h = x
            for w, b in hidden:
                h = h @ w[e] + b[e]
                h = h / (1 + np.exp(-h)) if silu else np.maximum(h, 0)
            means.append((h @ head[0][e] + head[1][e])[:, :out])
        return np.mean(means, axis=0)
    return forward


def model_rewards(path, obs, act, nxt, task):
    """The planning reward of every row on the model's one-step prediction, and whether it was exact."""
    with h5py.File(path, "r") as f:
        fmt = text(f.attrs["format"])
        s = {k: f["stats"][k][()].astype(np.float64) for k in f["stats"]}
        forward = ensemble_network(f) if fmt.startswith("mbrl.ensemble") else single_network(f)
        x = np.concatenate([(obs - s["state_mean"]) / s["state_std"], (act - s["action_mean"]) / s["action_std"]], axis=1)
        y = forward(x)
    o = obs.shape[1]
    predicted_next = obs + y[:, :o] * s["delta_state_std"] + s["delta_state_mean"]
    if "delta_x_residual_mean" in s:
        v, _, _, dt = TASKS[task]
        residual = y[:, o] * s["delta_x_residual_std"][0] + s["delta_x_residual_mean"][0]
        delta_x = dt * ((obs[:, v] + predicted_next[:, v]) / 2) + residual
        return exact_reward(delta_x, act, task), fmt, True
    return approximate_reward(obs, predicted_next, act, task), fmt, False


def report(name, estimate, rew, starts, ends, mask=None):
    mask = np.ones(len(rew), bool) if mask is None else mask
    error = np.abs(estimate - rew)[mask]
    print(f"  {name}: per step |error| mean {error.mean():.3g}, max {error.max():.3g} over {mask.sum()} steps")
    for a, b in zip(starts, ends):
        if mask[a:b + 1].all():
            print(f"    episode return {rew[a:b + 1].sum():9.2f}, planning reward's sum {estimate[a:b + 1].sum():9.2f} "
                  f"({estimate[a:b + 1].sum() - rew[a:b + 1].sum():+.3f})")


def measure(path, models):
    with h5py.File(path, "r") as f:
        task = text(f.attrs["env"])
        obs, nxt = f["observations"][()].astype(np.float64), f["next_observations"][()].astype(np.float64)
        act, rew = f["actions"][()], f["rewards"][()].astype(np.float64)
        ends = np.flatnonzero(f["terminals"][()] | f["timeouts"][()])
        qpos = f["infos/qpos"][()] if "infos/qpos" in f else None
    starts = np.concatenate([[0], ends[:-1] + 1])
    print(f"{path} ({task}, {len(rew)} steps, {len(ends)} episodes; std of the true reward {rew.std():.3f})")
    print(" on the true quantities:")
    report("approximate (mean of the x velocities)", approximate_reward(obs, nxt, act, task), rew, starts, ends)
    if qpos is not None and task != "Ant-v4":
        delta_x = np.zeros(len(rew))
        delta_x[:-1] = qpos[1:, 0] - qpos[:-1, 0]
        known = np.ones(len(rew), bool)
        known[ends] = False
        report("exact on Δx from infos/qpos (episodes' last rows left out)", exact_reward(delta_x, act, task), rew, starts, ends, known)
    for model in models:
        estimate, fmt, exact = model_rewards(model, obs, act, nxt, task)
        print(f" on the one-step predictions of {model} ({fmt}, {'exact reward on the predicted Δx' if exact else 'approximate reward'}):")
        report("planning reward", estimate, rew, starts, ends)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("transitions", nargs="+")
    parser.add_argument("--model", action="append", default=[], help="a model file (repeatable)")
    args = parser.parse_args()
    for path in args.transitions:
        measure(path, args.model)
