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


# ----------------------------------------------------------------------------------- DCGAN
#: The DCGAN of :func:`train_dcgan`: latent size, channels, Adam's η and β, minibatch size, epochs.
DCGAN_LATENT, DCGAN_CHANNELS, DCGAN_LR, DCGAN_BETAS, DCGAN_BATCH, DCGAN_EPOCHS = 16, 16, 2e-3, (0.5, 0.999), 64, 30


def dcgan_generator(latent_dim=DCGAN_LATENT, channels=DCGAN_CHANNELS):
    """DCGAN generator for 8×8 images: z (M, latent_dim) → (M, 1, 8, 8) in [−1, 1].

    A linear projection of z to 2c feature maps of 2×2, then two transposed convolutions (kernel 4,
    stride 2, padding 1), each doubling the size: 2×2 → 4×4 → 8×8; batch norm and ReLU after the
    projection and the first transposed convolution, tanh at the end (no batch norm on the output).
    """
    c = channels
    G = nn.Sequential(
        nn.Linear(latent_dim, 2 * c * 2 * 2), nn.Unflatten(1, (2 * c, 2, 2)), nn.BatchNorm2d(2 * c), nn.ReLU(),
        nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU(),    # (c, 4, 4)
        nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1), nn.Tanh(),                            # (1, 8, 8)
    )
    G.latent_dim = latent_dim
    return G


def dcgan_discriminator(channels=DCGAN_CHANNELS):
    """DCGAN discriminator: (N, 1, 8, 8) → logits (N, 1).

    Two strided convolutions (kernel 4, stride 2, padding 1) halve the size, 8×8 → 4×4 → 2×2, with
    LeakyReLU(0.2) after each and batch norm after the second (none on the input layer), no pooling;
    then a linear layer from the 2c·2·2 features to one logit.
    """
    c = channels
    return nn.Sequential(
        nn.Conv2d(1, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),                             # (c, 4, 4)
        nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2),  # (2c, 2, 2)
        nn.Flatten(), nn.Linear(2 * c * 2 * 2, 1),
    )


def train_dcgan(X_train, device, seed, epochs=DCGAN_EPOCHS):
    """Train a DCGAN on the digits; return ``(G, D)``, both in eval mode.

    X_train: (N, 64) or (N, 1, 8, 8) digits in [0, 1] (tensor or array); they are reshaped to
    (N, 1, 8, 8) and scaled to [−1, 1] = 2x − 1. G (:func:`dcgan_generator`) maps z (M, latent_dim)
    ~ N(0, I) to images (M, 1, 8, 8) in [−1, 1] and has the attribute ``latent_dim``; D
    (:func:`dcgan_discriminator`) maps (N, 1, 8, 8) to logits (N, 1). Each minibatch of DCGAN_BATCH
    real images: a D step on ``discriminator_loss(D(real), D(G(z).detach()))``, then a G step on
    ``generator_loss_nonsaturating(D(G(z)))``, Adam (η = DCGAN_LR, β = DCGAN_BETAS) for each network;
    ``epochs`` passes over X_train.
    """
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32).reshape(-1, 1, 8, 8) * 2 - 1
    G, D = dcgan_generator().to(device), dcgan_discriminator().to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=DCGAN_LR, betas=DCGAN_BETAS)
    opt_d = torch.optim.Adam(D.parameters(), lr=DCGAN_LR, betas=DCGAN_BETAS)
    n = len(X)
    for _ in range(epochs):
        order = torch.randperm(n, device=device)
        for start in range(0, n, DCGAN_BATCH):
            real = X[order[start:start + DCGAN_BATCH]]
            fake = G(torch.randn(len(real), G.latent_dim, device=device))
            loss_d = discriminator_loss(D(real), D(fake.detach()))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = generator_loss_nonsaturating(D(fake))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
    return G.eval(), D.eval()
