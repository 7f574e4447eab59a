"""Adversarial examples (FGSM, PGD) and adversarial training for the 8×8 digits (PyTorch).

Images are ``(N, 1, 8, 8)`` with pixel values in [0, 1]; labels ``y`` are int64 classes ``(N,)``;
``model`` maps images to logits ``(N, K)``. Every attack works on any device and in float32 or
float64 (the dtype and device of ``x``). Attacks take gradients with ``torch.autograd.grad`` with
respect to the input only, so the parameters' ``.grad`` are left as they were, and they never call
``model.train()`` / ``model.eval()`` (the model's mode is unchanged).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from solutions.cnn_models import digits_cnn

__all__ = ["fgsm", "pgd", "adversarial_training_loss", "train_robust_cnn", "EPOCHS", "BATCH_SIZE", "LR"]

#: The recipe of :func:`train_robust_cnn`: Adam, η = 0.01, 20 epochs of minibatches of 64.
EPOCHS, BATCH_SIZE, LR = 20, 64, 1e-2


def _input_gradient(model, x, y):
    """∇_x CE(model(x), y) (mean cross-entropy), without touching the parameters' .grad."""
    x = x.detach().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    return grad


def fgsm(model, x, y, eps):
    """Fast gradient sign method: x_adv = clamp(x + eps·sign(∇_x CE(model(x), y)), 0, 1).

    x: (N, 1, 8, 8) images in [0, 1]; y: (N,) int64 labels; eps: the L∞ budget (a float ≥ 0).
    CE is the mean cross-entropy. Returns a detached tensor shaped like x.
    """
    grad = _input_gradient(model, x, y)
    return (x.detach() + eps * grad.sign()).clamp(0.0, 1.0).detach()


def pgd(model, x, y, eps, alpha, steps, generator):
    """Projected gradient descent (ascent on the loss) in the L∞ ball of radius eps around x.

    x0 = clamp(x + (2u − 1)·eps, 0, 1), u = torch.rand(x.shape, generator=generator, ...) (one call);
    then ``steps`` times x ← clamp(clamp(x + alpha·sign(∇_x CE), x_orig − eps, x_orig + eps), 0, 1).
    x: (N, 1, 8, 8) in [0, 1]; y: (N,) int64; generator: a torch.Generator on x's device.
    Returns a detached tensor shaped like x.
    """
    x = x.detach()
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    x_adv = (x + (2 * u - 1) * eps).clamp(0.0, 1.0)
    for _ in range(steps):
        grad = _input_gradient(model, x_adv, y)
        x_adv = x_adv + alpha * grad.sign()
        x_adv = torch.minimum(torch.maximum(x_adv, x - eps), x + eps).clamp(0.0, 1.0)
    return x_adv.detach()


def adversarial_training_loss(model, x, y, eps):
    """½·CE(model(x), y) + ½·CE(model(x_adv), y), x_adv = fgsm(model, x, y, eps) (detached).

    Returns a scalar tensor with a graph through the model's parameters (for loss.backward()).
    """
    x_adv = fgsm(model, x, y, eps)
    return 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x_adv), y)


def train_robust_cnn(X_train, y_train, eps, device, seed):
    """Adversarial training of :func:`solutions.cnn_models.digits_cnn` on the digits.

    X_train: (N, 1, 8, 8) float32 images in [0, 1]; y_train: (N,) int64; eps: the FGSM budget used
    in training; device: where to train; seed: seeds torch (initial weights, minibatch order).
    Adam (η = LR) on :func:`adversarial_training_loss` for EPOCHS epochs of minibatches of
    BATCH_SIZE. Returns the model on ``device`` in eval mode, mapping (N, 1, 8, 8) to logits (N, 10).
    """
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32)
    y = torch.as_tensor(y_train).to(device=device, dtype=torch.int64)
    model = digits_cnn().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    model.train()
    n = len(X)
    for _ in range(EPOCHS):
        order = torch.randperm(n, device=device)
        for start in range(0, n, BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            loss = adversarial_training_loss(model, X[idx], y[idx], eps)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
