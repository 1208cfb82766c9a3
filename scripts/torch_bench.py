#!/usr/bin/env python3
"""PyTorch CPU reference for the workloads of `make bench` (Sources/bench/Workloads.swift).

    python3 scripts/torch_bench.py plan  [--task pendulum|halfcheetah] [--threads N] [--repetitions R]
    python3 scripts/torch_bench.py train [--task pendulum|halfcheetah] [--threads N] [--repetitions R]
    python3 scripts/torch_bench.py ensemble-train | ensemble-plan [--threads N] [--repetitions R]

`make bench` runs it (with TORCH_PYTHON, a Python that has torch) right after its own measurements, on
the same shapes, and prints the ratios. The two tasks are the notebook's and the paper's:

pendulum     network 4-64-64-3 with BatchNorm1d, K 1024 candidates, horizon 15, minibatch 128;
             Pendulum's reward reads only the pre-step state, so the prediction after the last step
             is skipped: H - 1 forward passes per MPC step.
halfcheetah  network 23-200-200-17 with BatchNorm1d, K 1000 candidates, horizon 20, minibatch 512
             (pipelines/tasks/halfcheetah.mk); the planning reward reads the observation before and after
             the step (the root's mean x velocity minus 0.1 * sum(a^2)): H forward passes.

plan   One random-shooting MPC step as the `plan` stage takes it: K candidate sequences of H actions,
       uniform within the action bounds (candidate 0 all zeros), scored on the network in eval mode.
       The network sees the normalized observation and action and predicts the normalized state
       change; a candidate's score is the task's reward summed over the horizon; the first action of
       the best candidate is returned.
train  Adam (lr 1e-3) on the MSE of the same network in train mode: epochs of shuffled minibatches
       over 4,000 rows of random normalized inputs and targets (the values do not change the speed).
       Reports training samples per second.

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
with torch and numpy. Weights and statistics are placeholders: speed does not depend on them.
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn



class Task:
    """A workload's shapes and planning reward."""

    def __init__(self, name, obs, act, hidden, action_bound, candidates, horizon, batch_size, reads_next):
        self.name, self.obs, self.act, self.hidden = name, obs, act, hidden
        self.action_bound = action_bound
        self.candidates, self.horizon, self.batch_size = candidates, horizon, batch_size
        # Whether the reward reads the predicted next observation (then H forward passes, else H - 1).
        self.reads_next = reads_next

    def reward(self, states, actions, next_states):
        if self.name == "pendulum":
            # Pendulum-v1 on the pre-step observation: -(th^2 + 0.1 th_dot^2 + 0.001 u^2).
            theta = torch.atan2(states[:, 1], states[:, 0])
            u = actions[:, 0].clamp(-self.action_bound, self.action_bound)
            return -(theta * theta + 0.1 * states[:, 2] * states[:, 2] + 0.001 * u * u)
        # HalfCheetah: mean root x velocity (observation index 8) before and after, control cost 0.1.
        return 0.5 * (states[:, 8] + next_states[:, 8]) - 0.1 * (actions * actions).sum(dim=1)

    def flops(self, rows):
        """Multiply-adds of `rows` forward rows, counted as the project's bench counts them."""
        h = self.hidden
        return 2.0 * rows * ((self.obs + self.act) * h + h * h + h * self.obs)

    def describe(self):
        return f"{self.obs + self.act}-{self.hidden}-{self.hidden}-{self.obs} + BN"


TASKS = {
    "pendulum": Task("pendulum", 3, 1, 64, 2.0, 1024, 15, 128, reads_next=False),
    "halfcheetah": Task("halfcheetah", 17, 6, 200, 1.0, 1000, 20, 512, reads_next=True),
}


def network(task):
    """The notebook's MLP: two Linear-BatchNorm1d-ReLU blocks, then a Linear to the state change."""
    inputs, hidden = task.obs + task.act, task.hidden
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
        nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
        nn.Linear(hidden, task.obs),
    )


