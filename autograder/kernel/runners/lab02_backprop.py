"""How lab 2's graded functions are run on a hidden case (kernel side). NumPy only.

Every function of the lab must compute its gradients by hand: calling an autodiff library fails the
case (:data:`FORBID`). Three functions are not called plainly:

* ``mlp_backward`` gets its caches from the same person's ``mlp_forward`` (case = X, params,
  activation, dscores).
* ``numerical_gradient`` differentiates a test objective that the case names as data,
  ``((template, parameters), x)`` (:data:`OBJECTIVES`); the runner builds the function, and hands
  back x after the call as well (it must be unchanged).
* ``train_mlp`` also hands back its params argument after the call (it must be unchanged), and
  reports whether an unknown mode raised ``ValueError``.
"""
from __future__ import annotations

import copy

import numpy as np

from autograder.kernel.runners import Runner

# The lab is about computing gradients by hand: calling an autodiff library fails the case.
NO_AUTODIFF = ("torch", "jax", "autograd", "tensorflow")
FORBID = NO_AUTODIFF

#: What ``train_mlp``'s runner returns when an unknown mode raised ``ValueError`` (or did not).
RAISED = "raised ValueError"
NOT_RAISED = "returned without an error"
#: The modes train_mlp knows; any other must raise ValueError.
KNOWN_MODES = ("batch", "stochastic", "minibatch")


def _run_mlp_backward(fn, case, uses):
    """Caches come from the same person's mlp_forward; then grads = mlp_backward(dscores, caches)."""
    X, params, activation, dscores = copy.deepcopy(case.args)
    _, caches = uses["mlp_forward"](X, params, activation)
    return fn(dscores, caches)


# ------------------------------------------------------------------- numerical_gradient's objectives
# Test objectives f(x) -> float with random parameters (not lab 2's answers): each case names one as
# (template name, {parameter: array}) so that the case is data.
def _cubic(a):  # gradient 3 a x² (+ h² a in central differences): differs per element
    return lambda x: float(np.sum(a * x ** 3))


def _sin_mix(A):  # 2-D x; couples the rows and the elements
    return lambda x: float(np.sum(np.sin(A * x)) + np.sum(x[0] * x[1]) + 0.5 * np.sum(x) ** 2)


def _quartic_form(M):
    return lambda x: float(x @ M @ x + np.sum(x ** 4) / 4)


def _exp_sum(c):
    return lambda x: float(np.sum(np.exp(c * x)))


def _tensor_3d(T):
    return lambda x: float(np.sum(T * x ** 2) + np.prod(np.tanh(x[0])))


def _cross_entropy(labels):
    # z (n, c) used as logits; small logits, so no stabilising shift (not lab 2's answer)
    y = np.asarray(labels, dtype=np.int64)
    return lambda z: float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(y.size), y]))


OBJECTIVES = {"cubic": _cubic, "sin_mix": _sin_mix, "quartic_form": _quartic_form, "exp_sum": _exp_sum,
              "tensor_3d": _tensor_3d, "cross_entropy": _cross_entropy}


def objective(form):
    """The function named by ``(template name, parameters)``."""
    name, parameters = form
    return OBJECTIVES[name](**copy.deepcopy(dict(parameters)))


def _run_numerical_gradient(fn, case, uses):
    """Also hand back x after the call: it must be unchanged."""
    f, x = objective(case.args[0]), copy.deepcopy(case.args[1])
    original = x.copy()
    grad = fn(f, x, **copy.deepcopy(case.kwargs))
    return grad, x, original


# ------------------------------------------------------------------------------------------ train_mlp
def _run_train_mlp(fn, case, uses):
    """Returns the function's output and its params argument after the call (it must be unchanged)."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    if kwargs.get("mode", "minibatch") not in KNOWN_MODES:
        try:
            fn(*args, **kwargs)
        except ValueError:
            return RAISED
        return NOT_RAISED
    out = fn(*args, **kwargs)
    return out, args[2]


RUNNERS = {
    "mlp_backward": Runner(run=_run_mlp_backward, forbid=NO_AUTODIFF, uses=("mlp_forward",)),
    "numerical_gradient": Runner(run=_run_numerical_gradient, forbid=NO_AUTODIFF),
    "train_mlp": Runner(run=_run_train_mlp, forbid=NO_AUTODIFF),
}
