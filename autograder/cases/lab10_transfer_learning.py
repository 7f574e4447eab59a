"""Hidden cases of lab 10: freezing, counting trainable parameters, gradient reversal, DANN's domain
loss, and fine-tuning a CNN pretrained on digits 0–4 to digits 5–9 from ten labels per class.

Building blocks run on float64 tensors on the grading device. ``freeze`` is checked through what it
does to a seeded model: which parameters still require gradients, whether it returned the module, and
which parameters move when Adam (or SGD with momentum) takes one step on a loss of the whole model.
``grad_reverse`` is checked with autograd: its output, the gradient it sends back, and the gradients
of a small network it sits in.

``finetune`` gets the reference CNN pretrained on the 0–4 digits of the notebook's training split
(``solutions.transfer.pretrained_cnn``, trained once per process with seed 0, outside the clock; a
sandboxed kernel gets it as a given file, see ``Spec.given``) and
the first ten training images of each digit 5–9; it is timed with a fixed seed on the grading device
and scored on the held-out digits 5–9 that no notebook sees (labels 0–4 stand for digits 5–9): the
kernel reports its predicted classes (:func:`train_and_predict`), the grading process loads the labels
and computes the accuracy (:func:`accuracy`).

The notebook's Experiment 2 (not graded) trains DANN with the student's ``grad_reverse`` and
``dann_domain_loss``; its reference is ``solutions.transfer.dann_experiment``. Source domain: the first
500 training digits with labels; target domain: the other 500, blurred by a 3×3 mean filter and
brightened 1.4× (``blur_domain``), without labels; features ``make_cnn(10)[:-1]``, a domain classifier
64 → 32 → 1, Adam η = 0.001 (0.003 for the domain classifier), 1000 steps of 64 + 64 images, λ ramped to
0.3. Accuracy on the 397 blurred validation digits, CPU, one thread (the same seed gives both methods
the same initial weights and minibatches):
    seed           0      1      2      3      4      5      6      7      mean
    source-only    0.529  0.743  0.741  0.632  0.806  0.713  0.804  0.703  0.709
    DANN           0.655  0.869  0.783  0.746  0.849  0.801  0.841  0.811  0.794
    gain          +0.126 +0.126 +0.043 +0.113 +0.043 +0.088 +0.038 +0.108 +0.086
(clean validation accuracy: source-only 0.942–0.962, DANN 0.927–0.957). DANN wins on every seed.
The earlier recipe (mirrored digits, λ up to 1, η = 0.005, 250 steps) gained only 0.40 → 0.42 (mean of
two seeds), and so did mirrored digits with 1000 steps at η = 0.002 (0.39 → 0.42). The other shifts tried (inverted,
rotated, shifted, dilated, framed, on smooth noise backgrounds, dimmed), with λ up to 1, 0.3 or 0.1,
η 0.001–0.005, 250–1000 steps, gave no gain or one that failed on some of 5–8 seeds; so did blurred
digits with λ up to 1, or without the faster domain classifier. DANN aligns the distributions of the
features, which helps when the shift leaves the digits' shapes intact.
tests/solutions/test_transfer.py re-runs seeds 0–4 and asserts that DANN beats source-only on each.
"""
from __future__ import annotations

import numpy as np

from autograder.cases import Case, Spec, given_file, register
from autograder.torch_grading import grading_device, tensor

LAB = "lab10_transfer_learning"


