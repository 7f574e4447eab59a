"""Lab 5 graded functions (re-exported from the topic module).

``Autoencoder`` is not graded: it is the model class the notebook gives, imported here so that the
training function's mutants (``tests/mutants``) see it as a student's notebook does.
"""
from solutions.autoencoders import (  # noqa: F401  (Autoencoder: see above)
    Autoencoder,
    add_noise,
    decode,
    encode,
    linear,
    reconstruction_loss,
    train_autoencoder,
)

__all__ = ["linear", "encode", "decode", "reconstruction_loss", "add_noise", "train_autoencoder"]
