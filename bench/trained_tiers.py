"""Trained-model tiers of labs 9-13 against a family of reasonable recipes: scores per recipe and seed.

    .venv/bin/python bench/trained_tiers.py [--labs lab09_gans ...] [--seeds 0 1 2 3 4] [--only NAME]

For every trained function of labs 9-13 this trains the reference (``solutions/``), each correct
variant of the catalogue (``autograder/grading/catalogue/variants/<lab>.py``: other optimisers at
tuned rates, batch sizes, epochs, sizes, written as students write them) and a few recipes that have
NOT learnt the task (too few steps, no adversarial training, no graph, the bigram counts), each on
every seed, under the grading conditions (one CPU thread, the lab's warm-up, the runner's clock), and
prints one line per recipe and seed:

* ``hidden``: the score the hidden test computes (held-out digits, held-out names, the grading graph;
  for the GANs the classifier confidence and class coverage of 1000 samples);
* ``visible``: the score of the notebook's visible check (validation digits or names, the
  notebook's own graph, samples of another z), to see whether it predicts the hidden one;
* ``wall s`` and ``cpu s``: the training's wall time (what the budget checks) and CPU time;

then, per trained function, the lowest hidden score of the correct recipes and the highest of the
not-learnt ones, and the tiers and budget of ``autograder/grading/cases/<lab>.py`` with the number of
correct runs each would fail. The tiers in the case modules were set from this table; rerun it after
changing a recipe, a tier or the data. Times are from this run only: run it on an otherwise idle
machine (the CPU time is the fairer number on a busy one).
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import importlib.util
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

LABS = ["lab09_gans", "lab10_transfer_learning", "lab11_language_model", "lab12_gnn", "lab13_adversarial"]
TRAINED = {"lab09_gans": ["train_gan", "train_dcgan"], "lab10_transfer_learning": ["finetune"],
           "lab11_language_model": ["train_mlp_lm"], "lab12_gnn": ["train_gcn"],
           "lab13_adversarial": ["train_robust_cnn"]}
VARIANTS_DIR = REPO / "autograder" / "grading" / "catalogue" / "variants"


# ------------------------------------------------------------------------------------ recipes
def namespace(lab: str) -> dict:
    """What a solution cell of ``lab`` sees: np, math, torch, nn, F and the lab's reference functions."""
    import torch

    reference = importlib.import_module(f"solutions.{lab}")
    ns = {"np": np, "math": math, "torch": torch, "nn": torch.nn, "F": torch.nn.functional}
    ns.update({k: v for k, v in vars(reference).items() if not k.startswith("_")})
    return ns


def build(lab: str, function: str, source: str):
    ns = namespace(lab)
    ns.pop(function, None)
    exec(compile(source, f"<variant {lab}.{function}>", "exec"), ns)
    return ns[function]


