"""Make PyTorch reference vectors for the Swift MLP / batch-norm / Adam code.

What it writes: Tests/MBRLTests/Fixtures/torch_mlp.h5 (uncompressed HDF5, a few
tens of KB). The Swift tests read that file; they never need Python. Re-run this
script only to regenerate the fixture:

    /work/venv/bin/python scripts/make_torch_vectors.py

(from the repository root; needs `torch h5py numpy` in that venv).

The network is the teaching notebook's MLP, H = 16, float32, seed 7:

    def block(i, o, bn=True):
        layers = [nn.Linear(i, o)]
        if bn: layers.append(nn.BatchNorm1d(o))
        layers.append(nn.ReLU())
        return layers
    network = nn.Sequential(*block(4, H), *block(H, H), nn.Linear(H, 3))

It is wrapped as Model.model.network so that state_dict keys read
"model.network.0.weight", ... exactly like the notebook's checkpoints.

File layout (all float32 unless noted):
  x (10,4), target (10,3)             inputs / regression targets, N(0,1)
  initial/<key>                       state_dict before any step (batch-norm
                                      weight/bias/running stats randomised so
                                      eval mode != train mode);
                                      num_batches_tracked is an int64 scalar
  eval_output (10,3)                  network.eval()(x), initial weights
  train_output (10,3)                 network.train()(x), initial weights
  train_loss  float64 scalar          F.mse_loss(train_output, target)
  grad/<key>                          d train_loss / d parameter (parameters
                                      only, no buffers), from that forward
  after_step_1/<key>, after_step_3/<key>
                                      full state_dict after 1 and 3 Adam steps
  losses float64 (3,)                 loss of each step's forward
  nobn/initial/<key>, nobn/eval_output, nobn/grad/<key>, nobn/train_loss
                                      same for the network built with bn=False
                                      (keys model.network.0/2/4.*)

Training: torch.optim.Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-8,
weight_decay=0.001) (L2 added to the gradient, not AdamW). Each step is
zero_grad, train-mode forward on the same x, mse loss, backward, step. The
first step's forward IS the "first forward": train_output, train_loss and grad/
come from it, losses[0] == train_loss, and it is the first forward that
updates the running stats (after_step_1 has num_batches_tracked == 1). The
eval-mode forward does not touch the buffers.

The script also checks the torch numbers against an independent numpy
re-implementation (forward in both modes, running-stat update, Adam update)
before writing, and reads the file back to print a summary.
"""

import copy
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

H = 16
B = 10
SEED = 7
LR, BETAS, EPS, WD = 0.01, (0.9, 0.999), 1e-8, 0.001
STEPS = 3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "MBRLTests", "Fixtures", "torch_mlp.h5")


def block(i, o, bn=True):
    layers = [nn.Linear(i, o)]
    if bn:
        layers.append(nn.BatchNorm1d(o))
    layers.append(nn.ReLU())
    return layers


class MLP(nn.Module):
    def __init__(self, bn=True):
        super().__init__()
        self.network = nn.Sequential(*block(4, H, bn), *block(H, H, bn), nn.Linear(H, 3))

    def forward(self, x):
        return self.network(x)


class Model(nn.Module):
    """Stands in for the notebook's wrapper: its `model` attribute is the MLP."""

    def __init__(self, bn=True):
        super().__init__()
        self.model = MLP(bn)

    def forward(self, x):
        return self.model(x)


def state_np(module):
    out = {}
    for k, v in module.state_dict().items():
        a = v.detach().cpu().numpy().copy()
        if v.dtype == torch.int64:
            a = np.int64(a)  # 0-d scalar
        else:
            assert a.dtype == np.float32, (k, a.dtype)
        out[k] = a
    return out


def grads_np(module):
    return {k: p.grad.detach().cpu().numpy().copy() for k, p in module.named_parameters()}


