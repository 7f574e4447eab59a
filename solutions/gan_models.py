"""A small MLP GAN on the 8×8 digits (lab 9): images scaled to [−1, 1], tanh output."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from solutions.gan_losses import discriminator_loss, generator_loss_nonsaturating


def train_gan(X_train, device, seed):
    """Train an MLP GAN with the non-saturating loss; return the generator (in eval mode).

    X_train: (N, 64) digits in [0, 1] (tensor or array); they are scaled to [−1, 1] = 2x − 1.
    Returns a module mapping z (M, latent_dim) ~ N(0, I) to images (M, 64) in [−1, 1] (tanh),
    with attribute ``latent_dim``. Adam (η = 2·10⁻³, β₁ = 0.5), 60 epochs of minibatches of 64,
    fakes detached in the D step.
    """
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32).reshape(-1, 64) * 2 - 1
    latent = 16
    G = nn.Sequential(nn.Linear(latent, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                      nn.Linear(128, 64), nn.Tanh()).to(device)
    D = nn.Sequential(nn.Linear(64, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                      nn.Linear(128, 1)).to(device)
    G.latent_dim = latent
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    n, batch_size, epochs = len(X), 64, 60
    for epoch in range(epochs):
        order = torch.randperm(n, device=device)
        for start in range(0, n, batch_size):
            real = X[order[start:start + batch_size]]
            z = torch.randn(len(real), latent, device=device)
            fake = G(z)
            loss_d = discriminator_loss(D(real), D(fake.detach()))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = generator_loss_nonsaturating(D(fake))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
    return G.eval()
