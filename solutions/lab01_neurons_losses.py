"""Lab 1 graded functions (re-exported from the topic modules)."""
from solutions.activations import (  # noqa: F401
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh,
    tanh_derivative,
)
from solutions.linear_models import fit_least_squares, linear_neuron  # noqa: F401
from solutions.losses import (  # noqa: F401
    cross_entropy,
    cross_entropy_from_logits,
    huber,
    huber_grad,
    mae,
    mae_grad,
    mse,
    mse_grad,
    one_hot,
)

__all__ = [
    "linear_neuron", "fit_least_squares",
    "sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "relu", "relu_derivative",
    "leaky_relu", "leaky_relu_derivative", "softmax", "one_hot",
    "mse", "mae", "huber", "mse_grad", "mae_grad", "huber_grad",
    "cross_entropy", "cross_entropy_from_logits",
]