class RandomShooting:
    """One MPC step of random shooting on the learned model, all candidates in one batch."""

    def __init__(self, task, net, candidates, horizon, generator):
        self.task, self.net = task, net.eval()
        self.k, self.h = candidates, horizon
        self.generator = generator
        # Placeholder normalization statistics (the bench's model takes its own from random episodes;
        # the values do not change the speed).
        self.state_mean, self.state_std = torch.zeros(task.obs), torch.full((task.obs,), 0.7)
        self.action_mean, self.action_std = torch.zeros(task.act), torch.full((task.act,), 0.6)
        self.delta_mean, self.delta_std = torch.zeros(task.obs), torch.full((task.obs,), 0.2)

    def predict(self, states, actions):
        """Next observations: s + delta_std * net(normalized s, normalized a) + delta_mean."""
        x = torch.cat(((states - self.state_mean) / self.state_std,
                       (actions - self.action_mean) / self.action_std), dim=1)
        return states + self.net(x) * self.delta_std + self.delta_mean

    @torch.inference_mode()
    def action(self, observation):
        task, bound = self.task, self.task.action_bound
        # (H, K, act): step-major, as the Swift planner lays out its candidates.
        sequences = torch.rand((self.h, self.k, task.act), generator=self.generator) * (2 * bound) - bound
        sequences[:, 0, :] = 0.0
        states = observation.expand(self.k, task.obs)
        returns = torch.zeros(self.k)
        for step in range(self.h):
            actions = sequences[step]
            if task.reads_next:
                next_states = self.predict(states, actions)
                returns += task.reward(states, actions, next_states)
                states = next_states
            else:
                returns += task.reward(states, actions, None)
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
    task = TASKS[args.task]
    candidates, horizon = args.candidates or task.candidates, args.horizon or task.horizon
    torch.manual_seed(0)
    planner = RandomShooting(task, network(task), candidates, horizon, torch.Generator().manual_seed(0))
    observation = torch.zeros(task.obs)  # any start: the work does not depend on it
    observation[0] = 1.0
    action = planner.action(observation)
    assert action.shape == (task.act,) and bool((action.abs() <= task.action_bound).all())
    times = timed(lambda: planner.action(observation), args.repetitions, args.warmup)
    median = statistics.median(times)
    # The project quotes GFLOP/s with the count of H forward passes (docs/PERFORMANCE.md explains the 15/14).
    gflops = task.flops(candidates * horizon) / median / 1e9
    line = (f"torch plan: {median * 1e3:.3f} ms per MPC step ({task.name}, rs, K {candidates}, H {horizon}, "
            f"{task.describe()}; median of {args.repetitions}, min {min(times) * 1e3:.3f} ms), "
            f"network {gflops:.1f} GFLOP/s, {threads_text()}, torch {torch.__version__}")
    result = {
        "workload": "plan", "task": task.name, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "candidates": candidates, "horizon": horizon, "forward_passes": horizon if task.reads_next else horizon - 1,
        "repetitions": args.repetitions, "plan_ms": round(median * 1e3, 4),
        "plan_ms_min": round(min(times) * 1e3, 4), "network_gflops": round(gflops, 2),
    }
    return line, result


def bench_train(args):
    task = TASKS[args.task]
    batch_size = args.batch_size or task.batch_size
    if batch_size < 2 or args.rows < batch_size:
        raise SystemExit("torch_bench.py: --batch-size must be at least 2 and at most --rows")
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    net = network(task).train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    inputs = torch.randn((args.rows, task.obs + task.act), generator=generator)
    targets = torch.randn((args.rows, task.obs), generator=generator)
    batches_per_epoch = []

    def epoch():
        # One shuffled pass; a last batch of one row is skipped (batch norm needs two), as in the
        # project's MinibatchSchedule.
        order = torch.randperm(args.rows, generator=generator)
        rows = 0
        for start in range(0, args.rows, batch_size):
            batch = order[start:start + batch_size]
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
    line = (f"torch train: {rate:,.0f} samples/s ({task.name}, Adam, minibatch {batch_size}, {task.describe()}, "
            f"{samples} rows per epoch; median of {args.repetitions} epochs, {median * 1e3:.2f} ms each), "
            f"{threads_text()}, torch {torch.__version__}")
    result = {
        "workload": "train", "task": task.name, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "batch_size": batch_size, "rows_per_epoch": samples, "repetitions": args.repetitions,
        "train_samples_per_s": round(rate), "epoch_ms": round(median * 1e3, 4),
    }
    return line, result


# The PETS workloads run on Pendulum's shapes and reward.
MEMBERS, ENSEMBLE_HIDDEN, ENSEMBLE_DEPTH = 5, 200, 4
PENDULUM = TASKS["pendulum"]
OBS, ACT, MAX_TORQUE = PENDULUM.obs, PENDULUM.act, PENDULUM.action_bound


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
            returns += PENDULUM.reward(states, actions, None)
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
    parser.add_argument("--task", choices=sorted(TASKS), default="pendulum",
                        help="the workload's shapes and reward (default pendulum)")
    parser.add_argument("--threads", type=positive, default=None,
                        help="torch.set_num_threads (default: PyTorch's own choice)")
    parser.add_argument("--repetitions", type=positive, default=30,
                        help="timed repetitions; the median is reported (default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument("--candidates", type=positive, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--horizon", type=positive, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=4000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
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
