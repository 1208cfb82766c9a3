#!/usr/bin/env python3
"""PyTorch CPU reference for the two workloads of `make bench` (Sources/bench/Workloads.swift).

    python3 scripts/torch_bench.py plan  [--threads N] [--repetitions R]
    python3 scripts/torch_bench.py train [--threads N] [--repetitions R]

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


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description="PyTorch CPU reference for the workloads of `make bench`.")
    parser.add_argument("workload", choices=["plan", "train"])
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
    line, result = (bench_plan if args.workload == "plan" else bench_train)(args)
    print(line)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
