"""Hidden cases of lab 6: convolution arithmetic, convolution and max-pooling by hand, a trained CNN.

Building blocks are drawn as NumPy arrays and handed to the functions as float64 tensors on the
grading device (``autograder.torch_grading.tensor``); outputs are compared with the reference's by
the default judge. ``conv2d_naive`` and ``maxpool2d_naive`` must compute their results themselves:
while they run, ``F.conv2d`` / ``torch.conv2d`` (which ``nn.Conv2d`` calls) and ``F.max_pool2d`` /
``torch.max_pool2d`` (which ``nn.MaxPool2d`` calls) are replaced by functions that raise, also where
the student's notebook bound them to a name of its own (``from torch.nn.functional import conv2d``).

``train_cnn`` is run once on the notebook's 1000 training digits with a fixed seed on the grading
device, timed after a warm-up on one CPU thread, and scored on the 400 held-out digits that no
notebook sees; the notebook's random states and thread count are restored afterwards. The kernel
reports the predicted classes of those digits (:func:`train_and_predict`); the grading process loads
their labels and computes the accuracy (:func:`accuracy`). :func:`reported_labels` and
:func:`reported_seconds` read such untrusted reports for the other trained-model labs too.
"""
from __future__ import annotations

import contextlib

import numpy as np

from autograder.cases import Case, Spec, register
from autograder.torch_grading import grading_device, tensor

LAB = "lab06_cnn"


# ------------------------------------------------------------------------- conv_output_size
def _size_cases(rng):
    cases = [
        Case("size 32, kernel 5 (defaults: stride 1, padding 0, dilation 1)", (32, 5)),
        Case("size 8, kernel 3, padding 1 ('same' padding)", (8, 3), {"padding": 1}),
        Case("size 28, kernel 3, stride 2, padding 1", (28, 3), {"stride": 2, "padding": 1}),
        Case("size 10, kernel 3, stride 3 (the last column does not fit)", (10, 3), {"stride": 3}),
        Case("size 7, kernel 2, stride 2 (odd size, floor)", (7, 2), {"stride": 2}),
        Case("size 15, kernel 3, dilation 2", (15, 3), {"dilation": 2}),
        Case("size 20, kernel 5, stride 2, padding 2, dilation 3", (20, 5), {"stride": 2, "padding": 2, "dilation": 3}),
        Case("kernel as large as the input (one output)", (9, 9)),
        Case("size 1, kernel 1", (1, 1)),
    ]
    for k in range(3):
        kernel, stride, padding, dilation = (int(v) for v in (rng.integers(1, 8), rng.integers(1, 5),
                                                              rng.integers(0, 4), rng.integers(1, 4)))
        size = int(rng.integers(max(1, dilation * (kernel - 1) + 1 - 2 * padding), 40))
        cases.append(Case(f"random {k + 1}: size {size}, kernel {kernel}, stride {stride}, padding {padding}, "
                          f"dilation {dilation}", (size, kernel, stride, padding, dilation)))
    return cases


# ------------------------------------------------------------------------------ conv2d_naive
@contextlib.contextmanager
def _refusing(fn, targets: list, what: str):
    """Replace every ``(owner, attribute)`` in ``targets``, and any global of ``fn`` bound to one of
    the same objects, with a function raising ``RuntimeError(what)``; restore all of them on exit."""
    def refuse(*args, **kwargs):
        raise RuntimeError(what)

    originals = {id(getattr(owner, attr)) for owner, attr in targets}
    glb = getattr(fn, "__globals__", {})
    bound = [name for name, value in list(glb.items()) if id(value) in originals]
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr in targets]
    saved_globals = {name: glb[name] for name in bound}
    try:
        for owner, attr, _ in saved:
            setattr(owner, attr, refuse)
        for name in bound:
            glb[name] = refuse
        yield
    finally:
        for owner, attr, value in saved:
            setattr(owner, attr, value)
        glb.update(saved_globals)


def _conv_targets():
    import torch
    import torch.nn.functional as F

    return [(F, "conv2d"), (torch, "conv2d"), (torch, "convolution")]


def _pool_targets():
    import torch
    import torch.nn.functional as F

    return [(F, "max_pool2d"), (F, "max_pool2d_with_indices"), (torch, "max_pool2d")]


def _run_conv(fn, case, uses):
    """case.args = (x, w, b) as NumPy arrays (b may be None); kwargs stride / padding."""
    x, w, b = case.args
    args = (tensor(x), tensor(w), None if b is None else tensor(b))
    with _refusing(fn, _conv_targets(), "conv2d_naive must not call F.conv2d (or nn.Conv2d): compute it yourself"):
        return fn(*args, **dict(case.kwargs))


def _conv_case(rng, name, n, c_in, c_out, hw, khw, bias=True, **kwargs):
    x = rng.normal(size=(n, c_in, *hw))
    w = rng.normal(size=(c_out, c_in, *khw)) / np.sqrt(c_in * khw[0] * khw[1])
    b = rng.normal(size=c_out) if bias else None
    return Case(name, (x, w, b), kwargs)


