"""Lab 3 graded functions (re-exported from the topic modules)."""
from solutions.batching import minibatches
from solutions.optimizers import adagrad, adam, clip_by_norm, nesterov, rmsprop, rmsprop_nesterov, sgd, sgd_momentum
from solutions.schedules import exponential_decay, piecewise_constant, polynomial_decay

__all__ = ["sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_nesterov", "adam", "clip_by_norm",
           "piecewise_constant", "exponential_decay", "polynomial_decay", "minibatches"]
