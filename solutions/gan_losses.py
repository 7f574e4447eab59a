"""GAN losses from the discriminator's scores, and the WGAN-GP gradient penalty (lab 9).

Every loss takes a batch of scores of shape (N,) or (N, 1) and returns a 0-dim tensor (a mean over
the batch). The standard GAN losses take LOGITS l (pre-sigmoid scores), D = σ(l), and are computed
stably with softplus(u) = log(1 + e^u):
    −log σ(l) = softplus(−l),    −log(1 − σ(l)) = softplus(l).
The LSGAN, hinge and Wasserstein losses take raw scores (no sigmoid).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def discriminator_loss(real_logits, fake_logits):
    """mean BCE(real, 1) + mean BCE(fake, 0) = mean softplus(−l_real) + mean softplus(l_fake).

    The SUM of the two batch means (not their average). Shapes (N,) or (N, 1); the two batches may differ in N.
    """
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss_minimax(fake_logits):
    """Saturating (minimax) generator loss: mean log(1 − σ(l)) = −mean softplus(l) (minimised by G)."""
    return -F.softplus(fake_logits).mean()


def generator_loss_nonsaturating(fake_logits):
    """Non-saturating generator loss: mean −log σ(l) = mean BCE(fake, 1) = mean softplus(−l)."""
    return F.softplus(-fake_logits).mean()


def lsgan_discriminator_loss(real_scores, fake_scores):
    """Least-squares GAN: ½ mean (D(x) − 1)² + ½ mean D(G(z))²."""
    return 0.5 * ((real_scores - 1) ** 2).mean() + 0.5 * (fake_scores ** 2).mean()


def lsgan_generator_loss(fake_scores):
    """Least-squares GAN generator loss: ½ mean (D(G(z)) − 1)²."""
    return 0.5 * ((fake_scores - 1) ** 2).mean()


def hinge_discriminator_loss(real_scores, fake_scores):
    """Hinge loss: mean relu(1 − D(x)) + mean relu(1 + D(G(z)))."""
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def hinge_generator_loss(fake_scores):
    """Hinge generator loss: −mean D(G(z))."""
    return -fake_scores.mean()


def wasserstein_critic_loss(real_scores, fake_scores):
    """WGAN critic loss (minimised by the critic): mean f(G(z)) − mean f(x)."""
    return fake_scores.mean() - real_scores.mean()


def gradient_penalty(critic, real, fake, generator=None, lam=10.0):
    """WGAN-GP: λ · mean_i (‖∇_x̂ f(x̂_i)‖₂ − 1)² on x̂ = α real + (1 − α) fake, α ~ U(0, 1) per sample.

    critic: module or function mapping (N, ...) to scores (N,) or (N, 1)
    real, fake: (N, ...) of the same shape; generator: torch.Generator for α (or None)
    α is drawn with ONE call torch.rand(N, 1, ..., 1) (one value per sample); the norm is over all
    non-batch dimensions; the gradient keeps its graph (create_graph=True) so the penalty can be
    back-propagated into the critic's parameters.
    """
    n = real.shape[0]
    alpha = torch.rand(n, *([1] * (real.dim() - 1)), generator=generator, device=real.device, dtype=real.dtype)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grad.reshape(n, -1).norm(2, dim=1)
    return lam * ((norms - 1) ** 2).mean()