def _conv_cases(rng):
    cases = [
        _conv_case(rng, "N 2, C_in 3, C_out 4, 7×9 image, kernel 3×3 (defaults: stride 1, padding 0)",
                   2, 3, 4, (7, 9), (3, 3)),
        _conv_case(rng, "one channel in and out, 6×6 image, asymmetric kernel 3×3 (no flipping)",
                   1, 1, 1, (6, 6), (3, 3)),
        _conv_case(rng, "N 3, C_in 2, C_out 5, 6×8 image, kernel 2×4 (not square), padding 1",
                   3, 2, 5, (6, 8), (2, 4), padding=1),
        _conv_case(rng, "N 2, C_in 3, C_out 2, 11×8 image, kernel 5×3, stride 2, padding 2",
                   2, 3, 2, (11, 8), (5, 3), stride=2, padding=2),
        _conv_case(rng, "N 1, C_in 2, C_out 3, 10×13 image, kernel 2×2, stride 3, padding 1 (remainder dropped)",
                   1, 2, 3, (10, 13), (2, 2), stride=3, padding=1),
        _conv_case(rng, "b = None, N 2, C_in 2, C_out 3, 8×7 image, kernel 3×5, padding 2",
                   2, 2, 3, (8, 7), (3, 5), bias=False, padding=2),
        _conv_case(rng, "1×1 kernel (mixes channels only), N 2, C_in 5, C_out 2, 4×6 image",
                   2, 5, 2, (4, 6), (1, 1)),
        _conv_case(rng, "kernel 4×5 as large as the 4×5 image (1×1 output), N 3, C_in 2, C_out 4",
                   3, 2, 4, (4, 5), (4, 5)),
        _conv_case(rng, "N 4, C_in 1, C_out 8, 8×8 digit-sized image, kernel 3×3, stride 2, padding 1",
                   4, 1, 8, (8, 8), (3, 3), stride=2, padding=1),
    ]
    for k in range(2):
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        h = int(rng.integers(max(kh - 2 * padding, 1), 12))
        w_ = int(rng.integers(max(kw - 2 * padding, 1), 12))
        n, c_in, c_out = int(rng.integers(1, 4)), int(rng.integers(1, 5)), int(rng.integers(1, 5))
        cases.append(_conv_case(rng, f"random {k + 1}: N {n}, C_in {c_in}, C_out {c_out}, {h}×{w_} image, "
                                     f"kernel {kh}×{kw}, stride {stride}, padding {padding}",
                                n, c_in, c_out, (h, w_), (kh, kw), stride=stride, padding=padding))
    return cases


# --------------------------------------------------------------------------- maxpool2d_naive
def _run_pool(fn, case, uses):
    """case.args = (x, kernel) with x a NumPy array; kwargs: stride (absent: the default)."""
    x, kernel = case.args
    with _refusing(fn, _pool_targets(), "maxpool2d_naive must not call F.max_pool2d (or nn.MaxPool2d): "
                                        "compute it yourself"):
        return fn(tensor(x), kernel, **dict(case.kwargs))


def _pool_cases(rng):
    return [
        Case("kernel 2, default stride, N 2, C 3, 6×8 image", (rng.normal(size=(2, 3, 6, 8)), 2)),
        Case("kernel 2, default stride, odd 7×9 image (last row and column dropped)",
             (rng.normal(size=(1, 2, 7, 9)), 2)),
        Case("kernel 3, stride 1 (overlapping windows), N 2, C 2, 6×7 image",
             (rng.normal(size=(2, 2, 6, 7)), 3), {"stride": 1}),
        Case("kernel 3, stride 2, N 1, C 4, 9×8 image", (rng.normal(size=(1, 4, 9, 8)), 3), {"stride": 2}),
        Case("kernel 2, stride 3 (gaps between windows), 10×11 image", (rng.normal(size=(2, 1, 10, 11)), 2),
             {"stride": 3}),
        Case("all values negative, kernel 2, 4×6 image", (-np.abs(rng.normal(size=(2, 2, 4, 6))) - 0.1, 2)),
        Case("kernel as large as the 5×5 image (global max)", (rng.normal(size=(3, 2, 5, 5)), 5)),
        Case("kernel 1, stride 1 (identity)", (rng.normal(size=(1, 3, 4, 5)), 1), {"stride": 1}),
        Case("small integers with ties, kernel 2, N 2, C 2, 8×8 image",
             (rng.integers(-3, 4, size=(2, 2, 8, 8)).astype(np.float64), 2)),
        Case("kernel 4, stride 2, 12×10 image, N 1, C 3", (rng.normal(size=(1, 3, 12, 10)), 4), {"stride": 2}),
    ]


