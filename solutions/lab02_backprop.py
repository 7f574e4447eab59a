"""Lab 2 graded functions (re-exported from the topic modules)."""
# ACTIVATIONS is not graded here: the notebook gives it to students (it is lab 1's material). It is
# imported so that plausible buggy solution cells (tests/mutants) see what the notebook's cells see.
from solutions.activations import ACTIVATIONS  # noqa: F401
from solutions.gradcheck import numerical_gradient, relative_error
from solutions.layers import dense_backward, dense_forward, mlp_backward, mlp_forward, softmax_cross_entropy
from solutions.training import train_mlp

__all__ = ["dense_forward", "dense_backward", "mlp_forward", "mlp_backward", "softmax_cross_entropy",
           "numerical_gradient", "relative_error", "train_mlp"]
