#!/usr/bin/env python3
"""PyTorch CPU reference for the two workloads of `make bench` (Sources/bench/Workloads.swift).

    python3 scripts/torch_bench.py plan  [--threads N] [--repetitions R]
    python3 scripts/torch_bench.py train [--threads N] [--repetitions R]
    python3 scripts/torch_bench.py ensemble-train | ensemble-plan [--threads N] [--repetitions R]

plan   One random-shooting MPC step as the `plan` stage takes it: K = 1024 candidate sequences of
       H = 15 actions, uniform in [-2, 2] (candidate 0 all zeros), scored on the notebook's network
       4-64-64-3 with BatchNorm1d in eval mode. The network sees the normalized observation
       (cos th, sin th, th_dot) and the normalized action and predicts the normalized state change;
       each candidate's score is the Pendulum reward summed over the horizon; the first action of
       the best candidate is returned. As in the Swift planner, Pendulum's reward reads only the
       pre-step state, so the prediction after the last step is skipped: H - 1 forward passes.
train  Adam (lr 1e-3) on the MSE of the same network in train mode: epochs of shuffled minibatches
       of 128 over 4,000 rows of random normalized inputs and targets (the values do not change
       the speed). Reports training samples per second.

ensemble-train
       PETS's ensemble (Sources/bench/EnsembleWorkloads.swift): 5 members, 4 hidden SiLU layers of
       200, Gaussian heads with learned soft log-variance bounds (mbrl-lib's GaussianMLP math: per
       layer one batched x.matmul(W) over (members, rows, in) x (members, in, out)); Adam on the
       Gaussian NLL, every member on its own minibatch of 256 of 4,000 rows. Reports (member, row)
       samples per second, as the Swift bench counts them.
ensemble-plan
       One TS-inf evaluation of CEM's population on that ensemble: 500 candidates x 20 particles,
       horizon 30, particles fixed to members (member-major rows), next state sampled from each
       member's Gaussian, Pendulum's reward, a candidate's return the mean over its particles.

Each repetition is timed alone (one MPC step; one epoch) after untimed warm-up runs, and the
median is reported: one human-readable line, then one JSON line. Run it in a virtual environment
with torch and numpy. Weights are random: speed does not depend on them.
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn

OBS, ACT, HIDDEN = 3, 1, 64
MAX_TORQUE = 2.0

# Pendulum-like normalization statistics (the bench's model takes its own from 20 random episodes;
# the values do not change the speed).
STATE_MEAN = [0.0, 0.0, 0.0]
STATE_STD = [0.7, 0.7, 4.0]
ACTION_MEAN = [0.0]
ACTION_STD = [1.15]
DELTA_MEAN = [0.0, 0.0, 0.0]
DELTA_STD = [0.14, 0.14, 0.55]


def network(hidden=HIDDEN):
    """The notebook's MLP: two Linear-BatchNorm1d-ReLU blocks, then a Linear to the state change."""
    return nn.Sequential(
        nn.Linear(OBS + ACT, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
        nn.Linear(hidden, OBS),
    )


def network_flops(rows, hidden=HIDDEN):
    """Multiply-adds of `rows` forward rows, counted as the project's bench counts them."""
    return 2.0 * rows * ((OBS + ACT) * hidden + hidden * hidden + hidden * OBS)


class RandomShooting:
    """One MPC step of random shooting on the learned model, all candidates in one batch."""

    def __init__(self, net, candidates, horizon, generator):
        self.net = net.eval()
        self.k, self.h = candidates, horizon
        self.generator = generator
        self.state_mean = torch.tensor(STATE_MEAN)
        self.state_std = torch.tensor(STATE_STD)
        self.action_mean = torch.tensor(ACTION_MEAN)
        self.action_std = torch.tensor(ACTION_STD)
        self.delta_mean = torch.tensor(DELTA_MEAN)
        self.delta_std = torch.tensor(DELTA_STD)

    @staticmethod
    def reward(states, actions):
        """Pendulum-v1's reward on predicted observations: -(th^2 + 0.1 th_dot^2 + 0.001 u^2)."""
        theta = torch.atan2(states[:, 1], states[:, 0])
        u = actions[:, 0].clamp(-MAX_TORQUE, MAX_TORQUE)
        return -(theta * theta + 0.1 * states[:, 2] * states[:, 2] + 0.001 * u * u)

    def predict(self, states, actions):
        """Next observations: s + delta_std * net(normalized s, normalized a) + delta_mean."""
        x = torch.cat(((states - self.state_mean) / self.state_std,
                       (actions - self.action_mean) / self.action_std), dim=1)
        return states + self.net(x) * self.delta_std + self.delta_mean

    @torch.inference_mode()
    def action(self, observation):
        # (H, K, act): step-major, as the Swift planner lays out its candidates.
        sequences = torch.rand((self.h, self.k, ACT), generator=self.generator) * (2 * MAX_TORQUE) - MAX_TORQUE
        sequences[:, 0, :] = 0.0
        states = observation.expand(self.k, OBS)
        returns = torch.zeros(self.k)
        for step in range(self.h):
            actions = sequences[step]
            returns += self.reward(states, actions)
            if step < self.h - 1:
                states = self.predict(states, actions)
        best = int(torch.argmax(returns))
        return sequences[0, best].clone()


def threads_text():
    n = torch.get_num_threads()
    return f"{n} thread" + ("" if n == 1 else "s")


def timed(body, repetitions, warmup):
    """Seconds of each of `repetitions` calls of `body`, after `warmup` untimed calls."""
    for _ in range(warmup):
        body()
    times = []
    for _ in range(repetitions):
        start = time.perf_counter_ns()
        body()
        times.append((time.perf_counter_ns() - start) * 1e-9)
    return times


def bench_plan(args):
    torch.manual_seed(0)
    planner = RandomShooting(network(), args.candidates, args.horizon, torch.Generator().manual_seed(0))
    observation = torch.tensor([1.0, 0.0, 0.0])  # any start: the work does not depend on it
    action = planner.action(observation)
    assert action.shape == (ACT,) and -MAX_TORQUE <= float(action[0]) <= MAX_TORQUE
    times = timed(lambda: planner.action(observation), args.repetitions, args.warmup)
    median = statistics.median(times)
    # The project quotes GFLOP/s with the count of H forward passes (its README explains the 15/14).
    gflops = network_flops(args.candidates * args.horizon) / median / 1e9
    line = (f"torch plan: {median * 1e3:.3f} ms per MPC step (rs, K {args.candidates}, H {args.horizon}, "
            f"4-64-64-3 + BN; median of {args.repetitions}, min {min(times) * 1e3:.3f} ms), "
            f"network {gflops:.1f} GFLOP/s, {threads_text()}, torch {torch.__version__}")
    result = {
        "workload": "plan", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "candidates": args.candidates, "horizon": args.horizon, "forward_passes": args.horizon - 1,
        "repetitions": args.repetitions, "plan_ms": round(median * 1e3, 4),
        "plan_ms_min": round(min(times) * 1e3, 4), "network_gflops": round(gflops, 2),
    }
    return line, result


def bench_train(args):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    net = network().train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    inputs = torch.randn((args.rows, OBS + ACT), generator=generator)
    targets = torch.randn((args.rows, OBS), generator=generator)
    batches_per_epoch = []

    def epoch():
        # One shuffled pass; a last batch of one row is skipped (batch norm needs two), as in the
        # project's MinibatchSchedule.
        order = torch.randperm(args.rows, generator=generator)
        rows = 0
        for start in range(0, args.rows, args.batch_size):
            batch = order[start:start + args.batch_size]
            if batch.numel() < 2:
                continue
            x, y = inputs.index_select(0, batch), targets.index_select(0, batch)
            optimizer.zero_grad(set_to_none=True)
            loss = nn.functional.mse_loss(net(x), y)
            loss.backward()
            optimizer.step()
            rows += batch.numel()
        batches_per_epoch.append(rows)

    times = timed(epoch, args.repetitions, args.warmup)
    samples = batches_per_epoch[-1]
    median = statistics.median(times)
    rate = samples / median
    line = (f"torch train: {rate:,.0f} samples/s (Adam, minibatch {args.batch_size}, 4-64-64-3 + BN, "
            f"{samples} rows per epoch; median of {args.repetitions} epochs, {median * 1e3:.2f} ms each), "
            f"{threads_text()}, torch {torch.__version__}")
    result = {
        "workload": "train", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "batch_size": args.batch_size, "rows_per_epoch": samples, "repetitions": args.repetitions,
        "train_samples_per_s": round(rate), "epoch_ms": round(median * 1e3, 4),
    }
    return line, result


MEMBERS, ENSEMBLE_HIDDEN, ENSEMBLE_DEPTH = 5, 200, 4


class Ensemble(nn.Module):
    """mbrl-lib's GaussianMLP math for the bench: weights (B, in, out), x (B, rows, in) -> x @ W + b."""

    def __init__(self, members=MEMBERS, hidden=ENSEMBLE_HIDDEN, depth=ENSEMBLE_DEPTH, inputs=OBS + ACT, outputs=OBS):
        super().__init__()
        widths = [inputs] + [hidden] * depth + [2 * outputs]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(members, a, b) / (2 * a ** 0.5)) for a, b in zip(widths, widths[1:]))
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(members, 1, b)) for b in widths[1:])
        self.min_logvar = nn.Parameter(-10 * torch.ones(1, outputs))
        self.max_logvar = nn.Parameter(0.5 * torch.ones(1, outputs))
        self.outputs = outputs

    def forward(self, x):
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = x.matmul(w) + b
            if i < len(self.weights) - 1:
                x = nn.functional.silu(x)
        mean, logvar = x[..., :self.outputs], x[..., self.outputs:]
        logvar = self.max_logvar - nn.functional.softplus(self.max_logvar - logvar)
        logvar = self.min_logvar + nn.functional.softplus(logvar - self.min_logvar)
        return mean, logvar


