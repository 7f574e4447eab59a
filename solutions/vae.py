"""Variational autoencoder (VAE) on 8×8 digits, PyTorch.

Shapes: a batch of N examples; latent codes, means and log-variances are (N, D) with D the latent
dimension; images are flattened to (N, 64) (any shape with the batch first works in the loss).
Every function accepts tensors on any device and works in float64 (graded) and float32 (training).

Notation: encoder q_φ(z|x) = N(μ(x), diag σ²(x)) which outputs μ and log σ² ("logvar"); prior
p(z) = N(0, I); decoder p_θ(x|z) = Π_i Bernoulli(x_i; x̂_i(z)) with x̂ = decode(z) in (0, 1);
β weighs the KL term. The negative ELBO of one image is
    −ELBO(x) = E_q[−log p_θ(x|z)] + KL(q_φ(z|x) ‖ p(z)) ≥ −log p_θ(x),
estimated with one sample z = μ + σ⊙ε, ε ~ N(0, I) (the reparameterisation trick).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["reparameterize", "kl_divergence", "vae_loss", "VAE", "train_vae"]


def reparameterize(mu, logvar, eps):
    """The reparameterisation trick: z = μ + exp(½·log σ²) ⊙ ε = μ + σ ⊙ ε.

    mu, logvar, eps: (N, D) tensors (eps ~ N(0, I) is given, so the result is deterministic).
    Returns z (N, D); gradients flow to mu and logvar (not through a sampling step).
    """
    return mu + torch.exp(0.5 * logvar) * eps


def kl_divergence(mu, logvar):
    """KL(N(μ, diag σ²) ‖ N(0, I)) in closed form, summed over the latent dimensions and averaged
    over the batch:  (1/N) Σ_n −½ Σ_d (1 + log σ²_nd − μ²_nd − σ²_nd).

    mu, logvar: (N, D) tensors. Returns a 0-dim tensor (0 at μ = 0, log σ² = 0).
    """
    per_example = -0.5 * torch.sum(1.0 + logvar - mu.pow(2) - torch.exp(logvar), dim=-1)
    return per_example.mean()


def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    """Negative ELBO per image (nats): loss = recon + β·kl.

    recon = (1/N) Σ_n Σ_i BCE(x̂_ni, x_ni) with BCE(p, t) = −[t log p + (1 − t) log(1 − p)]
            (F.binary_cross_entropy(x_hat, x, reduction="sum") / N: summed over the pixels of an
            image, averaged over the N images);
    kl    = kl_divergence(mu, logvar).

    x_hat: decoder output in [0, 1], shape (N, ...); x: targets in [0, 1], same shape;
    mu, logvar: (N, D). Returns (loss, recon, kl), three 0-dim tensors.
    """
    n = x.shape[0]
    recon = F.binary_cross_entropy(x_hat, x, reduction="sum") / n
    kl = kl_divergence(mu, logvar)
    return recon + beta * kl, recon, kl


class VAE(nn.Module):
    """MLP VAE: encoder 64 → hidden (ReLU) → μ, log σ² (D each); decoder D → hidden (ReLU) → 64 (sigmoid).

    forward(x) -> (x̂, μ, log σ²) for x (N, 64), sampling z = μ + σ⊙ε with fresh ε ~ N(0, I)
    (in training and in evaluation mode); encode(x) -> (μ, log σ²); decode(z) -> x̂ (N, 64) in (0, 1).
    """

    def __init__(self, latent_dim, n_in=64, hidden=128):
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
        z = reparameterize(mu, logvar, torch.randn_like(mu))
        return self.decode(z), mu, logvar


def train_vae(X_train, latent_dim, device, seed, beta=1.0):
    """Train a VAE with latent dimension ``latent_dim`` on ``X_train`` by minimising vae_loss.

    X_train: float32 array or tensor (N, 64) with values in [0, 1]; device: a torch.device;
    seed: seeds torch (initialisation, ε, minibatch order); beta: β of vae_loss.
    Adam (η = 2e-3), minibatches of 50, 100 epochs, float32.
    Returns the trained VAE (on ``device``, in eval mode); ``model.history`` holds the per-epoch
    means of the minibatch "loss", "recon" and "kl".
    """
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train, dtype=torch.float32).to(device)
    model = VAE(latent_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    epochs, batch = 100, 50
    history = {"loss": [], "recon": [], "kl": []}
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), device=device)
        sums = torch.zeros(3, device=device)
        for start in range(0, len(X), batch):
            xb = X[order[start:start + batch]]
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
