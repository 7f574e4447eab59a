"""Transfer learning and domain adaptation (lab 10): freezing, gradient reversal, DANN's domain loss,
fine-tuning a CNN pretrained on digits 0–4 to digits 5–9 from a few labels.

Images have PyTorch's shape (N, C, H, W); the digits are (N, 1, 8, 8) with pixels in [0, 1].
"""
from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


# ------------------------------------------------------------------------------ freezing
def freeze(module):
    """Set ``requires_grad = False`` on every parameter of ``module`` (and its children); return it.

    A frozen parameter gets no gradient (``.grad`` stays ``None``), so no optimizer moves it.
    """
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def count_trainable(module) -> int:
    """Number of scalar parameters of ``module`` with ``requires_grad``: Σ numel(p) over trainable p.

    A parameter shared by two layers counts once (``module.parameters()`` yields it once); buffers
    (BatchNorm's running statistics) are not parameters."""
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


# ---------------------------------------------------------------------- gradient reversal
class _GradReverse(torch.autograd.Function):
    """Identity forward; backward multiplies the upstream gradient by −λ (no gradient for λ)."""

    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = float(lam)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.lam * grad_output, None


def grad_reverse(x, lam=1.0):
    """Gradient reversal layer R_λ: R_λ(x) = x forward, ∂L/∂x = −λ · ∂L/∂R_λ(x) backward.

    x: a tensor of any shape and device; lam: λ ≥ 0 (a Python number). Returns a tensor like x.
    """
    return _GradReverse.apply(x, lam)


# --------------------------------------------------------------------------- DANN loss
def dann_domain_loss(domain_logits_source, domain_logits_target):
    """Domain-classification loss of DANN: binary cross-entropy with logits, source label d = 0,
    target label d = 1, averaged over all n_s + n_t samples of both domains:

        L_d = 1/(n_s + n_t) · [ Σ_source softplus(z) + Σ_target softplus(−z) ]

    (BCE(z, 0) = log(1 + e^z) = softplus(z), BCE(z, 1) = softplus(−z)).
    domain_logits_source: (n_s,) or (n_s, 1); domain_logits_target: (n_t,) or (n_t, 1). A scalar.
    """
    zs = domain_logits_source.reshape(-1)
    zt = domain_logits_target.reshape(-1)
    total = F.softplus(zs).sum() + F.softplus(-zt).sum()
    return total / (zs.numel() + zt.numel())


