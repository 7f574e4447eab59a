"""A small MLP GAN on the 8×8 digits (lab 9): images scaled to [−1, 1], tanh output."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from solutions.gan_losses import discriminator_loss, generator_loss_nonsaturating


def train_gan(X_train, device, seed, epochs=60, generator_loss=generator_loss_nonsaturating, after_epoch=None):
    """Train an MLP GAN; return the generator (in eval mode).

    X_train: (N, 64) digits in [0, 1] (tensor or array); they are scaled to [−1, 1] = 2x − 1.
    epochs: passes over X_train (graded: 60). generator_loss: the G step minimises
    ``generator_loss(D(G(z)))`` (graded: the non-saturating loss). after_epoch: None, or a function
    called at the end of every epoch as ``after_epoch(epoch, G, d_loss, g_loss)`` (epoch = 1, 2, …;
    the epoch's mean D and G minibatch losses as floats).
    Returns a module mapping z (M, latent_dim) ~ N(0, I) to images (M, 64) in [−1, 1] (tanh),
    with attribute ``latent_dim``. Adam (η = 2·10⁻³, β₁ = 0.5), minibatches of 64, fakes detached in
    the D step.
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
    n, batch_size = len(X), 64
    for epoch in range(1, epochs + 1):
        order = torch.randperm(n, device=device)
        losses = []
        for start in range(0, n, batch_size):
            real = X[order[start:start + batch_size]]
            z = torch.randn(len(real), latent, device=device)
            fake = G(z)
            loss_d = discriminator_loss(D(real), D(fake.detach()))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = generator_loss(D(fake))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            losses.append(torch.stack([loss_d.detach(), loss_g.detach()]))
        if after_epoch is not None:
            mean_d, mean_g = torch.stack(losses).mean(dim=0).tolist()
            after_epoch(epoch, G, mean_d, mean_g)
    return G.eval()