# ---------------------------------------------------------------- numpy checks
def np_forward(sd, x, bn, train, momentum=0.1, eps=1e-5):
    """Returns (output, new running stats dict). float64 math."""
    p = "model.network."
    h = x.astype(np.float64)
    new = {}
    lin = [0, 3, 6] if bn else [0, 2, 4]
    for li, idx in enumerate(lin):
        h = h @ sd[f"{p}{idx}.weight"].astype(np.float64).T + sd[f"{p}{idx}.bias"]
        if li == 2:
            break
        if bn:
            b = f"{p}{idx + 1}."
            if train:
                mu = h.mean(0)
                var_b = h.var(0)  # biased: normalisation
                var_u = h.var(0, ddof=1)  # unbiased: running_var
                new[b + "running_mean"] = (1 - momentum) * sd[b + "running_mean"] + momentum * mu
                new[b + "running_var"] = (1 - momentum) * sd[b + "running_var"] + momentum * var_u
                new[b + "num_batches_tracked"] = sd[b + "num_batches_tracked"] + 1
            else:
                mu, var_b = sd[b + "running_mean"], sd[b + "running_var"]
            h = (h - mu) / np.sqrt(var_b + eps) * sd[b + "weight"] + sd[b + "bias"]
        h = np.maximum(h, 0)
    return h, new


def np_adam(params, grads, steps):
    """Applies Adam (L2 weight decay) `steps` times with fixed per-step grads list."""
    m = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}
    v2 = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}
    p = {k: v.astype(np.float64) for k, v in params.items()}
    b1, b2 = BETAS
    for t, g_all in enumerate(grads[:steps], start=1):
        for k in p:
            g = g_all[k] + WD * p[k]
            m[k] = b1 * m[k] + (1 - b1) * g
            v2[k] = b2 * v2[k] + (1 - b2) * g * g
            denom = np.sqrt(v2[k]) / np.sqrt(1 - b2**t) + EPS
            p[k] = p[k] - (LR / (1 - b1**t)) * m[k] / denom
    return p


def close(a, b, tol, what):
    err = float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))
    if not err <= tol:
        sys.exit(f"numpy check failed for {what}: max abs err {err}")
    return err