def ensemble_flops(rows, hidden=ENSEMBLE_HIDDEN, depth=ENSEMBLE_DEPTH):
    """Multiply-adds of `rows` member rows forward, counted as the Swift bench counts them."""
    return 2.0 * rows * ((OBS + ACT) * hidden + (depth - 1) * hidden * hidden + hidden * 2 * OBS)


def bench_ensemble_train(args):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    net = Ensemble()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    inputs = torch.randn((args.rows, OBS + ACT), generator=generator)
    targets = torch.randn((args.rows, OBS), generator=generator) * 0.1
    batch = 256

    def epoch():
        orders = torch.stack([torch.randint(args.rows, (args.rows,), generator=generator) for _ in range(MEMBERS)])
        for start in range(0, args.rows, batch):
            rows = orders[:, start:start + batch]
            x, y = inputs[rows], targets[rows]
            optimizer.zero_grad(set_to_none=True)
            mean, logvar = net(x)
            nll = (((mean - y) ** 2) * torch.exp(-logvar) + logvar).mean((1, 2)).sum()
            loss = nll + 0.01 * (net.max_logvar.sum() - net.min_logvar.sum())
            loss.backward()
            optimizer.step()

    times = timed(epoch, args.repetitions, args.warmup)
    median = statistics.median(times)
    rate = MEMBERS * args.rows / median
    line = (f"torch ensemble train: {rate:,.0f} samples/s ({MEMBERS} members x {args.rows} rows per epoch, "
            f"4-{ENSEMBLE_HIDDEN}x{ENSEMBLE_DEPTH}-6 SiLU, minibatch {batch}, Adam on the NLL; median of {args.repetitions} "
            f"epochs, {median * 1e3:.1f} ms each), {threads_text()}, torch {torch.__version__}")
    result = {"workload": "ensemble-train", "torch": torch.__version__, "threads": torch.get_num_threads(),
              "members": MEMBERS, "hidden": ENSEMBLE_HIDDEN, "depth": ENSEMBLE_DEPTH, "batch_size": batch,
              "rows_per_epoch": args.rows, "repetitions": args.repetitions,
              "train_samples_per_s": round(rate), "epoch_ms": round(median * 1e3, 4)}
    return line, result


