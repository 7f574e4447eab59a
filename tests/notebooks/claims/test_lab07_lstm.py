"""Lab 7's stated outcomes, on the reference and the notebook's own experiment code, several seeds, CPU.

What the text of source/lab07_lstm/lab07_lstm.ipynb says its experiments show:
* 4.1: at initialisation the gradient reaching step 1 of 50 has all but vanished for the vanilla RNN and
  the default-initialised LSTM (forget gates ≈ 0.5), not for the LSTM with its forget bias raised by 3
  (forget gates ≈ 0.95), as the products 0.5^49 and 0.95^49 predict;
* 5.1: the recipe reaches about 0.33 ppm on the validation years;
* 5.2: the LSTM that reads changes beats the one that reads levels on the validation years;
* 5.3: the free-running forecast of the held-out years is worse than the one-step-ahead one.
(The trained sequence classifiers of Part 4 take too long for the suite; the notebook states their
outcome as what was seen in our runs.)
"""
import nbformat
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.course import SOURCE
from autograder.grading.cases import lab07_lstm as cases
from labkit.device import seed_everything
from solutions.recurrent import lstm_cell, make_windows, rnn_cell, train_forecaster

LAB = "lab07_lstm"


def _cells():
    return nbformat.read(SOURCE / LAB / f"{LAB}.ipynb", as_version=4).cells


def _namespace():
    """The notebook's task, models and gradient helper (its own code), with the reference cells."""
    ns = {"torch": torch, "nn": nn, "F": F, "np": np, "device": torch.device("cpu"),
          "rnn_cell": rnn_cell, "lstm_cell": lstm_cell, "make_windows": make_windows}
    cells = _cells()
    exec(next(c.source for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == "long_range_task"), ns)
    gradients = next(c.source for c in cells if "def grad_norms_through_time" in c.source)
    exec(gradients[:gradients.index("\nx_grad, y_grad")], ns)
    level = next(c.source for c in cells if "def train_level_lstm" in c.source)
    exec(level[:level.index("\npredict_level =")], ns)
    return ns


@pytest.fixture(scope="module")
def ns():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield _namespace()
    torch.set_num_threads(saved)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_at_initialisation_only_the_open_forget_gates_carry_the_gradient_back_49_steps(ns, seed):
    seed_everything(seed)
    x, y = ns["x_long_val"][:, :256], ns["y_long_val"][:256]
    ratio = {}
    for kind, bias in (("rnn", 0.0), ("lstm", 0.0), ("lstm", 3.0)):
        norms = ns["grad_norms_through_time"](ns["SequenceClassifier"](kind, bias), x, y)
        ratio[kind, bias] = norms[0] / norms[-1]
    # the forget-gate products: 0.95**49 ≈ 0.081, 0.5**49 ≈ 1.8e-15
    assert 1e-2 < ratio["lstm", 3.0] < 1, ratio
    assert ratio["lstm", 0.0] < 1e-8 and ratio["rnn", 0.0] < 1e-8, ratio


def _one_step_and_free_running(predict, scaled):
    """(validation windows, one-step RMSE on the test tail, free-running RMSE on the test tail) in scaled units."""
    n_train, n_val, window = cases.N_TRAIN, cases.N_VAL, cases.WINDOW
    tail = torch.tensor(scaled[n_train + n_val - window:], dtype=torch.float32)
    contexts, targets = make_windows(tail, window)
    one_step = torch.sqrt(F.mse_loss(predict(contexts), targets)).item()
    context, run = tail[:window][None], []
    for _ in range(len(targets)):
        nxt = predict(context)
        run.append(nxt.item())
        context = torch.cat([context[:, 1:], nxt.view(1, 1)], dim=1)
    free = torch.sqrt(F.mse_loss(torch.tensor(run), targets)).item()
    return one_step, free


@pytest.mark.parametrize("seed", [0, 1])
def test_changes_beat_levels_on_validation_and_free_running_is_worse_than_one_step(ns, seed):
    scaled, _, std = cases.scaled_series()
    series_train = torch.tensor(scaled[:cases.N_TRAIN], dtype=torch.float32)
    window, start, stop = cases.WINDOW, cases.N_TRAIN, cases.N_TRAIN + cases.N_VAL
    ctx_val, y_val = make_windows(torch.tensor(scaled[start - window:stop], dtype=torch.float32), window)
    predict = train_forecaster(series_train, window, torch.device("cpu"), seed)
    predict_level = ns["train_level_lstm"](series_train, window, seed=seed)
    rmse = lambda p: torch.sqrt(F.mse_loss(p(ctx_val), y_val)).item()
    assert rmse(predict) < 0.5 * rmse(predict_level), f"seed {seed}: changes {rmse(predict):.3f}, levels {rmse(predict_level):.3f}"
    # 5.1: "reaches about 0.33 ppm on the validation part"
    assert 0.30 <= rmse(predict) * std <= 0.36, f"seed {seed}: validation RMSE {rmse(predict) * std:.3f} ppm"
    one_step, free = _one_step_and_free_running(predict, scaled)
    assert free > 1.5 * one_step, f"seed {seed}: one-step {one_step:.3f}, free-running {free:.3f} (scaled units)"
