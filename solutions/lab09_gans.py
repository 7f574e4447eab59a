"""Lab 9 graded functions (re-exported from the topic modules)."""
from solutions.gan_losses import (discriminator_loss, generator_loss_minimax, generator_loss_nonsaturating,
                                  gradient_penalty, hinge_discriminator_loss, hinge_generator_loss,
                                  lsgan_discriminator_loss, lsgan_generator_loss, wasserstein_critic_loss)
from solutions.gan_models import train_dcgan, train_gan

__all__ = ["discriminator_loss", "generator_loss_minimax", "generator_loss_nonsaturating",
           "lsgan_discriminator_loss", "lsgan_generator_loss", "hinge_discriminator_loss",
           "hinge_generator_loss", "wasserstein_critic_loss", "gradient_penalty", "train_gan", "train_dcgan"]
