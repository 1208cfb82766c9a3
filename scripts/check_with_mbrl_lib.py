#!/usr/bin/env python3
"""Check an ensemble model file (mbrl.ensemble/1, from `train --members`) against mbrl-lib.

mbrl-lib (https://github.com/facebookresearch/mbrl-lib) is the reference implementation of PETS.
This script builds `mbrl.models.GaussianMLP` of mbrl 0.2.0 with the file's architecture, loads the
file's root datasets with `load_state_dict(..., strict=True)` (so every name and shape must be
mbrl-lib's, and nothing may be missing or extra), and compares predictions:

  1. the state_dict loads strictly; the elites are set with `set_elite`;
  2. per member, GaussianMLP's mean and log-variance (`forward(x, use_propagation=False)`) against
     a NumPy forward written from docs/FORMATS.md (x·W + b per layer, the activation, the soft
     log-variance bounds), on the rows of a transitions file, to 1e-5;
  3. mbrl-lib's "expectation" propagation over the elites against the NumPy mean of the elites;
  4. the normalization: GaussianMLP applies none inside (mbrl-lib puts an `input_normalizer` in
     `OneDTransitionRewardModel`), so both get the inputs normalized with the file's stats/
     ((s - state_mean)/state_std, (a - action_mean)/action_std); an `mbrl.util.math.Normalizer`
     loaded with those statistics must normalize the raw rows the same way. The targets are the
     project's normalized state change (delta_state_mean/std), which OneDTransitionRewardModel does
     not model, so predictions are compared at GaussianMLP's level and turned into next observations
     with the file's statistics here.

With --vectors OUT.h5 it writes what mbrl-lib computed (raw rows, normalized inputs, per-member means
and log-variances, the expectation, next-observation means and variances), so the Swift tests
(Tests/MBRLTests/MbrlLibTests.swift) check the same file without Python.

Usage (in a virtual environment; `pip install --no-deps mbrl==0.2.0` plus torch, hydra-core,
omegaconf, termcolor, tqdm, h5py, numpy, and gymnasium, which `mbrl.models` imports):

    python scripts/check_with_mbrl_lib.py MODEL.h5 TRANSITIONS.h5 [--rows N] [--vectors OUT.h5]

One line per check (PASS / FAIL); exit status 1 if any failed, 2 on a usage error.
"""
import argparse
import sys

import h5py
import numpy as np
import torch

from mbrl.models import GaussianMLP
from mbrl.util.math import Normalizer

failures = 0


def check(name, ok, detail=""):
    global failures
    print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail else ""))
    if not ok:
        failures += 1