# ---------------------------------------------------------------- generation
def main():
    torch.manual_seed(SEED)
    torch.set_default_dtype(torch.float32)

    model = Model(bn=True)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm1d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.5, 0.5)
                mod.running_mean.normal_(0.0, 0.3)
                mod.running_var.uniform_(0.5, 2.0)
    nobn = Model(bn=False)
    x = torch.randn(B, 4)
    target = torch.randn(B, 3)

    initial = state_np(model)
    expect_keys = [f"model.network.{i}.{n}" for i, n in
                   [(0, "weight"), (0, "bias"), (1, "weight"), (1, "bias"), (1, "running_mean"),
                    (1, "running_var"), (1, "num_batches_tracked"), (3, "weight"), (3, "bias"),
                    (4, "weight"), (4, "bias"), (4, "running_mean"), (4, "running_var"),
                    (4, "num_batches_tracked"), (6, "weight"), (6, "bias")]]
    assert list(initial) == expect_keys, list(initial)

    # eval mode on the initial weights (does not touch the buffers)
    model.eval()
    with torch.no_grad():
        eval_output = model(x).numpy().copy()
    assert all(np.array_equal(initial[k], v) for k, v in state_np(model).items())

    # training: step 1's forward is the "first forward"
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=BETAS, eps=EPS, weight_decay=WD)
    losses, step_grads, snapshots = [], [], {}
    train_output = train_loss = None
    for step in range(1, STEPS + 1):
        opt.zero_grad()
        out = model(x)
        loss = F.mse_loss(out, target)
        loss.backward()
        losses.append(float(loss.item()))
        step_grads.append(grads_np(model))
        if step == 1:
            train_output = out.detach().numpy().copy()
            train_loss = float(loss.item())
        opt.step()
        snapshots[step] = state_np(model)
    grad = step_grads[0]

    # no-batch-norm network
    nobn_initial = state_np(nobn)
    assert list(nobn_initial) == [f"model.network.{i}.{n}" for i in (0, 2, 4) for n in ("weight", "bias")]
    nobn.eval()
    with torch.no_grad():
        nobn_eval = nobn(x).numpy().copy()
    nobn.train()
    nobn.zero_grad()
    nobn_out = nobn(x)
    nobn_loss_t = F.mse_loss(nobn_out, target)
    nobn_loss_t.backward()
    nobn_loss = float(nobn_loss_t.item())
    nobn_grad = grads_np(nobn)
    assert np.array_equal(nobn_out.detach().numpy(), nobn_eval)

    # ---- independent numpy checks
    xn, tn = x.numpy(), target.numpy()
    errs = {}
    o, _ = np_forward(initial, xn, True, False)
    errs["eval_output"] = close(o, eval_output, 1e-5, "eval_output")
    o, new = np_forward(initial, xn, True, True)
    errs["train_output"] = close(o, train_output, 1e-5, "train_output")
    errs["train_loss"] = close(np.mean((o - tn) ** 2), train_loss, 1e-5, "train_loss")
    for k, v in new.items():
        errs[k] = close(v, snapshots[1][k], 1e-5, k)
    o, _ = np_forward(nobn_initial, xn, False, False)
    errs["nobn_eval"] = close(o, nobn_eval, 1e-5, "nobn eval_output")
    pkeys = list(grad)
    for s in (1, 3):
        p = np_adam({k: initial[k] for k in pkeys}, step_grads, s)
        for k in pkeys:
            errs[f"adam{s}:{k}"] = close(p[k], snapshots[s][k], 2e-6, f"adam step {s} {k}")
    assert snapshots[3]["model.network.1.num_batches_tracked"] == 3
    print(f"numpy cross-checks passed (max abs err {max(errs.values()):.2e})")

    # ---- write
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with h5py.File(OUT, "w") as f:
        f.attrs["torch_version"] = str(torch.__version__)
        f.attrs["description"] = (
            "PyTorch reference vectors for the MLP (Linear-BatchNorm1d-ReLU x2, Linear; H=16, "
            "in 4, out 3, float32, seed 7) and Adam(lr=0.01, betas=(0.9,0.999), eps=1e-8, "
            "weight_decay=0.001 as L2 on the gradient). Step 1's train-mode forward is the first "
            "forward (train_output, train_loss, grad/); after_step_N is the full state_dict after N "
            "steps of zero_grad/forward/mse_loss/backward/step on the same x. nobn/ is the same "
            "net without batch norm. Made by scripts/make_torch_vectors.py."
        )
        f.attrs["hidden"] = H
        f.attrs["seed"] = SEED
        f.attrs["lr"] = LR
        f.attrs["betas"] = np.array(BETAS)
        f.attrs["eps"] = EPS
        f.attrs["weight_decay"] = WD
        f.attrs["bn_eps"] = 1e-5
        f.attrs["bn_momentum"] = 0.1
        f.create_dataset("x", data=xn.astype(np.float32))
        f.create_dataset("target", data=tn.astype(np.float32))
        f.create_dataset("eval_output", data=eval_output)
        f.create_dataset("train_output", data=train_output)
        f.create_dataset("train_loss", data=np.float64(train_loss))
        f.create_dataset("losses", data=np.array(losses, dtype=np.float64))
        for name, sd in [("initial", initial), ("after_step_1", snapshots[1]),
                         ("after_step_3", snapshots[3]), ("grad", grad)]:
            g = f.create_group(name)
            for k, v in sd.items():
                g.create_dataset(k, data=v)
        n = f.create_group("nobn")
        n.create_dataset("eval_output", data=nobn_eval)
        n.create_dataset("train_loss", data=np.float64(nobn_loss))
        for name, sd in [("initial", nobn_initial), ("grad", nobn_grad)]:
            g = n.create_group(name)
            for k, v in sd.items():
                g.create_dataset(k, data=v)

    # ---- read back and summarise
    with h5py.File(OUT, "r") as f:
        print(f"{OUT}  ({os.path.getsize(OUT)} bytes)")
        for k, v in f.attrs.items():
            print(f"  @{k} = {v if k != 'description' else v[:60] + '...'}")

        def show(name, obj):
            if isinstance(obj, h5py.Dataset):
                assert obj.compression is None
                print(f"  {name:50s} {str(obj.shape):10s} {obj.dtype}")
        f.visititems(show)
        assert np.array_equal(f["grad/model.network.0.weight"][()], grad["model.network.0.weight"])
        assert f["after_step_3/model.network.4.num_batches_tracked"][()] == 3
        print(f"  train_loss={f['train_loss'][()]!r} losses={f['losses'][()].tolist()}")
        print(f"  nobn/train_loss={f['nobn/train_loss'][()]!r}")
    assert os.path.getsize(OUT) < 200_000


if __name__ == "__main__":
    main()
