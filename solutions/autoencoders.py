"""Autoencoders in PyTorch: dense layers, encoder and decoder, reconstruction losses, noise, training.

PyTorch's conventions: a dense layer's weight ``W`` has shape ``(out_features, in_features)`` and the
layer is ``F.linear(x, W, b) = x Wᵀ + b``; a batch ``x`` has shape ``(N, D)`` (rows are images, an
8×8 digit flattened to ``D = 64`` pixels in [0, 1]). Every function accepts tensors on any device, in
float64 (as graded) or float32 (as trained), and returns tensors on the device and in the dtype of its
inputs.

An autoencoder is an encoder ``z = f(x)`` to a code of ``latent_dim`` numbers and a decoder
``x̂ = g(z)`` back to pixels, trained to make ``x̂`` close to ``x``. Here both are one hidden ReLU layer:

    encoder  h = relu(x W1ᵀ + b1),  z = h W2ᵀ + b2        (no activation on the code)
    decoder  h = relu(z W3ᵀ + b3),  x̂ = σ(h W4ᵀ + b4)     (σ keeps every pixel in (0, 1))
"""
from __future__ import annotations

import torch
import torch.nn as nn

__all__ = ["linear", "encode", "decode", "reconstruction_loss", "add_noise", "Autoencoder",
           "train_autoencoder"]


def linear(x, W, b):
    """A dense layer in PyTorch's convention: y = x Wᵀ + b  (= ``F.linear(x, W, b)``).

    x: (..., in_features), e.g. (N, in_features) or a single sample (in_features,)
    W: (out_features, in_features);  b: (out_features,)
    Returns y: (..., out_features).
    """
    return x @ W.T + b


def encode(x, params):
    """Encoder: h = relu(x W1ᵀ + b1), z = h W2ᵀ + b2 (the code has no activation).

    x: (N, D) images; params: a dict holding at least "W1" (H, D), "b1" (H,), "W2" (K, H), "b2" (K,).
    Returns z: (N, K), K = latent_dim.
    """
    h = torch.relu(linear(x, params["W1"], params["b1"]))
    return linear(h, params["W2"], params["b2"])


def decode(z, params):
    """Decoder: h = relu(z W3ᵀ + b3), x̂ = σ(h W4ᵀ + b4) with σ the logistic sigmoid, so x̂ ∈ (0, 1).

    z: (N, K) codes; params: a dict holding at least "W3" (H, K), "b3" (H,), "W4" (D, H), "b4" (D,).
    Returns x̂: (N, D).
    """
    h = torch.relu(linear(z, params["W3"], params["b3"]))
    return torch.sigmoid(linear(h, params["W4"], params["b4"]))


def reconstruction_loss(x_hat, x, kind="mse"):
    """Reconstruction error summed over each image's pixels and averaged over the batch.

    x_hat, x: (N, ...) of the same shape, e.g. (N, 64) or (N, 1, 8, 8); x_hat ∈ [0, 1] for "bce".
      kind="mse":  (1/N) Σ_n Σ_i (x̂_ni − x_ni)²
      kind="bce":  (1/N) Σ_n Σ_i −[x_ni log x̂_ni + (1 − x_ni) log(1 − x̂_ni)], each log clamped
                   below at −100 as PyTorch does (x̂ = 0 or 1 gives a finite loss), i.e.
                   ``F.binary_cross_entropy(x_hat, x, reduction="sum") / N``
    Raises ValueError for any other kind. Returns a 0-dimensional tensor (differentiable).
    """
    n = x.shape[0]
    if kind == "mse":
        return ((x_hat - x) ** 2).sum() / n
    if kind == "bce":
        log_p = torch.clamp(torch.log(x_hat), min=-100.0)
        log_q = torch.clamp(torch.log(1.0 - x_hat), min=-100.0)
        return -(x * log_p + (1.0 - x) * log_q).sum() / n
    raise ValueError(f"kind must be 'mse' or 'bce', got {kind!r}")


def add_noise(x, std, generator):
    """Corrupt images with Gaussian noise for a denoising autoencoder: x̃ = clamp(x + std·ε, 0, 1).

    x: tensor of any shape, pixels in [0, 1]; std: the noise's standard deviation (≥ 0);
    generator: a torch.Generator on x's device. ε ~ N(0, 1) comes from exactly one call
    ``torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)``.
    Returns a new tensor of x's shape (x itself is left unchanged).
    """
    eps = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return torch.clamp(x + std * eps, 0.0, 1.0)


class Autoencoder(nn.Module):
    """An autoencoder D → hidden → latent_dim → hidden → D: ReLU hidden layers, sigmoid output.

    encode(x): (N, D) → (N, latent_dim);  decode(z): (N, latent_dim) → (N, D) in (0, 1);
    forward(x) = decode(encode(x)).
    params(): the weights as the dict {"W1", "b1", ..., "W4", "b4"} that the functions encode(x, params)
    and decode(z, params) take (each W of shape (out_features, in_features), like nn.Linear.weight).
    """

    def __init__(self, d_in=64, hidden=128, latent_dim=8):
        super().__init__()
        self.enc1, self.enc2 = nn.Linear(d_in, hidden), nn.Linear(hidden, latent_dim)
        self.dec1, self.dec2 = nn.Linear(latent_dim, hidden), nn.Linear(hidden, d_in)

    def encode(self, x):
        return self.enc2(torch.relu(self.enc1(x)))

    def decode(self, z):
        return torch.sigmoid(self.dec2(torch.relu(self.dec1(z))))

    def forward(self, x):
        return self.decode(self.encode(x))

    def params(self):
        layers = [self.enc1, self.enc2, self.dec1, self.dec2]
        out = {}
        for i, layer in enumerate(layers, start=1):
            out[f"W{i}"], out[f"b{i}"] = layer.weight, layer.bias
        return out


#: Training recipe of the reference: Adam, η = 0.01, minibatches of 64, 60 epochs (960 steps).
EPOCHS, BATCH, LR, HIDDEN = 60, 64, 1e-2, 128


def train_autoencoder(X_train, latent_dim, device, seed, kind="mse", noise_std=0.0):
    """Train an Autoencoder (hidden 128) on X_train with the ``kind`` reconstruction loss.

    X_train: float32 tensor (N, D) in [0, 1] (moved to ``device`` if it is elsewhere);
    latent_dim: size K of the code; device: a torch.device or its name; seed: seeds the initial
    weights and the order of the minibatches.
    kind: "mse" (graded) or "bce"; noise_std > 0 makes it a denoising autoencoder: each step's inputs
    are add_noise(xb, noise_std, g) with a generator g on ``device`` seeded with ``seed``, the targets xb.
    Minibatch Adam (η = 0.01), batches of 64 in a new random order every epoch, 60 epochs.
    Returns the trained model on ``device``, in eval mode: ``encode``, ``decode``, ``forward``.
    """
    device = torch.device(device)
    X = X_train.to(device=device, dtype=torch.float32)
    torch.manual_seed(seed)
    model = Autoencoder(X.shape[1], HIDDEN, latent_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    order = torch.Generator().manual_seed(seed)  # CPU generator: the same batches on every device
    noise = torch.Generator(device=device).manual_seed(seed)
    model.train()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(X), generator=order).to(device)
        for start in range(0, len(X), BATCH):
            xb = X[perm[start:start + BATCH]]
            inputs = add_noise(xb, noise_std, noise) if noise_std > 0 else xb
            loss = reconstruction_loss(model(inputs), xb, kind)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