# ------------------------------------------------------------------------ the CNN, pretraining
def make_cnn(n_classes: int = 5) -> nn.Sequential:
    """Small CNN for (N, 1, 8, 8) digits; ``model[:-1]`` are the features (64 per image), ``model[-1]``
    the linear head."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, n_classes),
    )


def train_classifier(model, X, y, *, epochs=20, lr=0.01, batch_size=64, params=None, seed=0):
    """Minibatch Adam on cross-entropy; ``params``: the parameters to optimise (default: all trainable)."""
    g = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad] if params is None else params
    optimizer = torch.optim.Adam(params, lr=lr)
    model.train()
    n = len(X)
    for _ in range(epochs):
        order = torch.randperm(n, generator=g).to(X.device)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()


def digits_0_to_4(part: str = "train"):
    """Images (n, 1, 8, 8) float32 and labels (n,) int64 (NumPy) of digits 0–4 of ``digits_split(part)``."""
    from labkit.data import digits_split

    X, y = digits_split(part, flatten=False)
    keep = y < 5
    return X[keep].reshape(-1, 1, 8, 8).astype(np.float32), y[keep].astype(np.int64)


def few_labels_5_to_9(per_class: int, part: str = "train", offset: int = 0):
    """The first ``per_class`` images (after ``offset``) of each digit 5–9 of ``digits_split(part)``;
    labels 0–4 stand for digits 5–9. Images (5·per_class, 1, 8, 8) float32, labels int64 (NumPy)."""
    from labkit.data import few_per_digit

    return few_per_digit(range(5, 10), per_class, part, offset)


_PRETRAINED: dict = {}


def pretrained_cnn(device="cpu", seed: int = 0):
    """A CNN trained on the digits 0–4 of ``digits_split("train")`` (Adam, η = 0.01, 15 epochs), cached
    per process; returns a fresh deep copy on ``device`` each call, in eval mode."""
    if seed not in _PRETRAINED:
        threads = torch.get_num_threads()
        with torch.random.fork_rng(devices=[]):
            torch.set_num_threads(1)
            torch.manual_seed(seed)
            X, y = digits_0_to_4("train")
            model = make_cnn(5)
            train_classifier(model, torch.as_tensor(X), torch.as_tensor(y), epochs=15, lr=0.01, seed=seed)
            torch.set_num_threads(threads)
        _PRETRAINED[seed] = model.cpu().eval()
    return copy.deepcopy(_PRETRAINED[seed]).to(device)


# ----------------------------------------------------------------------------- fine-tuning
def finetune(pretrained, X_train, y_train, device, seed, *, freeze_features=False, lr_features=0.003,
             lr_head=0.01):
    """Fine-tune ``pretrained`` (a CNN whose last module is its linear head) to the classes of
    ``y_train``: copy it, replace the head by a new ``nn.Linear`` with 5 outputs, train all of it with
    Adam (η = ``lr_features`` = 0.003 for the pretrained features, ``lr_head`` = 0.01 for the new head)
    for 60 full-batch steps.

    X_train: (n, 1, 8, 8) float32; y_train: (n,) int64 in 0..4. Returns the model in eval mode,
    mapping (N, 1, 8, 8) to logits (N, 5). ``pretrained`` is left unchanged.
    Options (the graded run uses the defaults; the lab's comparison uses the others):
    ``freeze_features=True`` freezes the copied features (``freeze(model[:-1])``) so only the new head
    learns; ``lr_features`` sets their learning rate (an untrained CNN with ``lr_features=0.01`` is
    training from scratch).
    """
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32)
    y = torch.as_tensor(y_train).to(device=device, dtype=torch.int64)
    model = copy.deepcopy(pretrained).to(device)
    model[-1] = nn.Linear(model[-1].in_features, 5).to(device)
    if freeze_features:
        freeze(model[:-1])
    optimizer = torch.optim.Adam([
        {"params": model[:-1].parameters(), "lr": lr_features},
        {"params": model[-1].parameters(), "lr": lr_head},
    ])
    model.train()
    for _ in range(60):
        loss = F.cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


# ------------------------------------------------------------- DANN on blurred digits (experiment 2)
#: The recipe of the lab's DANN experiment (see :func:`dann_experiment`).
DANN_STEPS, DANN_BATCH, DANN_LR, DANN_DOMAIN_LR, DANN_LAMBDA = 1000, 64, 0.001, 0.003, 0.3


def blur_domain(X):
    """The target domain of the DANN experiment: every image blurred by a 3×3 mean filter (zero
    padding), brightened 1.4× and clipped to [0, 1] — the same digits seen by another "camera".
    X: (N, 1, 8, 8) tensor; returns a tensor like X."""
    kernel = torch.full((1, 1, 3, 3), 1 / 9, dtype=X.dtype, device=X.device)
    return (1.4 * F.conv2d(X, kernel, padding=1)).clamp(0.0, 1.0)


def dann_lambda(progress: float, lam_max: float = DANN_LAMBDA) -> float:
    """λ_p = λ_max · (2 / (1 + e^(−10p)) − 1): 0 at p = 0, close to λ_max from p ≈ 0.5 on."""
    return lam_max * (2 / (1 + np.exp(-10 * progress)) - 1)


def dann_experiment(use_dann: bool, seed: int, device="cpu", *, steps=DANN_STEPS, batch_size=DANN_BATCH):
    """Experiment 2 of lab 10: source-only training or DANN, on one seed.

    Source domain: the first half of ``digits_split("train")`` with labels; target domain: the second
    half, blurred (:func:`blur_domain`), without labels. Features ``make_cnn(10)[:-1]`` (64 per image), a
    linear classifier, a domain classifier 64 → 32 → 1 (ReLU); Adam, η = DANN_LR for the features and the
    classifier and DANN_DOMAIN_LR for the domain classifier; ``steps`` steps of ``batch_size`` source
    and ``batch_size`` target images drawn with replacement. The loss is the source cross-entropy, plus
    for DANN ``dann_domain_loss`` of the domain logits of both batches behind ``grad_reverse`` at
    λ = :func:`dann_lambda` of the progress. Both runs of a seed start from the same weights and draw the
    same minibatches. Returns ``(accuracy on the clean validation digits, accuracy on the blurred
    validation digits)``.
    """
    from labkit.data import digits_split

    device = torch.device(device)

    def images(X):
        return torch.as_tensor(X.reshape(-1, 1, 8, 8), dtype=torch.float32, device=device)

    X_train, y_train = digits_split("train", flatten=False)
    X_val, y_val = digits_split("val", flatten=False)
    half = len(X_train) // 2
    Xs, ys = images(X_train[:half]), torch.as_tensor(y_train[:half], dtype=torch.int64, device=device)
    Xt = blur_domain(images(X_train[half:]))
    Xv, yv = images(X_val), torch.as_tensor(y_val, dtype=torch.int64, device=device)

    torch.manual_seed(seed)
    features = make_cnn(10)[:-1].to(device)
    classifier = nn.Linear(64, 10).to(device)
    domain = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1)).to(device)
    optimizer = torch.optim.Adam([
        {"params": [*features.parameters(), *classifier.parameters()], "lr": DANN_LR},
        {"params": domain.parameters(), "lr": DANN_DOMAIN_LR},
    ])
    g = torch.Generator().manual_seed(seed)
    for step in range(steps):
        i = torch.randint(0, len(Xs), (batch_size,), generator=g).to(device)
        j = torch.randint(0, len(Xt), (batch_size,), generator=g).to(device)
        hs = features(Xs[i])
        loss = F.cross_entropy(classifier(hs), ys[i])
        if use_dann:
            lam = dann_lambda(step / steps)
            ht = features(Xt[j])
            loss = loss + dann_domain_loss(domain(grad_reverse(hs, lam)), domain(grad_reverse(ht, lam)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model = nn.Sequential(features, classifier).eval()
    with torch.no_grad():
        clean = (model(Xv).argmax(dim=1) == yv).float().mean().item()
        blurred = (model(blur_domain(Xv)).argmax(dim=1) == yv).float().mean().item()
    return clean, blurred
