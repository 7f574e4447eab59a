"""How lab 3's graded functions are run on a hidden case (kernel side).

* The update rules (sgd, sgd_momentum, adagrad, rmsprop, adam; nesterov and rmsprop_nesterov with a
  gradient function) are driven for several steps from ``state = {}``, threading ``state`` from one
  call to the next (:func:`drive`). A case is ``(w0, gradients)`` with a list of gradient arrays, or
  ``(w0, {"A": A, "b": b}, steps)``: the gradient A w − b of a quadratic at the current w. Every call
  gets a gradient array of its own (a rule may scale its ``g`` in place). The run returns w after
  every step and whether the rule left its input ``w`` untouched.
* The schedules are asked for the learning rate at every step of a list (:func:`run_schedule`).
* clip_by_norm and minibatches are called plainly (minibatches gets a NumPy generator).
"""
from __future__ import annotations

import copy

import numpy as np

from autograder.kernel.runners import Runner

UNTOUCHED = "input w left unchanged (no in-place update)"


def quadratic_gradient(problem):
    """The gradient function w ↦ A w − b of the quadratic ``{"A": A, "b": b}``."""
    A, b = np.asarray(problem["A"], dtype=np.float64), np.asarray(problem["b"], dtype=np.float64)
    return lambda w: A @ np.asarray(w, dtype=np.float64) - b


def drive(fn, case, uses, lookahead=False):
    """Run ``fn`` for several steps from ``state = {}``; return w after each step and the in-place flag.

    ``lookahead`` passes the gradient function instead of a gradient (Nesterov).
    """
    args, hyper = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    w, state = args[0], {}
    if isinstance(args[1], dict):
        grad = quadratic_gradient(args[1])
        steps = int(args[2])
    else:
        grads = args[1]
        grad, steps = None, len(grads)
    out, untouched = {}, True
    for k in range(steps):
        w_in = w
        before = np.array(w_in, dtype=np.float64, copy=True)
        if lookahead:
            arg = grad
        else:
            # a copy per call: a list such as [g] * k holds one array object k times
            arg = grad(w_in) if grad is not None else np.array(grads[k], copy=True)
        w, state = fn(w_in, arg, state, **hyper)
        untouched &= bool(np.array_equal(np.asarray(w_in, dtype=np.float64), before))
        out[f"w after step {k + 1}"] = np.array(w, copy=True)
    out[UNTOUCHED] = np.bool_(untouched)
    return out


def _run_rule(fn, case, uses):
    return drive(fn, case, uses)


def _run_lookahead(fn, case, uses):
    return drive(fn, case, uses, lookahead=True)


def run_schedule(fn, case, uses):
    """case.args = (steps, *rest): the learning rate at every step of ``steps``."""
    steps, rest = case.args[0], copy.deepcopy(case.args[1:])
    out = []
    for step in steps:
        lr = fn(int(step), *copy.deepcopy(rest), **copy.deepcopy(case.kwargs))
        if lr is None:
            return None  # the judge says "did the function forget to return?"
        if np.size(lr) != 1:
            raise ValueError(f"the learning rate at step {step} should be one number, got shape {np.shape(lr)}")
        out.append(float(np.asarray(lr, dtype=np.float64).reshape(())))
    return np.array(out)


RUNNERS = {
    "sgd": Runner(run=_run_rule),
    "sgd_momentum": Runner(run=_run_rule),
    "nesterov": Runner(run=_run_lookahead),
    "adagrad": Runner(run=_run_rule),
    "rmsprop": Runner(run=_run_rule),
    "rmsprop_nesterov": Runner(run=_run_lookahead),
    "adam": Runner(run=_run_rule),
    "piecewise_constant": Runner(run=run_schedule),
    "exponential_decay": Runner(run=run_schedule),
    "polynomial_decay": Runner(run=run_schedule),
}