def bench_ensemble_plan(args):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    net = Ensemble().eval()
    candidates, particles, horizon = 500, 20, 30
    rows = candidates * particles
    observation = torch.tensor([1.0, 0.0, 0.0])

    @torch.inference_mode()
    def evaluate():
        sequences = torch.rand((horizon, candidates, ACT), generator=generator) * (2 * MAX_TORQUE) - MAX_TORQUE
        states = observation.expand(rows, OBS)
        returns = torch.zeros(rows)
        for step in range(horizon):
            # Row q*K + c is particle q of candidate c; particles q fixed to member q // (P / B).
            actions = sequences[step].repeat(particles, 1)
            returns += RandomShooting.reward(states, actions)
            if step < horizon - 1:
                x = torch.cat((states, actions), dim=1).view(MEMBERS, rows // MEMBERS, OBS + ACT)
                mean, logvar = net(x)
                noise = torch.randn(mean.shape, generator=generator)
                states = states + (mean + torch.exp(0.5 * logvar) * noise).view(rows, OBS)
        return returns.view(particles, candidates).mean(0)

    assert evaluate().shape == (candidates,)
    times = timed(evaluate, args.repetitions, args.warmup)
    median = statistics.median(times)
    gflops = ensemble_flops(rows * (horizon - 1)) / median / 1e9
    line = (f"torch ensemble plan: {median * 1e3:.1f} ms per TS-inf evaluation ({candidates} candidates x {particles} particles, "
            f"H {horizon}, {MEMBERS} members 4-{ENSEMBLE_HIDDEN}x{ENSEMBLE_DEPTH}-6 SiLU; median of {args.repetitions}), "
            f"network {gflops:.1f} GFLOP/s, {threads_text()}, torch {torch.__version__}")
    result = {"workload": "ensemble-plan", "torch": torch.__version__, "threads": torch.get_num_threads(),
              "candidates": candidates, "particles": particles, "horizon": horizon, "members": MEMBERS,
              "repetitions": args.repetitions, "plan_ms": round(median * 1e3, 4), "network_gflops": round(gflops, 2)}
    return line, result


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="PyTorch CPU reference for the workloads of `make bench`.")
    parser.add_argument("workload", choices=["plan", "train", "ensemble-train", "ensemble-plan"])
    parser.add_argument("--threads", type=positive, default=None,
                        help="torch.set_num_threads (default: PyTorch's own choice)")
    parser.add_argument("--repetitions", type=positive, default=30,
                        help="timed repetitions; the median is reported (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument("--candidates", type=positive, default=1024, help=argparse.SUPPRESS)
    parser.add_argument("--horizon", type=positive, default=15, help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, default=128, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=4000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.batch_size < 2 or args.rows < args.batch_size:
        parser.error("--batch-size must be at least 2 and at most --rows")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    benches = {"plan": bench_plan, "train": bench_train, "ensemble-train": bench_ensemble_train,
               "ensemble-plan": bench_ensemble_plan}
    line, result = benches[args.workload](args)
    print(line)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
