"""How the graded functions of lab 7 (RNN cell, LSTM cell, unrolled LSTM, a trained forecaster) are run
in the grading kernel.

``rnn_cell``, ``lstm_cell`` and ``lstm_unroll`` get the case's NumPy arrays as float64 tensors on the
grading device (:func:`autograder.kernel.torch_grading.tensor`), in the order of their parameters.

``train_forecaster`` trains on the training part of the monthly CO₂ series (standardised with that
part's statistics, as the notebook does) with the case's window and seed, under
:func:`~autograder.kernel.runners.training.training_conditions`, timed after a warm-up (:func:`_tiny_lstm`:
the first LSTM of a process pays about 1.4 s of one-off set-up on a CPU, which is not the student's
time, as in every trained lab); the kernel reports its one-step
forecasts of the held-out tail (:func:`held_out_forecasts`), and the grading process computes their
RMSE. The split sizes, window and seed come with the case.
"""
from __future__ import annotations

import numpy as np

from autograder.kernel.runners import Runner
from autograder.kernel.runners.training import timed, training_conditions, warm_up
from autograder.kernel.torch_grading import grading_device, tensor, to_numpy


def _run_tensors(fn, case, uses):
    """The case's NumPy arguments as float64 tensors on the grading device."""
    return fn(*(tensor(a) for a in case.args))


# ---------------------------------------------------------------------------------- trained forecaster
def co2_monthly() -> np.ndarray:
    """The 526 monthly mean CO₂ concentrations (ppm), as the notebook loads them: statsmodels' weekly
    Mauna Loa series, monthly means, the empty months filled by linear interpolation."""
    import statsmodels.api as sm

    weekly = sm.datasets.co2.load_pandas().data["co2"]
    return weekly.resample("MS").mean().interpolate().to_numpy(dtype=np.float64)


def scaled_series(n_train: int):
    """(standardised series (526,), training mean, training std), statistics of the first ``n_train`` values."""
    values = co2_monthly()
    mean, std = values[:n_train].mean(), values[:n_train].std()
    return (values - mean) / std, mean, std


def _contexts(scaled, n_test: int, window: int):
    """The ``window`` values before each of the last ``n_test`` months: (n_test, window)."""
    start = len(scaled) - n_test
    return np.stack([scaled[t - window:t] for t in range(start, len(scaled))])


def _tiny_lstm(device):
    """A tiny LSTM (1 → 2 units) and a linear head on 3 sequences of 4 steps (for :func:`warm_up`)."""
    import torch
    from torch import nn

    lstm, head = nn.LSTM(1, 2).to(device), nn.Linear(2, 1).to(device)
    x = torch.zeros(4, 3, 1, device=device)
    return [*lstm.parameters(), *head.parameters()], lambda: (head(lstm(x)[0][-1]) ** 2).mean()


def held_out_forecasts(train_forecaster, n_train: int, n_test: int, window: int, seed: int, device=None) -> dict:
    """Train with ``train_forecaster`` on the first ``n_train`` months and forecast the last ``n_test``.

    Returns ``{"predictions": the one-step-ahead predictions (standardised) of the last n_test months,
    float64 (n_test,), "seconds": training seconds}``; the grading process scores them. Each held-out
    month is predicted from the ``window`` values before it (reaching back into the validation part,
    never into the future). Raises TypeError/ValueError (with a message for the student) when
    ``predict`` does not have the interface the lab asks for.
    """
    import torch

    device = device or grading_device()
    scaled, _, _ = scaled_series(n_train)
    series_train = torch.tensor(scaled[:n_train], dtype=torch.float32, device=device)
    contexts = _contexts(scaled, n_test, window)
    with training_conditions(device):
        warm_up(device, "lstm", _tiny_lstm)
        predict, seconds = timed(train_forecaster, series_train, window, device, seed)
        if not callable(predict):
            raise TypeError(f"train_forecaster should return a function predict(context), got {type(predict).__name__}")
        with torch.no_grad():
            pred = predict(torch.tensor(contexts, dtype=torch.float32, device=device))
    pred = to_numpy(pred)
    if pred is None:
        raise TypeError("predict(context) returned None (did it forget to return?)")
    pred = np.asarray(pred, dtype=np.float64)
    if pred.shape != (n_test,):
        raise ValueError(f"predict(context) for a context of shape ({n_test}, {window}) should return shape "
                         f"({n_test},), got {pred.shape}")
    return {"predictions": pred, "seconds": seconds}


def _run_forecaster(fn, case, uses):
    """case.args = (n_train, n_test, window, seed)."""
    n_train, n_test, window, seed = (int(v) for v in case.args)
    return held_out_forecasts(fn, n_train, n_test, window, seed)


RUNNERS = {
    "rnn_cell": Runner(run=_run_tensors),
    "lstm_cell": Runner(run=_run_tensors),
    "lstm_unroll": Runner(run=_run_tensors),
    "train_forecaster": Runner(run=_run_forecaster),
}