# ------------------------------------------------------------------------------- train_cnn
# Tiers from the reference (solutions/cnn_models.py: Adam, η = 0.01, 20 epochs of minibatches of 64)
# on this course's 1000 training digits, scored on the 400 held-out digits, float32, CPU, one thread:
#   seed        0       1       2       3       4
#   accuracy    0.9825  0.9700  0.9775  0.9800  0.9800      median 0.9800
# Rule: tiers at 75 % and 90 % of the median, rounded down to the next 0.005: 0.735 and 0.880.
# tests/solutions/test_convolution.py re-runs these five seeds and asserts both tiers on each.
GRADING_SEED = 0
SEEDS = (0, 1, 2, 3, 4)
TIERS = [0.735, 0.880]
# Budget: the reference trains in 0.43–0.66 s of CPU time here (one thread, after the warm-up below);
# 3 s is about 4× the slowest of those runs, rounded up: it leaves room for a slower or busy machine
# and for twice the reference's epochs, while a recipe seven or more times as long does not fit.
BUDGET_S = 3.0


def digits_images(part: str):
    """``X`` (n, 1, 8, 8) float32 and ``y`` (n,) int64 (NumPy) of "train", "val" or "held-out"."""
    from autograder.trained_models import digits_held_out
    from labkit.data import digits_split

    X, y = digits_held_out(flatten=False) if part == "held-out" else digits_split(part, flatten=False)
    return X.reshape(-1, 1, 8, 8).astype(np.float32), y.astype(np.int64)


def held_out_predictions(model, device) -> np.ndarray:
    """What a trained CNN is scored on (kernel side): its predicted classes (int64, (400,)) of the 400
    held-out digits, the argmax of its logits (in eval mode, no gradients). Raises ValueError (with a
    message for the student) when the logits do not have the shape (400, 10)."""
    import torch

    X, _ = digits_images("held-out")
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(X, device=device))
    if tuple(logits.shape) != (len(X), 10):
        raise ValueError(f"the model maps {len(X)} images to an output of shape {tuple(logits.shape)}, "
                         f"expected logits of shape ({len(X)}, 10)")
    return logits.argmax(dim=1).cpu().numpy()


def described(value) -> str:
    """How an untrusted reported value looks, for a message: "a float32 array of shape (3, 2)" or its type."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    return type(value).__name__


def reported_labels(got, key: str, n: int) -> np.ndarray:
    """``got[key]``: an integer array of shape (n,) in an untrusted report; ValueError otherwise."""
    value = got.get(key) if isinstance(got, dict) else None
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "iu" or value.shape != (n,):
        raise ValueError(f"the reported {key} should be an integer array of shape ({n},), got {described(value)}")
    return value


def reported_seconds(got) -> float:
    """The training time in an untrusted report; ValueError when it is not a number."""
    seconds = got.get("seconds") if isinstance(got, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float, np.floating, np.integer)):
        raise ValueError(f"the report has no training time (got {type(seconds).__name__})")
    return float(seconds)


def accuracy(got) -> float:
    """Grading process: the held-out accuracy of the reported ``got["predicted"]`` (labels loaded here)."""
    _, y = digits_images("held-out")
    return float((reported_labels(got, "predicted", len(y)) == y).mean())


def held_out_accuracy(model, device) -> float:
    """Both halves in one process: accuracy of ``model`` on the 400 held-out digits."""
    return accuracy({"predicted": held_out_predictions(model, device)})


def train_and_predict(fn, seed=GRADING_SEED, device=None) -> dict:
    """Kernel side: train with ``fn`` on the notebook's training digits; ``{"predicted": held-out
    predictions, "seconds": training seconds}``."""
    import torch

    from autograder.trained_models import timed, training_conditions, warm_up_cnn

    device = grading_device() if device is None else torch.device(device)
    X, y = digits_images("train")
    X, y = tensor(X, dtype=torch.float32, device=device), tensor(y, dtype=torch.int64, device=device)
    with training_conditions(device):
        warm_up_cnn(device)
        model, seconds = timed(fn, X, y, device, seed)
    return {"predicted": held_out_predictions(model, device), "seconds": seconds}


def run_training(fn, seed=GRADING_SEED, device=None):
    """Both halves in one process: held-out accuracy and training seconds of ``fn`` (for the tier tests)."""
    got = train_and_predict(fn, seed, device)
    return {"score": accuracy(got), "seconds": got["seconds"]}


def _run_train(fn, case, uses):
    return train_and_predict(fn)


def _judge_train(got, expected, case):
    from autograder.trained_models import threshold_checks

    return threshold_checks(accuracy(got), reported_seconds(got), metric="accuracy", tiers=TIERS, budget_s=BUDGET_S)


def _train_cases(rng):
    return [Case(f"1000 training digits, seed {GRADING_SEED}, scored on 400 held-out digits",
                 checks=len(TIERS) + 1)]


register(Spec(f"{LAB}.conv_output_size", _size_cases))
register(Spec(f"{LAB}.conv2d_naive", _conv_cases, run=_run_conv))
register(Spec(f"{LAB}.maxpool2d_naive", _pool_cases, run=_run_pool))
register(Spec(f"{LAB}.train_cnn", _train_cases, run=_run_train, judge=_judge_train, reference_needed=False))
