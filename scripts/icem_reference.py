"""A NumPy reference of iCEM (Pinneri et al. 2020, arXiv 2008.06389, Algorithm 1) and the test
vectors the Swift planner (Sources/MBRLPlanning/ICEMPlanner.swift) is checked against.

What it writes: Tests/MBRLTests/Fixtures/icem_reference.h5 (a few tens of KB). The Swift test
(Tests/MBRLTests/ICEMTests.swift) reads it; it never needs Python. Re-run only to regenerate:

    /root/venvs/icem/bin/python scripts/icem_reference.py

(from the repository root; needs `numpy<2 h5py` in that venv).

Both sides use the same pre-drawn standard normals (float32, stored in the file) in the same order,
so the samples, elites, means, standard deviations and actions must agree up to Float32 rounding.
The order: per control step, per iteration, first N_i colored sequences (sequence by sequence,
action component by component, H normals each), then in iteration 0 one colored sequence per
shifted elite and component (only its last step is used).

Colored noise with exponent beta, for a horizon H (written from the definition, not from a package):
frequencies k/H, amplitudes s_k = max(k/H, 1/H)^(-beta/2); the H normals of one sequence are the
constant component's, then a cosine and a sine coefficient for each 0 < k < H/2, then (H even) the
alternating component's; x_t = sum of the coefficients times sqrt(2) s_k cos / sin(2 pi k t / H)
(s_0 and s_{H/2} without sqrt(2)), divided by the root of the summed squared amplitudes, so each x_t
is a standard normal. The script checks that by an inverse real FFT (numpy.fft.irfft) of the same
coefficients and by the empirical spectrum.

The objective is a known one: the observation is the time t (the dynamics add 1), and the reward
of action a at time t is -sum_j (a_j - 0.9 sin(0.7 t + j))^2, so every step has its own target, part
of it outside the action bounds; the best plan follows the targets, clipped.

File layout, one group per case (a: H 6, two action components; b: H 5, one component):
  <case>/settings        float64 (11,): horizon, candidates, elites, iterations, alpha, beta,
                         population_decay, keep_fraction, initial_std, action size, control steps
  <case>/action_low, action_high      float32 (act,)
  <case>/basis           float32 (H, H): row r is what normal r adds to each step
  <case>/normals         float32 (M,): the normals, in the order they are drawn
  <case>/normals_used    int64 scalar: how many a run of all the steps draws
  <case>/observations    float32 (T, 1): the observation of each control step
  <case>/actions         float32 (T, act): the executed actions
  <case>/scored          int64 (T, I): candidates scored per iteration (N_i plus shifted elites)
  <case>/elite_returns   float32 (T, I, K): the elites' returns, best first
  <case>/means, stds     float32 (T, I, H * act): mu and sigma after each iteration's update
"""

import os
import sys

import h5py
import numpy as np

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "Tests", "MBRLTests", "Fixtures", "icem_reference.h5")


