"""How lab 4's graded functions are run on a hidden case (kernel side). NumPy only.

No function of the lab may call an autodiff library (:data:`FORBID`). Two are not called plainly:

* ``dropout_forward`` returns :data:`RAISED` instead of raising when it rejects ``p`` (a case with an
  invalid p expects exactly that).
* ``EarlyStopping`` is a class: it is built with the case's keywords and fed the case's sequence of
  validation losses; the run reports ``best`` and ``best_epoch`` before the first step and ``stop``,
  ``best_epoch``, ``best`` after every step.

Penalties, ``dropout_backward`` and the initialisers (which get a NumPy generator) are called plainly.
"""
from __future__ import annotations

from autograder.kernel.runners import Runner

NUMPY_ONLY = ("torch", "jax", "autograd", "tensorflow")
FORBID = NUMPY_ONLY

#: What a run returns when the function raised ValueError.
RAISED = "raised ValueError"


def _run_catching_value_error(fn, case, uses):
    try:
        return case.call(fn)
    except ValueError:
        return RAISED


def _run_early_stopping(cls, case, uses):
    """Instantiate the class with the case's keywords and feed it the sequence of validation losses."""
    (losses,) = case.args
    es = cls(**dict(case.kwargs))
    out = {"initial_best_epoch": es.best_epoch, "initial_best": es.best, "stop": [], "best_epoch": [], "best": []}
    for loss in losses:
        out["stop"].append(es.step(float(loss)))
        out["best_epoch"].append(es.best_epoch)
        out["best"].append(es.best)
    return out


RUNNERS = {
    "dropout_forward": Runner(run=_run_catching_value_error, forbid=NUMPY_ONLY),
    "EarlyStopping": Runner(run=_run_early_stopping, forbid=NUMPY_ONLY),
}