def numpy_forward(weights, config, x):
    """The ensemble on normalized inputs x (N, in), every member: means and log-variances (B, N, out)."""
    depth, out = config["depth"], config["output_size"]
    a = np.broadcast_to(x, (config["members"],) + x.shape).astype(np.float64)
    for l in range(depth):
        z = a @ weights[f"hidden_layers.{l}.0.weight"] + weights[f"hidden_layers.{l}.0.bias"]
        a = np.maximum(z, 0) if config["activation"] == "relu" else z / (1 + np.exp(-z))
    head = a @ weights["mean_and_logvar.weight"] + weights["mean_and_logvar.bias"]
    if config["deterministic"]:
        return head, None
    mean, raw = head[..., :out], head[..., out:]
    softplus = lambda v: np.logaddexp(0, v)
    upper = weights["max_logvar"] - softplus(weights["max_logvar"] - raw)
    return mean, weights["min_logvar"] + softplus(upper - weights["min_logvar"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("transitions", help="rows to predict on (e.g. heldout.h5)")
    parser.add_argument("--rows", type=int, default=64)
    parser.add_argument("--vectors", help="write mbrl-lib's predictions here, for the Swift tests")
    args = parser.parse_args()

    with h5py.File(args.model, "r") as f:
        if f.attrs.get("format") != "mbrl.ensemble/1":
            print(f"error: {args.model}: format {f.attrs.get('format')!r}, expected 'mbrl.ensemble/1'", file=sys.stderr)
            return 2
        config = {k: f.attrs[k] for k in ("input_size", "output_size", "hidden", "depth", "members")}
        config = {k: int(v) for k, v in config.items()}
        config["activation"] = str(f.attrs["activation"])
        config["deterministic"] = bool(f.attrs["deterministic"])
        state = {k: torch.tensor(v[()]) for k, v in f.items() if isinstance(v, h5py.Dataset)}
        weights = {k: v.numpy().astype(np.float64) for k, v in state.items()}
        stats = {k: f["stats"][k][()].astype(np.float32) for k in f["stats"]}
        elites = [int(i) for i in f["members/elites"][()]]
    with h5py.File(args.transitions, "r") as f:
        obs = f["observations"][: args.rows].astype(np.float32)
        act = f["actions"][: args.rows].astype(np.float32)

    activation = {"relu": "torch.nn.ReLU", "silu": "torch.nn.SiLU"}[config["activation"]]
    model = GaussianMLP(config["input_size"], config["output_size"], "cpu", num_layers=config["depth"],
                        ensemble_size=config["members"], hid_size=config["hidden"], deterministic=config["deterministic"],
                        learn_logvar_bounds=True, activation_fn_cfg={"_target_": activation})
    try:
        model.load_state_dict(state, strict=True)
        check("state_dict loads into mbrl.models.GaussianMLP with strict=True",
              True, f"{len(state)} tensors, {config['members']} members, {config['activation']}")
    except RuntimeError as error:
        check("state_dict loads into mbrl.models.GaussianMLP with strict=True", False, str(error).splitlines()[0])
        return 1
    model.set_elite(elites)
    model.eval()

    # The normalization the project uses, and mbrl-lib's Normalizer with the same statistics.
    raw = np.concatenate([obs, act], axis=1)
    mean_in = np.concatenate([stats["state_mean"], stats["action_mean"]])
    std_in = np.concatenate([stats["state_std"], stats["action_std"]])
    x = ((raw - mean_in) / std_in).astype(np.float32)
    normalizer = Normalizer(config["input_size"], "cpu")
    normalizer.mean = torch.tensor(mean_in[None, :])
    normalizer.std = torch.tensor(std_in[None, :])
    normalized = normalizer.normalize(torch.tensor(raw)).numpy()
    check("mbrl-lib's Normalizer with the file's stats normalizes the rows as the project does",
          np.allclose(normalized, x, rtol=0, atol=1e-6), f"max abs diff {np.abs(normalized - x).max():.2e}")

    with torch.no_grad():
        mean, logvar = model.forward(torch.tensor(x), use_propagation=False)
    mean = mean.numpy()
    logvar = logvar.numpy() if logvar is not None else None
    expected_mean, expected_logvar = numpy_forward(weights, config, x.astype(np.float64))
    check("per-member means: GaussianMLP vs the documented forward", np.allclose(mean, expected_mean, rtol=1e-5, atol=1e-5),
          f"max abs diff {np.abs(mean - expected_mean).max():.2e}")
    if logvar is not None:
        check("per-member log-variances (soft bounds): GaussianMLP vs the documented forward",
              np.allclose(logvar, expected_logvar, rtol=1e-5, atol=1e-5), f"max abs diff {np.abs(logvar - expected_logvar).max():.2e}")

    # mbrl-lib's propagation needs a batch that is a multiple of the elite count: the expectation is
    # computed on a whole number of such batches (padded by repeating rows) and cut back.
    model.propagation_method = "expectation"
    padded = np.concatenate([x] * len(elites))
    with torch.no_grad():
        expectation, _ = model.forward(torch.tensor(padded))
    expectation = expectation[: len(x)]
    expectation = expectation.numpy()
    check("expectation propagation over the elites = mean of the elites' means",
          np.allclose(expectation, expected_mean[elites].mean(0), rtol=1e-5, atol=1e-5),
          f"elites {elites}, max abs diff {np.abs(expectation - expected_mean[elites].mean(0)).max():.2e}")

    # Next observations in observation units, per member.
    next_mean = obs[None] + stats["delta_state_std"] * mean + stats["delta_state_mean"]
    next_var = (stats["delta_state_std"] ** 2 * np.exp(logvar)) if logvar is not None else np.zeros_like(next_mean)
    if args.vectors:
        with h5py.File(args.vectors, "w") as out:
            out.attrs["model"] = str(args.model)
            out.attrs["mbrl_version"] = "0.2.0"
            out.attrs["torch_version"] = str(torch.__version__)
            out["observations"], out["actions"], out["inputs"] = obs, act, x
            out["member_mean"] = mean.astype(np.float32)
            if logvar is not None:
                out["member_logvar"] = logvar.astype(np.float32)
            out["expectation_mean"] = expectation.astype(np.float32)
            out["next_mean"] = next_mean.astype(np.float32)
            out["next_variance"] = next_var.astype(np.float32)
        print(f"wrote {args.vectors}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