# ---------------------------------------------------------------------- models for the checks
def _build(arch: str, seed: int):
    """A small float64 model on the grading device, seeded."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    if arch == "mlp":
        model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 4), nn.ReLU(), nn.Linear(4, 3))
    elif arch == "mlp_nobias":
        model = nn.Sequential(nn.Linear(6, 3, bias=False), nn.ReLU(), nn.Linear(3, 2))
    elif arch == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(6 * 2 * 2, 5))
    elif arch == "cnn_bn":  # BatchNorm: running statistics are buffers, not parameters
        model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(3 * 4 * 4, 4))
    elif arch == "shared":  # the same layer used twice: its parameters count once
        layer = nn.Linear(4, 4)
        model = nn.Sequential(layer, nn.Tanh(), layer, nn.Tanh(), nn.Linear(4, 2))
    else:
        raise ValueError(arch)
    return model.to(device=grading_device(), dtype=torch.float64)


_INPUTS = {"mlp": (8, 5), "mlp_nobias": (8, 6), "cnn": (6, 1, 8, 8), "cnn_bn": (6, 1, 8, 8), "shared": (8, 4)}


def _part(model, part):
    """``part``: "all", or a tuple of indices into the Sequential."""
    from torch import nn

    return model if part == "all" else nn.Sequential(*[model[i] for i in part]) if len(part) > 1 else model[part[0]]


def _run_freeze(fn, case, uses):
    """case.args = (arch, part, optimizer, seed). Returns whether ``fn`` returned its argument, the
    requires_grad flags of all parameters, and which parameters moved after one optimizer step."""
    import torch
    import torch.nn.functional as F

    arch, part, opt, seed = case.args
    model = _build(arch, seed)
    target = _part(model, part)
    returned = fn(target)
    flags = np.array([p.requires_grad for p in model.parameters()])
    before = [p.detach().clone() for p in model.parameters()]
    rng = np.random.default_rng(seed)
    x = tensor(rng.normal(size=_INPUTS[arch]))
    trainable = [p for p in model.parameters() if p.requires_grad]
    if trainable:
        optimizer = (torch.optim.Adam(model.parameters(), lr=0.1) if opt == "adam"
                     else torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01))
        model.train()
        loss = F.softplus(model(x)).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    moved = np.array([not torch.equal(b, p.detach()) for b, p in zip(before, model.parameters())])
    return {"returns the module": np.array(returned is target), "requires_grad": flags, "moved": moved}


def _freeze_cases(rng):
    seeds = [int(s) for s in rng.integers(0, 10_000, size=8)]
    return [
        Case("MLP, freeze the first Linear, Adam step", ("mlp", (0,), "adam", seeds[0])),
        Case("MLP, freeze the first three modules (Linear, Tanh, Linear), SGD+momentum+weight decay step",
             ("mlp", (0, 1, 2), "sgd", seeds[1])),
        Case("MLP, freeze the whole model", ("mlp", "all", "adam", seeds[2])),
        Case("MLP, freeze a parameter-free module (Tanh): nothing changes", ("mlp", (1,), "adam", seeds[3])),
        Case("Linear without bias then Linear, freeze the first", ("mlp_nobias", (0,), "sgd", seeds[4])),
        Case("CNN, freeze the convolutional features, train the head (Adam)",
             ("cnn", (0, 1, 2, 3, 4, 5, 6), "adam", seeds[5])),
        Case("CNN with BatchNorm, freeze conv + BatchNorm (SGD)", ("cnn_bn", (0, 1), "sgd", seeds[6])),
        Case("a Linear used twice, freeze it (shared parameters)", ("shared", (0,), "adam", seeds[7])),
    ]


def _run_count(fn, case, uses):
    """case.args = (arch, part to freeze or None, seed); requires_grad is set here, not by ``freeze``."""
    arch, part, seed = case.args
    model = _build(arch, seed)
    if part is not None:
        for p in _part(model, part).parameters():
            p.requires_grad_(False)
    return fn(model)


def _count_cases(rng):
    seed = int(rng.integers(0, 10_000))
    return [
        Case("MLP 5→7→4→3, all trainable", ("mlp", None, seed)),
        Case("MLP, first Linear frozen", ("mlp", (0,), seed)),
        Case("MLP, everything frozen (0)", ("mlp", "all", seed)),
        Case("Linear without bias, then Linear", ("mlp_nobias", None, seed)),
        Case("CNN, all trainable (conv weights are 4-D)", ("cnn", None, seed)),
        Case("CNN, features frozen (only the head counts)", ("cnn", (0, 1, 2, 3, 4, 5, 6), seed)),
        Case("CNN with BatchNorm (running statistics are buffers, not parameters)", ("cnn_bn", None, seed)),
        Case("a Linear used twice (its parameters count once)", ("shared", None, seed)),
    ]


# ------------------------------------------------------------------------------ grad_reverse
def _run_reverse(fn, case, uses):
    """case.args = (x, upstream gradient or None, lam, W or None). Without W: output and x.grad for
    ``out.backward(upstream)``. With W: loss = Σ tanh(grad_reverse(x, λ) Wᵀ); x.grad and W.grad."""
    import torch

    x_np, g_np, lam, w_np = case.args
    x = tensor(x_np).requires_grad_(True)
    if w_np is None:
        out = fn(x, lam)
        out.backward(tensor(g_np))
        return {"output": out.detach(), "x.grad": x.grad}
    W = tensor(w_np).requires_grad_(True)
    loss = torch.tanh(fn(x, lam) @ W.T).sum()
    loss.backward()
    return {"loss": loss.detach(), "x.grad": x.grad, "W.grad": W.grad}


def _reverse_cases(rng):
    def plain(name, shape, lam):
        return Case(name, (rng.normal(size=shape), rng.normal(size=shape), lam, None))

    return [
        plain("shape (5,), λ = 1", (5,), 1.0),
        plain("shape (4, 3), λ = 0.37", (4, 3), 0.37),
        plain("shape (2, 3, 4, 5), λ = 2.5", (2, 3, 4, 5), 2.5),
        plain("shape (3, 1), λ = 0 (blocks the gradient)", (3, 1), 0.0),
        plain("λ given as an int (2)", (6,), 2),
        plain("scalar (0-d tensor), λ = 0.8", (), 0.8),
        Case("through a layer: Σ tanh(R_λ(x) Wᵀ), x (6, 4), W (3, 4), λ = 0.37",
             (rng.normal(size=(6, 4)), None, 0.37, rng.normal(size=(3, 4)))),
        Case("through a layer: x (2, 5), W (5, 5), λ = 1.7",
             (rng.normal(size=(2, 5)), None, 1.7, rng.normal(size=(5, 5)))),
    ]


# -------------------------------------------------------------------------- dann_domain_loss
def _run_dann(fn, case, uses):
    zs, zt = case.args
    return fn(tensor(zs), tensor(zt))


def _dann_cases(rng):
    return [
        Case("8 source, 8 target logits, shape (n,)", (rng.normal(size=8), rng.normal(size=8))),
        Case("5 source, 12 target (unequal: the mean is over all 17)", (rng.normal(size=5), rng.normal(size=12))),
        Case("shape (n, 1) logits, 7 source, 3 target", (rng.normal(size=(7, 1)), rng.normal(size=(3, 1)))),
        Case("one source, one target logit", (rng.normal(size=1), rng.normal(size=1))),
        Case("large logits ±40 (use a stable BCE)", (np.array([40.0, -40.0, 35.0]), np.array([-38.0, 42.0]))),
        Case("perfect domain classifier (source ≪ 0, target ≫ 0): loss near 0",
             (-6 - rng.random(6), 6 + rng.random(4))),
        Case("all logits 0: log 2", (np.zeros(4), np.zeros(9))),
    ]


# ---------------------------------------------------------------------------------- finetune
# Tiers from the reference (solutions/transfer.py: new head, Adam η = 0.003 on the features and 0.01
# on the head, 60 full-batch steps) on the first 10 training images of each digit 5–9, starting from
# the CNN pretrained on digits 0–4 with seed 0, scored on the 195 held-out digits 5–9, CPU, one thread:
#   seed        0       1       2       3       4
#   accuracy    0.9282  0.9487  0.9333  0.9487  0.9231      median 0.9333
# Rule: tiers at 75 % and 90 % of the median, rounded down to the next 0.005: 0.700 and 0.840.
# tests/solutions/test_transfer.py re-runs these five seeds and asserts both tiers on each.
GRADING_SEED = 0
SEEDS = (0, 1, 2, 3, 4)
PER_CLASS = 10
TIERS = [0.700, 0.840]
# Budget: the reference fine-tunes in 0.12–0.18 s of CPU time here (one thread, after the warm-up);
# 1 s is about 4× the slowest run, rounded up to leave room for a slower or busy machine, while a
# recipe ten times as long as the reference does not fit.
BUDGET_S = 1.0


def _images(X):
    return X.reshape(-1, 1, 8, 8).astype(np.float32)


def held_out_5_to_9():
    """The held-out digits 5–9: images (n, 1, 8, 8) float32, labels 0–4 (NumPy)."""
    from autograder.trained_models import digits_held_out

    X, y = digits_held_out(flatten=False)
    keep = y >= 5
    return _images(X[keep]), (y[keep] - 5).astype(np.int64)


def held_out_predictions(model, device) -> np.ndarray:
    """Kernel side: the predicted classes (int64, 0–4 for digits 5–9) of ``model`` (eval mode, no
    gradients) on the held-out digits 5–9. Raises ValueError (with a message for the student) when the
    logits do not have the shape (n, 5)."""
    import torch

    X, _ = held_out_5_to_9()
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(X, device=device))
    if tuple(logits.shape) != (len(X), 5):
        raise ValueError(f"the model maps {len(X)} images to an output of shape {tuple(logits.shape)}, "
                         f"expected logits of shape ({len(X)}, 5) (digits 5–9 as classes 0–4)")
    return logits.argmax(dim=1).cpu().numpy()


def accuracy(got) -> float:
    """Grading process: accuracy of the reported ``got["predicted"]`` on the held-out digits 5–9 (labels
    loaded here)."""
    from autograder.cases.lab06_cnn import reported_labels

    _, y = held_out_5_to_9()
    return float((reported_labels(got, "predicted", len(y)) == y).mean())


def held_out_accuracy(model, device) -> float:
    """Both halves in one process: accuracy of ``model`` on the held-out digits 5–9."""
    return accuracy({"predicted": held_out_predictions(model, device)})


PRETRAINED_FILE = "lab10_pretrained_cnn.pt"


def _given_pretrained() -> dict:
    """Grading process: the reference's pretrained CNN (seed 0, CPU) as a ``torch.save`` file."""
    import io

    import torch

    from solutions.transfer import pretrained_cnn

    buffer = io.BytesIO()
    torch.save(pretrained_cnn("cpu", seed=0), buffer)
    return {PRETRAINED_FILE: buffer.getvalue()}


