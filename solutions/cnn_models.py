"""A small convolutional network for the 8×8 digits and its training function (PyTorch).

Images are ``(N, 1, 8, 8)`` float32 with pixel values in [0, 1]; labels are int64 classes 0–9.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["digits_cnn", "train_cnn", "EPOCHS", "BATCH_SIZE", "LR"]

#: The training recipe of :func:`train_cnn`: Adam, η = 0.01, 20 epochs of minibatches of 64
#: (16 steps per epoch over the 1000 training digits, 320 steps in all).
EPOCHS, BATCH_SIZE, LR = 20, 64, 1e-2


def digits_cnn(channels=(8, 16)):
    """conv 3×3 (1 → c1, padding 1) → ReLU → max-pool 2 → conv 3×3 (c1 → c2, padding 1) → ReLU →
    max-pool 2 → flatten → linear (c2·2·2 → 10).

    Maps (N, 1, 8, 8) to logits (N, 10); the spatial size goes 8 → 8 → 4 → 4 → 2.
    With the default channels (8, 16): 80 + 1 168 + 650 = 1 898 parameters.
    """
    c1, c2 = channels
    return nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * 2 * 2, 10),
    )


def train_cnn(X_train, y_train, device, seed):
    """Train :func:`digits_cnn` on the digits by minimising the mean cross-entropy with Adam.

    X_train: (N, 1, 8, 8) float32 images (tensor or array, any device); y_train: (N,) int64 labels;
    device: where to train; seed: seeds torch (initial weights and the minibatch order).
    Each of ``EPOCHS`` epochs draws a random order of the N images and takes one Adam step
    (η = ``LR``) on every consecutive slice of ``BATCH_SIZE`` images (the last may be smaller).
    Returns the trained model on ``device``, in eval mode, mapping (N, 1, 8, 8) to logits (N, 10).
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
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