def colored_noise_basis(horizon, beta):
    """The (H, H) matrix mapping one sequence's H normals to its H colored steps (float64)."""
    t = np.arange(horizon)

    def amplitude(k):
        return (max(k, 1) / horizon) ** (-beta / 2)

    rows = [np.full(horizon, amplitude(0))]
    for k in range(1, (horizon + 1) // 2):
        s = np.sqrt(2) * amplitude(k)
        angle = 2 * np.pi * ((k * t) % horizon) / horizon
        rows += [s * np.cos(angle), s * np.sin(angle)]
    if horizon % 2 == 0:
        rows.append(amplitude(horizon // 2) * (-1.0) ** t)
    basis = np.array(rows)
    return basis / np.sqrt((basis ** 2).sum(axis=0)[0])


def colored_by_irfft(z, horizon, beta):
    """The same sequence as `z @ basis`, through numpy's inverse real FFT: an independent check."""
    f = np.maximum(np.arange(horizon // 2 + 1), 1) / horizon
    s = f ** (-beta / 2)
    spectrum = np.zeros(horizon // 2 + 1, dtype=complex)
    spectrum[0] = s[0] * z[0]
    for k in range(1, (horizon + 1) // 2):
        # x_t = sqrt(2) s (c cos + d sin) = Re(X_k e^{i w t}) * 2 / H with X_k = H s (c - i d) / sqrt(2).
        spectrum[k] = horizon * s[k] * (z[2 * k - 1] - 1j * z[2 * k]) / np.sqrt(2)
    if horizon % 2 == 0:
        spectrum[-1] = horizon * s[-1] * z[-1]
    spectrum[0] *= horizon
    power = s[0] ** 2 + 2 * (s[1:(horizon + 1) // 2] ** 2).sum() + (s[-1] ** 2 if horizon % 2 == 0 else 0)
    return np.fft.irfft(spectrum, n=horizon) / np.sqrt(power)


class Normals:
    def __init__(self, values):
        self.values = values.astype(np.float64)
        self.used = 0

    def take(self, count):
        out = self.values[self.used:self.used + count]
        assert len(out) == count, "not enough normals in the fixture"
        self.used += count
        return out


def targets(t, horizon, act):
    steps = t + np.arange(horizon)[:, None]
    return 0.9 * np.sin(0.7 * steps + np.arange(act)[None, :])


def returns_of(sequences, t):
    """Returns of (P, H, act) sequences from time t: the sum over steps of -|a - target|^2."""
    p, horizon, act = sequences.shape
    return -((sequences - targets(t, horizon, act)[None]) ** 2).sum(axis=(1, 2))


class ICEM:
    """iCEM as in the paper's Algorithm 1 and its published controller: a diagonal Gaussian over
    (H, act) sequences, colored-noise samples clipped to the bounds, population decay, elites kept
    between iterations (with their returns) and, shifted with a freshly sampled last step, between
    control steps, the mean as a sample in the last iteration, the best sequence's first action."""

    def __init__(self, horizon, candidates, elites, iterations, alpha, beta, decay, keep, initial_std, low, high):
        self.h, self.n, self.k, self.iterations = horizon, candidates, elites, iterations
        self.alpha, self.low, self.high = alpha, low.astype(np.float64), high.astype(np.float64)
        self.act = len(low)
        self.basis = colored_noise_basis(horizon, beta)
        self.kept = min(elites, int(np.floor(elites * keep + 1e-4)))
        self.sizes = [max(int(np.floor(candidates / decay ** i)), 2 * elites) for i in range(iterations)]
        self.sigma0 = np.tile(initial_std * (self.high - self.low) / 2, (horizon, 1))
        self.mean = np.tile((self.low + self.high) / 2, (horizon, 1))
        self.elites = None          # (K, H, act), best first
        self.elite_returns = None

    def colored(self, normals, count):
        """(count, H, act): per sequence, per component, H normals through the basis."""
        z = normals.take(count * self.act * self.h).reshape(count, self.act, self.h)
        return np.einsum("cjr,rt->ctj", z, self.basis)

    def step(self, t, normals, record):
        std = self.sigma0.copy()
        best_return, best_action = -np.inf, None
        for i, size in enumerate(self.sizes):
            samples = np.clip(self.mean + std * self.colored(normals, size), self.low, self.high)
            if i == self.iterations - 1:
                samples[0] = np.clip(self.mean, self.low, self.high)
            if i == 0 and self.elites is not None and self.kept > 0:
                shifted = self.elites[:self.kept, 1:]
                last = np.clip(self.mean[-1] + std[-1] * self.colored(normals, self.kept)[:, -1], self.low, self.high)
                samples = np.concatenate([samples, np.concatenate([shifted, last[:, None]], axis=1)])
            scored = len(samples)
            returns = returns_of(samples, t)
            if i > 0 and self.kept > 0:
                samples = np.concatenate([samples, self.elites[:self.kept]])
                returns = np.concatenate([returns, self.elite_returns[:self.kept]])
            order = np.argsort(-returns, kind="stable")[:self.k]
            gap = np.sort(-returns)
            record["gaps"].append(min(gap[self.k] - gap[self.k - 1], gap[1] - gap[0]))
            self.elites, self.elite_returns = samples[order], returns[order]
            if self.elite_returns[0] > best_return:
                best_return, best_action = self.elite_returns[0], self.elites[0, 0].copy()
            self.mean = self.alpha * self.mean + (1 - self.alpha) * self.elites.mean(axis=0)
            std = self.alpha * std + (1 - self.alpha) * self.elites.std(axis=0)
            record["scored"].append(scored)
            record["elite_returns"].append(self.elite_returns.copy())
            record["means"].append(self.mean.reshape(-1).copy())
            record["stds"].append(std.reshape(-1).copy())
        self.mean = np.concatenate([self.mean[1:], self.mean[-1:]])
        return best_action


def run_case(group, horizon, candidates, elites, iterations, alpha, beta, decay, keep, initial_std, low, high, steps, seed):
    low, high = np.array(low, np.float32), np.array(high, np.float32)
    f32 = lambda x: float(np.float32(x))  # the Swift side holds the settings as Float
    planner = ICEM(horizon, candidates, elites, iterations, f32(alpha), f32(beta), f32(decay), f32(keep), f32(initial_std), low, high)
    rng = np.random.default_rng(seed)
    normals = Normals(rng.standard_normal(20000).astype(np.float32))
    act = len(low)
    # The basis against an inverse real FFT of the same coefficients.
    z = rng.standard_normal(horizon)
    assert np.allclose(z @ planner.basis, colored_by_irfft(z, horizon, f32(beta)), atol=1e-12)
    rows = {"scored": [], "elite_returns": [], "means": [], "stds": [], "gaps": []}
    actions = []
    for t in range(steps):
        actions.append(planner.step(t, normals, rows))
    # Float32 rounding must not be able to change a selection: the elite boundary and the best are
    # separated by more than it could move a return.
    assert min(rows["gaps"]) > 1e-4, f"case {group.name}: a near tie ({min(rows['gaps'])}); pick another seed"
    group["settings"] = np.array([horizon, candidates, elites, iterations, alpha, beta, decay, keep, initial_std, act, steps], np.float64)
    group["action_low"], group["action_high"] = low, high
    group["basis"] = planner.basis.astype(np.float32)
    group["normals"] = normals.values[:normals.used + 64].astype(np.float32)
    group["normals_used"] = np.int64(normals.used)
    group["observations"] = np.arange(steps, dtype=np.float32)[:, None]
    group["actions"] = np.array(actions, np.float32)
    group["scored"] = np.array(rows["scored"], np.int64).reshape(steps, iterations)
    group["elite_returns"] = np.array(rows["elite_returns"], np.float32).reshape(steps, iterations, elites)
    group["means"] = np.array(rows["means"], np.float32).reshape(steps, iterations, horizon * act)
    group["stds"] = np.array(rows["stds"], np.float32).reshape(steps, iterations, horizon * act)
    print(f"{group.name}: {normals.used} normals, scored {rows['scored']}, actions {np.array(actions).round(4).tolist()}, "
          f"smallest gap {min(rows['gaps']):.2e}")


def check_spectrum():
    """The colored noise has unit variance per step and the periodogram slope -beta."""
    rng = np.random.default_rng(0)
    horizon = 32
    for beta in [0.0, 1.0, 2.0]:
        x = rng.standard_normal((4000, horizon)) @ colored_noise_basis(horizon, beta)
        assert np.allclose(x.var(axis=0), 1, atol=0.08), x.var(axis=0)
        power = (np.abs(np.fft.rfft(x, axis=1)) ** 2).mean(axis=0)
        k = np.arange(1, horizon // 2)
        slope = np.polyfit(np.log(k), np.log(power[k]), 1)[0]
        assert abs(slope + beta) < 0.1, (beta, slope)


def main():
    check_spectrum()
    with h5py.File(FIXTURE, "w") as f:
        run_case(f.create_group("a"), horizon=6, candidates=24, elites=4, iterations=3, alpha=0.1, beta=1.5, decay=1.25, keep=0.5,
                 initial_std=0.5, low=[-1, -0.5], high=[1, 0.8], steps=4, seed=1)
        run_case(f.create_group("b"), horizon=5, candidates=10, elites=3, iterations=2, alpha=0.25, beta=3.0, decay=1.5, keep=0.7,
                 initial_std=0.8, low=[-2], high=[2], steps=3, seed=2)
    print(f"wrote {os.path.normpath(FIXTURE)} ({os.path.getsize(FIXTURE)} bytes)")


if __name__ == "__main__":
    sys.exit(main())