def pretrained(device):
    """The CNN pretrained on digits 0–4: the grader's given file in a sandboxed kernel, else the reference's."""
    import torch

    path = given_file(PRETRAINED_FILE)
    if path is None:
        from solutions.transfer import pretrained_cnn

        return pretrained_cnn(device, seed=0)
    return torch.load(path, map_location=device, weights_only=False).to(device).eval()


def train_and_predict(fn, seed=GRADING_SEED, device=None) -> dict:
    """Kernel side: fine-tune with ``fn``; ``{"predicted": held-out predictions, "seconds": training seconds}``."""
    import torch

    from autograder.trained_models import timed, training_conditions, warm_up_cnn
    from labkit.data import few_per_digit

    device = grading_device() if device is None else torch.device(device)
    with training_conditions(device):
        model_0_to_4 = pretrained(device)
        X, y = few_per_digit(range(5, 10), PER_CLASS)
        X, y = tensor(X, dtype=torch.float32, device=device), tensor(y, dtype=torch.int64, device=device)
        warm_up_cnn(device)
        model, seconds = timed(fn, model_0_to_4, X, y, device, seed)
    return {"predicted": held_out_predictions(model, device), "seconds": seconds}


def run_training(fn, seed=GRADING_SEED, device=None):
    """Both halves in one process (for the tier tests): held-out accuracy on digits 5–9 and training seconds."""
    got = train_and_predict(fn, seed, device)
    return {"score": accuracy(got), "seconds": got["seconds"]}


def _run_finetune(fn, case, uses):
    return train_and_predict(fn)


def _judge_finetune(got, expected, case):
    from autograder.cases.lab06_cnn import reported_seconds
    from autograder.trained_models import threshold_checks

    return threshold_checks(accuracy(got), reported_seconds(got), metric="accuracy on digits 5–9", tiers=TIERS,
                            budget_s=BUDGET_S)


def _finetune_cases(rng):
    return [Case(f"CNN pretrained on digits 0–4, {PER_CLASS} labels per digit 5–9, seed {GRADING_SEED}, "
                 f"scored on held-out digits 5–9", checks=len(TIERS) + 1)]


register(Spec(f"{LAB}.freeze", _freeze_cases, run=_run_freeze))
register(Spec(f"{LAB}.count_trainable", _count_cases, run=_run_count))
register(Spec(f"{LAB}.grad_reverse", _reverse_cases, run=_run_reverse))
register(Spec(f"{LAB}.dann_domain_loss", _dann_cases, run=_run_dann))
register(Spec(f"{LAB}.finetune", _finetune_cases, run=_run_finetune, judge=_judge_finetune,
              reference_needed=False, given=_given_pretrained))
