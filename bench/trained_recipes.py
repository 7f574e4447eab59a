"""Trained-model tiers against a family of reasonable training recipes (labs 5-8), in one run.

    .venv/bin/python bench/trained_recipes.py [LAB ...] [--seeds 0 1 2] [--only NAME ...] [--device cpu] [--catalogue]

For the trained function of each lab (``train_autoencoder``, ``train_cnn``, ``train_forecaster``,
``train_vae``) this trains

* the reference recipe (the notebook's "recipe that works"),
* sensible variations that the notebook leaves free: other optimisers at tuned rates (Adam 1e-3 /
  3e-3, SGD with momentum), other batch sizes, more or fewer epochs within the time budget, a
  wider network, the loss written another way,
* undertrained recipes (far too small a rate, far too few steps), which must fail the upper tier,
* with ``--catalogue``, the catalogue's correct variants of the trained function (which must pass),

each over several seeds, exactly as the hidden test does: the lab's kernel-side runner (the
notebook's training split, one CPU thread, timed after the warm-up) and the lab's judge on the
held-out data. It also prints the score that the notebook's visible check computes on the
validation split, so that the visible check's bound can be set from the same runs.

Output: one line per recipe and seed (held-out score, validation score, seconds, which checks pass),
then per group the worst held-out score, the largest held-out/validation ratio and the slowest run.
The numbers are this machine's, from this run only; training on a busy machine is slower, the
scores are not (one thread, seeded). Record them in the lab's cases module when you change tiers.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

# ------------------------------------------------------------------------------------ recipes
# Each lab: a solution-cell template written the way a student writes it, and recipes that fill it.
_AE = '''
def train_autoencoder(X_train, latent_dim, device, seed, kind="mse", noise_std=0.0):
    torch.manual_seed(seed)
    X = X_train.to(device)
    model = Autoencoder(X.shape[1], {hidden}, latent_dim).to(device)
    optimizer = {optimizer}
    order = torch.Generator().manual_seed(seed)
    for epoch in range({epochs}):
        perm = torch.randperm(len(X), generator=order).to(device)
        for start in range(0, len(X), {batch}):
            xb = X[perm[start:start + {batch}]]
            loss = {loss}
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
'''

_CNN = '''
def train_cnn(X_train, y_train, device, seed):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32)
    y = torch.as_tensor(y_train).to(device=device, dtype=torch.int64)
    c1, c2 = {channels}
    model = nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * 2 * 2, 10),
    ).to(device)
    optimizer = {optimizer}
    n = len(X)
    for epoch in range({epochs}):
        order = torch.randperm(n, device=device)
        for start in range(0, n, {batch}):
            idx = order[start:start + {batch}]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
'''

_FORECASTER = '''
def train_forecaster(series_train, window, device, seed):
    torch.manual_seed(seed)
    series_train = series_train.to(device=device, dtype=torch.float32)
    contexts, targets = make_windows(series_train, window)
    scale = torch.diff(series_train).std()
    lstm = nn.LSTM(1, {hidden}).to(device)
    head = nn.Linear({hidden}, 1).to(device)

    def forward(context):
        changes = torch.diff(context, dim=1) / scale
        hs, _ = lstm(changes.T.unsqueeze(-1))
        return context[:, -1] + scale * head(hs[-1]).squeeze(-1)

    parameters = [*lstm.parameters(), *head.parameters()]
    optimizer = {optimizer}
    batch = {batch} or len(contexts)
    for step in range({steps}):
        idx = torch.randperm(len(contexts), device=device)[:batch] if batch < len(contexts) else slice(None)
        optimizer.zero_grad()
        loss = F.mse_loss(forward(contexts[idx]), targets[idx])
        loss.backward()
        optimizer.step()

    def predict(context):
        with torch.no_grad():
            return forward(context.to(device=device, dtype=torch.float32))

    return predict
'''

_VAE = '''
class VAE(nn.Module):
    def __init__(self, latent_dim, n_in=64, hidden={hidden}):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, n_in), nn.Sigmoid())

    def encode(self, x):
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z), mu, logvar


def train_vae(X_train, latent_dim, device, seed, beta=1.0):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train, dtype=torch.float32).to(device)
    model = VAE(latent_dim).to(device)
    optimizer = {optimizer}
    history = {{"loss": [], "recon": [], "kl": []}}
    model.train()
    for epoch in range({epochs}):
        order = torch.randperm(len(X), device=device)
        sums = torch.zeros(3, device=device)
        for start in range(0, len(X), {batch}):
            xb = X[order[start:start + {batch}]]
            x_hat, mu, logvar = model(xb)
            loss, recon, kl = vae_loss(x_hat, xb, mu, logvar, beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sums += torch.stack([loss, recon, kl]).detach() * len(xb)
        for key, value in zip(history, (sums / len(X)).tolist()):
            history[key].append(value)
    model.history = history
    return model.eval()
'''


def _adam(lr):
    return f"torch.optim.Adam(model.parameters(), lr={lr})"


def _sgd(lr, momentum=0.9):
    return f"torch.optim.SGD(model.parameters(), lr={lr}, momentum={momentum})"


LABS = {
    "lab05_autoencoders": {
        "function": "train_autoencoder", "template": _AE,
        "defaults": {"hidden": 128, "optimizer": _adam("1e-2"), "epochs": 60, "batch": 64,
                     "loss": 'reconstruction_loss(model(xb), xb, "mse")'},
        "recipes": {
            "reference: Adam 1e-2, batch 64, 60 epochs": ("reference", {}),
            "Adam 3e-3": ("sensible", {"optimizer": _adam("3e-3")}),
            "Adam 1e-3": ("sensible", {"optimizer": _adam("1e-3")}),
            "Adam 1e-3, 120 epochs": ("sensible", {"optimizer": _adam("1e-3"), "epochs": 120}),
            "SGD momentum 0.9, 0.01": ("sensible", {"optimizer": _sgd("0.01")}),
            "SGD momentum 0.9, 0.01, 120 epochs": ("sensible", {"optimizer": _sgd("0.01"), "epochs": 120}),
            "batch 32": ("sensible", {"batch": 32}),
            "batch 128": ("sensible", {"batch": 128}),
            "120 epochs": ("sensible", {"epochs": 120}),
            "30 epochs": ("sensible", {"epochs": 30}),
            "AdamW 1e-2": ("sensible", {"optimizer": "torch.optim.AdamW(model.parameters(), lr=1e-2)"}),
            "RMSprop 1e-3": ("sensible", {"optimizer": "torch.optim.RMSprop(model.parameters(), lr=1e-3)"}),
            "F.mse_loss (mean over pixels) as the training loss": ("sensible", {"loss": "F.mse_loss(model(xb), xb)"}),
            "hidden 64": ("sensible", {"hidden": 64}),
            "Adam 1e-4 (far too small)": ("undertrained", {"optimizer": _adam("1e-4")}),
            "1 epoch": ("undertrained", {"epochs": 1}),
            "5 epochs": ("undertrained", {"epochs": 5}),
            "SGD 1e-3 without momentum": ("undertrained", {"optimizer": _sgd("1e-3", 0.0)}),
        },
    },
    "lab06_cnn": {
        "function": "train_cnn", "template": _CNN,
        "defaults": {"channels": (8, 16), "optimizer": _adam("0.01"), "epochs": 20, "batch": 64},
        "recipes": {
            "reference: Adam 1e-2, batch 64, 20 epochs": ("reference", {}),
            "Adam 3e-3": ("sensible", {"optimizer": _adam("3e-3")}),
            "Adam 1e-3": ("sensible", {"optimizer": _adam("1e-3")}),
            "Adam 1e-3, 40 epochs": ("sensible", {"optimizer": _adam("1e-3"), "epochs": 40}),
            "SGD momentum 0.9, 0.01": ("sensible", {"optimizer": _sgd("0.01")}),
            "SGD momentum 0.9, 0.05": ("sensible", {"optimizer": _sgd("0.05")}),
            "batch 32": ("sensible", {"batch": 32}),
            "batch 128": ("sensible", {"batch": 128}),
            "10 epochs": ("sensible", {"epochs": 10}),
            "40 epochs": ("sensible", {"epochs": 40}),
            "channels (16, 32)": ("sensible", {"channels": (16, 32)}),
            "Adam 1e-4 (far too small)": ("undertrained", {"optimizer": _adam("1e-4")}),
            "1 epoch": ("undertrained", {"epochs": 1}),
            "one full-batch step": ("undertrained", {"epochs": 1, "batch": 1000}),
        },
    },
    "lab07_lstm": {
        "function": "train_forecaster", "template": _FORECASTER,
        "defaults": {"hidden": 32, "optimizer": "torch.optim.Adam(parameters, lr=1e-2)", "steps": 200, "batch": 0},
        "recipes": {
            "reference: full-batch Adam 1e-2, 200 steps": ("reference", {}),
            "Adam 3e-3": ("sensible", {"optimizer": "torch.optim.Adam(parameters, lr=3e-3)"}),
            "Adam 3e-3, 400 steps": ("sensible", {"optimizer": "torch.optim.Adam(parameters, lr=3e-3)", "steps": 400}),
            "Adam 1e-3, 400 steps": ("sensible", {"optimizer": "torch.optim.Adam(parameters, lr=1e-3)", "steps": 400}),
            "SGD momentum 0.9, 0.01 (untuned)": ("untuned", {"optimizer": "torch.optim.SGD(parameters, lr=0.01, momentum=0.9)"}),
            "SGD momentum 0.9, 0.5 (untuned)": ("untuned", {"optimizer": "torch.optim.SGD(parameters, lr=0.5, momentum=0.9)"}),
            "SGD momentum 0.9, 2 (untuned)": ("untuned", {"optimizer": "torch.optim.SGD(parameters, lr=2.0, momentum=0.9)"}),
            "SGD momentum 0.9, 5 (tuned), 400 steps": ("sensible", {"optimizer": "torch.optim.SGD(parameters, lr=5.0, momentum=0.9)", "steps": 400}),
            "SGD momentum 0.9, 0.05 (untuned)": ("untuned", {"optimizer": "torch.optim.SGD(parameters, lr=0.05, momentum=0.9)"}),
            "minibatches of 64, 300 steps": ("sensible", {"batch": 64, "steps": 300}),
            "100 steps": ("sensible", {"steps": 100}),
            "400 steps": ("sensible", {"steps": 400}),
            "hidden 16": ("sensible", {"hidden": 16}),
            "hidden 64": ("sensible", {"hidden": 64}),
            "Adam 1e-4 (far too small)": ("undertrained", {"optimizer": "torch.optim.Adam(parameters, lr=1e-4)"}),
            "5 steps": ("undertrained", {"steps": 5}),
            "20 steps": ("undertrained", {"steps": 20}),
        },
    },
    "lab08_vae": {
        "function": "train_vae", "template": _VAE,
        "defaults": {"hidden": 128, "optimizer": _adam("2e-3"), "epochs": 100, "batch": 50},
        "recipes": {
            "reference: Adam 2e-3, batch 50, 100 epochs": ("reference", {}),
            "Adam 1e-3": ("sensible", {"optimizer": _adam("1e-3")}),
            "Adam 3e-3": ("sensible", {"optimizer": _adam("3e-3")}),
            "Adam 1e-2": ("sensible", {"optimizer": _adam("1e-2")}),
            "SGD momentum 0.9, 0.01": ("sensible", {"optimizer": _sgd("0.01")}),
            "SGD momentum 0.9, 3e-3": ("sensible", {"optimizer": _sgd("3e-3")}),
            "batch 32": ("sensible", {"batch": 32}),
            "batch 128": ("sensible", {"batch": 128}),
            "50 epochs": ("sensible", {"epochs": 50}),
            "150 epochs": ("sensible", {"epochs": 150}),
            "hidden 256": ("sensible", {"hidden": 256}),
            "Adam 1e-5 (far too small)": ("undertrained", {"optimizer": _adam("1e-5")}),
            "1 epoch": ("undertrained", {"epochs": 1}),
            "5 epochs": ("undertrained", {"epochs": 5}),
        },
    },
}


def recipe_source(lab: str, changes: dict) -> str:
    """The solution cell of ``lab``'s trained function with the recipe's ``changes`` filled in."""
    entry = LABS[lab]
    return entry["template"].format(**{**entry["defaults"], **changes})


def build(lab: str, source: str):
    """Execute a solution-cell source as a notebook would (np, math, torch, nn, F, the lab's given names)."""
    import importlib

    import torch

    reference = importlib.import_module(f"solutions.{lab}")
    ns = {"np": np, "math": math, "torch": torch, "nn": torch.nn, "F": torch.nn.functional}
    ns.update({k: v for k, v in vars(reference).items() if not k.startswith("_")})
    name = LABS[lab]["function"]
    ns.pop(name, None)
    exec(compile(source, f"<recipe {lab}.{name}>", "exec"), ns)
    return ns[name]


def catalogue_variants(lab: str) -> dict:
    """The catalogue's ``VARIANTS`` table of ``lab`` (``{function: {name: solution-cell source}}``)."""
    import importlib

    return importlib.import_module(f"autograder.grading.catalogue.variants.{lab}").VARIANTS


# --------------------------------------------------------------------------- scoring one run
def _validation_score(lab: str, model, device) -> float:
    """What the notebook's visible check computes on the validation split."""
    import torch

    from labkit.data import digits_split

    with torch.no_grad():
        if lab == "lab05_autoencoders":
            X = torch.tensor(digits_split("val")[0], dtype=torch.float32, device=device)
            return float(((model(X) - X) ** 2).sum(dim=1).mean())
        if lab == "lab06_cnn":
            X, y = digits_split("val", flatten=False)
            X = torch.as_tensor(X, dtype=torch.float32, device=device).reshape(-1, 1, 8, 8)
            return float((model(X).argmax(dim=1).cpu().numpy() == y).mean())
        if lab == "lab07_lstm":
            from autograder.grading.cases import lab07_lstm as cases

            scaled, _, std = cases.scaled_series()
            start, stop = cases.N_TRAIN, cases.N_TRAIN + cases.N_VAL
            ctx = np.stack([scaled[t - cases.WINDOW:t] for t in range(start, stop)])
            pred = model(torch.tensor(ctx, dtype=torch.float32, device=device)).cpu().double().numpy()
            return float(np.sqrt(np.mean((pred - scaled[start:stop]) ** 2)) * std)
        if lab == "lab08_vae":
            from solutions.vae import vae_loss

            X = torch.tensor(digits_split("val")[0], dtype=torch.float32, device=device)
            model.eval()
            torch.manual_seed(0)
            values = []
            for _ in range(5):
                x_hat, mu, logvar = model(X)
                values.append(float(vae_loss(x_hat, X, mu, logvar)[0]))
            return float(np.mean(values))
    raise KeyError(lab)


def _held_out_score(lab: str, got) -> float:
    from autograder.grading.cases import get_spec  # noqa: F401  (registers the labs)

    if lab == "lab05_autoencoders":
        from autograder.grading.cases.lab05_autoencoders import reconstruction_error

        return reconstruction_error(got)["error"]
    if lab == "lab06_cnn":
        from autograder.grading.cases.lab06_cnn import accuracy

        return accuracy(got)
    if lab == "lab07_lstm":
        from autograder.grading.cases.lab07_lstm import rmse

        return rmse(got)
    if lab == "lab08_vae":
        from autograder.grading.cases.lab08_vae import negative_elbo

        return negative_elbo(got)
    raise KeyError(lab)


_SEED_POSITION = {"lab05_autoencoders": 1, "lab06_cnn": 0, "lab07_lstm": 3, "lab08_vae": 1}


def run_recipe(lab: str, fn, seed: int, device) -> dict:
    """Train ``fn`` with ``seed`` through the hidden test's runner; held-out and validation scores, seconds, checks."""
    from autograder.grading.cases import get_spec
    from autograder.kernel.runners import Case
    from autograder.kernel.torch_grading import deterministic

    spec = get_spec(f"{lab}.{LABS[lab]['function']}")
    template = spec.cases(np.random.default_rng(0))[0]
    args = list(template.args)
    args[_SEED_POSITION[lab]] = seed
    case = Case(template.name, tuple(args), dict(template.kwargs), template.checks)
    trained, cpu = [], []

    def capture(*a, **k):
        t0 = time.process_time()
        out = fn(*a, **k)
        cpu.append(time.process_time() - t0)
        trained.append(out)
        return out

    with deterministic():
        got = spec.execute(capture, case, {})
    checks = spec.verdict(got, None, case)
    return {"held_out": _held_out_score(lab, got), "val": _validation_score(lab, trained[0], device),
            "seconds": float(got["seconds"]), "cpu": cpu[0], "checks": checks}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labs", nargs="*", default=list(LABS), help="labs to measure (default: labs 5-8)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", default=None, help="recipe names (substrings) to run")
    parser.add_argument("--device", default="cpu", help="the grading device (default cpu)")
    parser.add_argument("--catalogue", action="store_true",
                        help="also train the catalogue's correct variants of the trained function "
                             "(autograder/grading/catalogue/variants/<lab>.py), as the group 'catalogue'")
    args = parser.parse_args(argv)

    import importlib
    import os

    os.environ["DLCOURSE_DEVICE"] = args.device
    import torch

    device = torch.device(args.device)
    for lab in args.labs:
        entry = LABS[lab]
        higher = lab == "lab06_cnn"
        cases = importlib.import_module(f"autograder.grading.cases.{lab}")
        print(f"\n== {lab}.{entry['function']}: tiers {cases.TIERS}, budget {cases.BUDGET_S:g} s, "
              f"seeds {args.seeds}, device {device} ==", flush=True)
        print(f"{'recipe':52s} {'seed':>4s} {'held-out':>9s} {'val':>8s} {'ratio':>6s} {'s':>6s} {'cpu s':>6s}  checks")
        groups: dict[str, list] = {}
        sources = {name: (group, recipe_source(lab, changes)) for name, (group, changes) in entry["recipes"].items()}
        if args.catalogue:
            sources.update({f"catalogue: {name}": ("catalogue", source)
                            for name, source in catalogue_variants(lab)[entry["function"]].items()})
        for name, (group, source) in sources.items():
            if args.only and not any(o in name for o in args.only):
                continue
            fn = build(lab, source)
            for seed in args.seeds:
                t0 = time.perf_counter()
                r = run_recipe(lab, fn, seed, device)
                ratio = r["held_out"] / r["val"] if r["val"] else float("nan")
                marks = "".join("." if msg is None else "x" for _, msg in r["checks"])
                print(f"{name[:52]:52s} {seed:4d} {r['held_out']:9.4f} {r['val']:8.4f} {ratio:6.3f} "
                      f"{r['seconds']:6.2f} {r['cpu']:6.2f}  {marks}   ({time.perf_counter() - t0:.1f} s in all)", flush=True)
                groups.setdefault(group, []).append((name, seed, r))
        print(f"-- {lab} summary (held-out score; 'worst' is the lowest accuracy or the highest error) --")
        for group, runs in groups.items():
            scores = [r["held_out"] for _, _, r in runs]
            ratios = [r["held_out"] / r["val"] for _, _, r in runs if r["val"]]
            worst = min(scores) if higher else max(scores)
            best = max(scores) if higher else min(scores)
            slowest = max(r["seconds"] for _, _, r in runs)
            slowest_cpu = max(r["cpu"] for _, _, r in runs)
            print(f"{group:13s} runs {len(runs):3d}  worst {worst:.4f}  best {best:.4f}  "
                  f"median {statistics.median(scores):.4f}  held-out/val ratio {min(ratios):.3f}-{max(ratios):.3f}  "
                  f"slowest {slowest:.2f} s ({slowest_cpu:.2f} s of CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
