"""Lab 11 (a character-level language model of names), kernel side: how the graded functions are run.

``decode`` gets its ids as a list or, when the case says so, as a 1-D int64 tensor on the grading
device; ``perplexity`` gets float64 logits and int64 targets on the grading device. ``sample`` runs
with a small fixed-weight model built here from the case's data (sizes, a weight scale and a NumPy
seed: :func:`fixed_model`) and a ``torch.Generator`` on the grading device seeded from the case, the
same for the student and the reference.

``train_mlp_lm`` trains once on the context windows (block size :data:`BLOCK_SIZE`) of the
notebook's training names with seed :data:`GRADING_SEED` on the grading device, timed after a
warm-up on one CPU thread (:func:`train_and_predict`); the kernel reports the model's logits on the
held-out contexts. The windows come from the grader's given file :data:`WINDOWS_FILE` (the held-out
*targets* are not in it: the grading process scores the logits); under plain nbgrader, where no file
is given, they are built by the reference package.
"""
from __future__ import annotations

import numpy as np

from autograder.kernel.runners import Runner, given_bytes
from autograder.kernel.runners.training import timed, training_conditions, warm_up
from autograder.kernel.torch_grading import grading_device, tensor

#: The grading run of ``train_mlp_lm``: context size and seed (the tiers were set for these).
BLOCK_SIZE = 3
GRADING_SEED = 0
#: The given file holding the training windows and the held-out contexts (no held-out targets).
WINDOWS_FILE = "lab11_windows.npz"
#: The characters of the course's vocabularies after the boundary token ".".
LETTERS = "abcdefghijklmnopqrstuvwxyz"


# ------------------------------------------------------------------------------------- decode
def _run_decode(fn, case, uses):
    """case.args = (ids, itos, as_tensor): the ids as a list, or as an int64 tensor when as_tensor."""
    import torch

    ids, itos, as_tensor = case.args
    if as_tensor:
        ids = torch.tensor([int(i) for i in ids], dtype=torch.int64, device=grading_device())
    else:
        ids = [int(i) for i in ids]
    return fn(ids, list(itos))


# --------------------------------------------------------------------------------- perplexity
def _run_ppl(fn, case, uses):
    """case.args = (logits, targets) as arrays: float64 and int64 tensors on the grading device."""
    import torch

    logits, targets = case.args
    return fn(tensor(logits), tensor(targets, dtype=torch.int64), **dict(case.kwargs))


# ------------------------------------------------------------------------------------- sample
def fixed_model(vocab_size, block_size, scale, seed, device):
    """A tiny MLP language model with weights from a NumPy generator seeded with ``seed`` (float64,
    eval mode): embedding 4, tanh hidden 16, the boundary token's bias raised by 2."""
    import torch
    from torch import nn

    rng = np.random.default_rng(int(seed))
    model = nn.Sequential(nn.Embedding(vocab_size, 4), nn.Flatten(), nn.Linear(4 * block_size, 16), nn.Tanh(),
                          nn.Linear(16, vocab_size)).to(device=device, dtype=torch.float64)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.as_tensor(rng.normal(size=tuple(p.shape)) * scale, dtype=torch.float64))
        model[-1].bias[0] += 2.0   # "." more likely: names of a few letters, some cut at max_len
    return model.eval()


def _run_sample(fn, case, uses):
    """case.args = (vocab size, block size, weight scale, model seed, generator seed, names to draw)."""
    import torch

    vocab_size, block_size, scale, model_seed, gen_seed, n = case.args
    vocab_size, block_size, scale, n = int(vocab_size), int(block_size), float(scale), int(n)
    device = grading_device()
    model = fixed_model(vocab_size, block_size, scale, model_seed, device)
    itos = (["."] + list(LETTERS))[:vocab_size]
    generator = torch.Generator(device=device).manual_seed(int(gen_seed))
    return [fn(model, list(itos), block_size, generator=generator, **dict(case.kwargs)) for _ in range(n)]


# ------------------------------------------------------------------------------- train_mlp_lm
def windows(part: str):
    """``X`` int64 (M, 3), ``Y`` int64 (M,) (torch, CPU) of "train" or "held-out", with the vocabulary
    of the whole corpus (". a … z"), from the grader's given file :data:`WINDOWS_FILE` (held-out: ``Y``
    is ``None``, the targets stay with the grader)."""
    import io

    import torch

    key = part.replace("-", "_")
    with np.load(io.BytesIO(given_bytes(WINDOWS_FILE)), allow_pickle=False) as data:
        X = torch.as_tensor(data[f"{key}_X"])
        Y = torch.as_tensor(data[f"{key}_Y"]) if f"{key}_Y" in data else None
    return X, Y


def held_out_logits(model, device) -> np.ndarray:
    """The logits (M, 27) of ``model`` (eval mode, no gradients) on the held-out windows, float64 if
    the model computes in float64, else float32. Raises ValueError (with a message for the student)
    when they do not have the shape (M, 27)."""
    import torch

    X, _ = windows("held-out")
    model.eval()
    with torch.no_grad():
        logits = model(X.to(device))
    if tuple(logits.shape) != (len(X), 27):
        raise ValueError(f"the model maps {len(X)} contexts to an output of shape {tuple(logits.shape)}, "
                         f"expected logits of shape ({len(X)}, 27)")
    logits = logits.detach().cpu()
    return logits.numpy() if logits.dtype == torch.float64 else logits.float().numpy()


def _tiny_lm(device):
    """A tiny embedding MLP on a batch of 4 windows of 3 characters (for :func:`warm_up`)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    model = nn.Sequential(nn.Embedding(27, 2), nn.Flatten(), nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 27)).to(device)
    x = torch.zeros(4, 3, dtype=torch.int64, device=device)
    y = torch.zeros(4, dtype=torch.int64, device=device)
    return model.parameters(), lambda: F.cross_entropy(model(x), y)


def train_and_predict(fn, seed=GRADING_SEED, device=None) -> dict:
    """Train with ``fn`` on the notebook's training windows; ``{"logits": held-out logits,
    "seconds": training seconds}``."""
    import torch

    device = grading_device() if device is None else torch.device(device)
    X, Y = windows("train")
    X, Y = X.to(device), Y.to(device)
    with training_conditions(device):
        warm_up(device, "embedding mlp", _tiny_lm)
        model, seconds = timed(fn, X, Y, 27, BLOCK_SIZE, device, seed)
    return {"logits": held_out_logits(model, device), "seconds": seconds}


def _run_train(fn, case, uses):
    return train_and_predict(fn)


RUNNERS = {
    "decode": Runner(run=_run_decode),
    "perplexity": Runner(run=_run_ppl),
    "sample": Runner(run=_run_sample),
    "train_mlp_lm": Runner(run=_run_train),
}