def catalogue_variants(lab: str) -> dict:
    path = VARIANTS_DIR / f"{lab}.py"
    spec = importlib.util.spec_from_file_location(f"_variants_{lab}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VARIANTS


def not_learnt(lab: str, function: str) -> dict:
    """Recipes that have not learnt the task: the tiers must fail them."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    ref = importlib.import_module(f"solutions.{lab}")
    if function == "train_gan":
        return {"2 epochs": lambda X, device, seed, **kw: ref.train_gan(X, device, seed, epochs=2, **kw),
                "6 epochs": lambda X, device, seed, **kw: ref.train_gan(X, device, seed, epochs=6, **kw)}
    if function == "train_dcgan":
        return {"2 epochs": lambda X, device, seed: ref.train_dcgan(X, device, seed, epochs=2),
                "4 epochs": lambda X, device, seed: ref.train_dcgan(X, device, seed, epochs=4)}
    if function == "finetune":
        def untrained_head(pretrained, X, y, device, seed):
            torch.manual_seed(seed)
            model = copy.deepcopy(pretrained).to(device)
            model[-1] = nn.Linear(model[-1].in_features, 5).to(device)
            return model.eval()

        def few_steps(pretrained, X, y, device, seed):
            torch.manual_seed(seed)
            model = copy.deepcopy(pretrained).to(device)
            model[-1] = nn.Linear(model[-1].in_features, 5).to(device)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            for _ in range(5):
                loss = F.cross_entropy(model(X), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return model.eval()
        return {"a new head, untrained": untrained_head, "5 Adam steps at 1e-3": few_steps}
    if function == "train_mlp_lm":
        from solutions.language_model import bigram_counts, build_vocab, load_names, names_split

        class Bigram(nn.Module):
            def __init__(self):
                super().__init__()
                stoi, _ = build_vocab(load_names())
                self.log_p = nn.Parameter(bigram_counts(names_split("train"), stoi).log().float(), requires_grad=False)

            def forward(self, X):
                return self.log_p[X[:, -1]]

        def one_epoch_slow(X, Y, V, block, device, seed):
            from solutions.language_model import MLPLanguageModel

            torch.manual_seed(seed)
            model = MLPLanguageModel(V, block).to(device)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            for idx in torch.randperm(len(X), device=device).split(256):
                loss = F.cross_entropy(model(X[idx]), Y[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return model.eval()
        return {"the bigram counts": lambda X, Y, V, block, device, seed: Bigram().to(device),
                "1 epoch of Adam at 1e-3": one_epoch_slow}
    if function == "train_gcn":
        def blind(A, X, labels, mask, device, seed):
            return ref.train_gcn(torch.zeros_like(A), X, labels, mask, device, seed)
        return {"no graph (A = 0)": blind}
    if function == "train_robust_cnn":
        return {"standard CNN (eps 0)": lambda X, y, eps, device, seed: ref.train_robust_cnn(X, y, 0.0, device, seed)}
    raise KeyError(function)


def under_trained(lab: str, function: str) -> dict:
    """Recipes that learnt part of the task (printed, counted neither way): what partial credit is for."""
    if function == "train_robust_cnn":
        source = catalogue_variants(lab)[function]["Adam at 1e-3, 40 epochs (a tenth of the rate needs more steps)"]
        return {"Adam at 1e-3 for only the reference's 20 epochs": build(lab, function, source.replace(
            "range(40)", "range(20)"))}
    if function == "train_gcn":
        source = catalogue_variants(lab)[function][
            "Adam at 1e-3 (a tenth of the notebook's rate) for 400 steps, weights in a ParameterList"]
        ref = importlib.import_module("solutions.gnn")
        import inspect

        three = (inspect.getsource(ref.GCN) + "\n\n" + inspect.getsource(ref.train_gcn)).replace("range(200)", "range(3)")
        return {"Adam at 1e-3 for only the reference's 200 steps": build(lab, function, source.replace(
            "range(400)", "range(200)")), "the reference for 3 steps": build(lab, function, three)}
    return {}


# ------------------------------------------------------------------------------ train and score
@contextlib.contextmanager
def clock(out: dict):
    t0, c0 = time.perf_counter(), time.process_time()
    yield
    out["wall"], out["cpu"] = time.perf_counter() - t0, time.process_time() - c0


def run(lab: str, function: str, fn, seed: int) -> dict:
    """Train ``fn`` as the hidden test does; ``{"hidden": score, "visible": score, "wall", "cpu"}``."""
    import torch

    from autograder.kernel.runners.training import digits_images, training_conditions

    device = torch.device("cpu")
    out: dict = {}
    if function in ("train_gan", "train_dcgan"):
        from autograder.grading.cases.lab09_gans import quality_of_samples
        from autograder.kernel.runners.lab09_gans import generate_samples
        from autograder.kernel.runners.training import warm_up_gan

        if function == "train_gan":
            X = torch.as_tensor(digits_images("train")[0].reshape(-1, 64))
        else:
            X = torch.as_tensor(digits_images("train")[0])
        with training_conditions(device):
            warm_up_gan(device)
            with clock(out):
                model = fn(X, device, seed)
        G = model if function == "train_gan" else model[0]
        shape = (64,) if function == "train_gan" else (1, 8, 8)
        hidden = quality_of_samples(generate_samples(G, device, shape))
        with torch.no_grad():   # the visible check's samples: another z
            z = torch.randn(1000, G.latent_dim, generator=torch.Generator().manual_seed(0))
            visible = quality_of_samples(G(z).reshape(1000, 64).float().numpy())
        out["hidden"] = (hidden["confidence"], hidden["coverage"])
        out["visible"] = (visible["confidence"], visible["coverage"])
        return out
    if function == "finetune":
        from autograder.grading.cases.lab10_transfer_learning import held_out_accuracy
        from autograder.kernel.runners.training import warm_up_cnn
        from labkit.data import digits_split, few_per_digit
        from solutions.transfer import pretrained_cnn

        X, y = (torch.as_tensor(a) for a in few_per_digit(range(5, 10), 10))
        with training_conditions(device):
            pretrained = pretrained_cnn(device)
            warm_up_cnn(device)
            with clock(out):
                model = fn(pretrained, X, y, device, seed)
        Xv, yv = digits_split("val", flatten=False)
        keep = yv >= 5
        with torch.no_grad():
            pred = model(torch.as_tensor(Xv[keep].reshape(-1, 1, 8, 8), dtype=torch.float32)).argmax(1).numpy()
        out["hidden"] = held_out_accuracy(model, device)
        out["visible"] = float((pred == yv[keep] - 5).mean())
        return out
    if function == "train_mlp_lm":
        from autograder.grading.cases.lab11_language_model import held_out_perplexity
        from autograder.kernel.runners.lab11_language_model import _tiny_lm, windows
        from autograder.kernel.runners.training import warm_up
        from solutions.language_model import build_vocab, load_names, make_context_windows, names_split, perplexity

        X, Y = windows("train")
        with training_conditions(device):
            warm_up(device, "embedding mlp", _tiny_lm)
            with clock(out):
                model = fn(X, Y, 27, 3, device, seed)
        stoi, _ = build_vocab(load_names())
        Xv, Yv = make_context_windows(names_split("val"), stoi, 3)
        with torch.no_grad():
            out["visible"] = float(perplexity(model(Xv).double(), Yv))
        out["hidden"] = held_out_perplexity(model, device)
        return out
    if function == "train_gcn":
        from autograder.grading.cases.lab12_gnn import accuracy
        from autograder.kernel.runners.lab12_gnn import _tiny_gcn, sbm_graph
        from autograder.kernel.runners.training import warm_up

        def scored(graph):
            A, X, y, mask = graph
            labels = np.where(mask, y, -1)
            args = (torch.as_tensor(A, dtype=torch.float32), torch.as_tensor(X, dtype=torch.float32),
                    torch.as_tensor(labels), torch.as_tensor(mask))
            return fn(*args, device, seed).argmax(dim=1).numpy(), y, mask

        with training_conditions(device):
            warm_up(device, "gcn", _tiny_gcn)
            with clock(out):
                predicted, _, _ = scored(sbm_graph())
            p_nb, y_nb, m_nb = scored(sbm_graph(seed=7))       # the notebook's visible-check graph
        out["hidden"] = accuracy({"predicted": predicted})
        out["visible"] = float((p_nb == y_nb)[~m_nb].mean())
        return out
    if function == "train_robust_cnn":
        from autograder.grading.cases.lab13_adversarial import robust_score
        from autograder.kernel.runners.lab13_adversarial import EPS, trained_model_report
        from autograder.kernel.runners.training import warm_up_cnn
        from solutions.adversarial import fgsm

        X, y = (torch.as_tensor(a) for a in digits_images("train"))
        with training_conditions(device):
            warm_up_cnn(device)
            with clock(out):
                model = fn(X, y, EPS, device, seed)
        scores = robust_score(trained_model_report(model, device))
        Xv, yv = (torch.as_tensor(a) for a in digits_images("val"))
        x_adv = fgsm(model, Xv, yv, EPS)
        with torch.no_grad():
            out["visible"] = float((model(x_adv).argmax(1) == yv).float().mean())
        out["hidden"] = scores.get("robust", float("nan"))
        return out
    raise KeyError(function)


def tiers_of(function: str):
    """``(tiers, higher_is_better, budget_s)`` from the lab's cases module (the GANs: confidence tier)."""
    m = {"train_gan": ("lab09_gans", "CONFIDENCE_TIER", "BUDGET_S"),
         "train_dcgan": ("lab09_gans", "DCGAN_CONFIDENCE_TIER", "DCGAN_BUDGET_S"),
         "finetune": ("lab10_transfer_learning", "TIERS", "BUDGET_S"),
         "train_mlp_lm": ("lab11_language_model", "TIERS", "BUDGET_S"),
         "train_gcn": ("lab12_gnn", "TIERS", "BUDGET_S"),
         "train_robust_cnn": ("lab13_adversarial", "TIERS", "BUDGET_S")}[function]
    cases = importlib.import_module(f"autograder.grading.cases.{m[0]}")
    tiers = getattr(cases, m[1])
    return (tiers if isinstance(tiers, list) else [tiers]), function != "train_mlp_lm", getattr(cases, m[2])


def fmt(score) -> str:
    return f"{score[0]:.3f} ({score[1]:2d} cl.)" if isinstance(score, tuple) else f"{score:.4f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labs", nargs="*", default=LABS)
    parser.add_argument("--functions", nargs="*", default=None)
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--only", default=None, help="run only recipes whose name contains this text")
    args = parser.parse_args()
    for lab in args.labs:
        for function in TRAINED[lab]:
            if args.functions and function not in args.functions:
                continue
            ref = getattr(importlib.import_module(f"solutions.{lab}"), function)
            recipes = [("reference", ref, True)]
            recipes += [(name, build(lab, function, src), True)
                        for name, src in catalogue_variants(lab).get(function, {}).items()]
            recipes += [(f"NOT LEARNT: {name}", fn, False) for name, fn in not_learnt(lab, function).items()]
            recipes += [(f"UNDER-TRAINED: {name}", fn, None) for name, fn in under_trained(lab, function).items()]
            if args.only:
                recipes = [r for r in recipes if args.only in r[0]]
            tiers, higher, budget = tiers_of(function)
            print(f"\n== {lab}.{function}   (tiers {tiers}, {'higher' if higher else 'lower'} is better, "
                  f"budget {budget} s)")
            print(f"{'recipe':70s} {'seed':>4s} {'hidden':>15s} {'visible':>15s} {'wall s':>7s} {'cpu s':>7s}")
            good, bad, slow = [], [], []
            for name, fn, learnt in recipes:
                for seed in args.seeds:
                    out = run(lab, function, fn, seed)
                    print(f"{name[:70]:70s} {seed:4d} {fmt(out['hidden']):>15s} {fmt(out['visible']):>15s} "
                          f"{out['wall']:7.2f} {out['cpu']:7.2f}", flush=True)
                    score = out["hidden"][0] if isinstance(out["hidden"], tuple) else out["hidden"]
                    if learnt is not None:
                        (good if learnt else bad).append((score, name, seed, out["hidden"]))
                    if learnt:
                        slow.append((out["wall"], out["cpu"]))
            pick = min if higher else max
            if good:
                worst = pick(good)
                print(f"  worst correct run: {fmt(worst[3])} ({worst[1]}, seed {worst[2]}); slowest "
                      f"{max(w for w, _ in slow):.2f} s wall, {max(c for _, c in slow):.2f} s CPU")
            if bad:
                best = (max if higher else min)(bad)
                print(f"  best not-learnt run: {fmt(best[3])} ({best[1]}, seed {best[2]})")
            for t in tiers:
                fails = sum(1 for s, *_ in good if (s < t if higher else s > t))
                passes = sum(1 for s, *_ in bad if (s >= t if higher else s <= t))
                print(f"  tier {t}: fails {fails} of {len(good)} correct runs, passes {passes} of {len(bad)} "
                      "not-learnt runs")
            if function in ("train_gan", "train_dcgan"):
                cov = getattr(importlib.import_module("autograder.grading.cases.lab09_gans"),
                              "COVERAGE_TIER" if function == "train_gan" else "DCGAN_COVERAGE_TIER")
                fails = sum(1 for *_, h in good if h[1] < cov)
                passes = sum(1 for *_, h in bad if h[1] >= cov)
                print(f"  coverage tier {cov} classes: fails {fails} of {len(good)} correct runs, passes {passes} of "
                      f"{len(bad)} not-learnt runs")
            over = sum(1 for w, _ in slow if w > budget)
            print(f"  budget {budget} s: {over} of {len(slow)} correct runs over it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
