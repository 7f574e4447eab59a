"""Oracle tests of solutions/recurrent.py, and the forecaster's grading thresholds.

Oracles: PyTorch's own recurrent modules in float64 with copied weights (nn.RNNCell, nn.LSTMCell,
nn.LSTM with batch_first=False), their gradients through autograd, and hand calculations with one
hidden unit. The forecaster: the reference passes every tier of the hidden test on each of the five
seeds its tiers came from, and the notebook loads the very series the hidden test scores on.
"""
import math

import nbformat
import numpy as np
import pytest
import torch
from torch import nn

from autograder.grading.cases import lab07_lstm as cases
from autograder.course import SOURCE
from solutions.recurrent import lstm_cell, lstm_unroll, make_windows, rnn_cell, train_forecaster

F64 = torch.float64


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def _module(cls, *sizes, seed):
    torch.manual_seed(seed)
    module = cls(*sizes).to(F64)
    with torch.no_grad():  # larger weights than PyTorch's default, so that tanh and the gates saturate somewhat
        for p in module.parameters():
            p.mul_(2.0)
    return module


def _randn(*shape, seed, grad=False):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=F64).requires_grad_(grad)


# ------------------------------------------------------------------------------------------- rnn_cell
@pytest.mark.parametrize("N,I,H", [(5, 3, 4), (1, 7, 2), (4, 1, 1), (3, 6, 6)])
def test_rnn_cell_matches_nn_rnncell_and_its_gradients(N, I, H):
    cell = _module(nn.RNNCell, I, H, seed=N * 10 + I)
    x, h = _randn(N, I, seed=1, grad=True), _randn(N, H, seed=2, grad=True)
    params = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    ours, theirs = rnn_cell(x, h, *params), cell(x, h)
    assert ours.shape == (N, H) and ours.dtype == F64
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    upstream = _randn(N, H, seed=3)
    g_ours = torch.autograd.grad(ours, [x, h, *params], upstream)
    g_theirs = torch.autograd.grad(theirs, [x, h, *params], upstream)
    for a, b in zip(g_ours, g_theirs):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_rnn_cell_by_hand():
    # x W_ihᵀ = [1, -0.5]; h W_hhᵀ = [1 - 2, 0 - 1] = [-1, -1]; biases [0, 0.5]; tanh([0, -1]).
    t = lambda v: torch.tensor(v, dtype=F64)
    out = rnn_cell(t([[2.0]]), t([[1.0, -1.0]]), t([[0.5], [-0.25]]), t([[1.0, 2.0], [0.0, 1.0]]),
                   t([0.1, 0.2]), t([-0.1, 0.3]))
    torch.testing.assert_close(out, t([[0.0, math.tanh(-1.0)]]), rtol=1e-15, atol=1e-15)


# ------------------------------------------------------------------------------------------ lstm_cell
@pytest.mark.parametrize("N,I,H", [(4, 3, 5), (1, 6, 2), (5, 1, 1), (3, 4, 4)])
def test_lstm_cell_matches_nn_lstmcell_and_its_gradients(N, I, H):
    cell = _module(nn.LSTMCell, I, H, seed=N * 10 + I)
    x, h, c = _randn(N, I, seed=4, grad=True), _randn(N, H, seed=5, grad=True), _randn(N, H, seed=6, grad=True)
    params = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    h_new, c_new = lstm_cell(x, h, c, *params)
    h_ref, c_ref = cell(x, (h, c))
    assert h_new.shape == c_new.shape == (N, H)
    torch.testing.assert_close(h_new, h_ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(c_new, c_ref, rtol=1e-12, atol=1e-12)
    up_h, up_c = _randn(N, H, seed=7), _randn(N, H, seed=8)
    inputs = [x, h, c, *params]
    g_ours = torch.autograd.grad((h_new * up_h).sum() + (c_new * up_c).sum(), inputs)
    g_theirs = torch.autograd.grad((h_ref * up_h).sum() + (c_ref * up_c).sum(), inputs)
    for a, b in zip(g_ours, g_theirs):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_lstm_cell_by_hand_one_unit():
    # H = 1, I = 1: a = w_ih x + b_ih + w_hh h + b_hh for each gate, written out with scalars.
    x, h, c = 0.3, -0.7, 1.9
    w_ih, w_hh = [0.5, -1.2, 0.8, 0.1], [0.3, 0.9, -0.4, 1.5]
    b_ih, b_hh = [0.2, 1.0, -0.3, 0.0], [-0.1, 0.5, 0.2, 0.4]
    a = [w_ih[k] * x + b_ih[k] + w_hh[k] * h + b_hh[k] for k in range(4)]
    i, f, g, o = _sigmoid(a[0]), _sigmoid(a[1]), math.tanh(a[2]), _sigmoid(a[3])
    c_want = f * c + i * g
    h_want = o * math.tanh(c_want)
    t = lambda v: torch.tensor(v, dtype=F64)
    h_new, c_new = lstm_cell(t([[x]]), t([[h]]), t([[c]]), t(w_ih).view(4, 1), t(w_hh).view(4, 1), t(b_ih), t(b_hh))
    assert math.isclose(c_new.item(), c_want, rel_tol=1e-14)
    assert math.isclose(h_new.item(), h_want, rel_tol=1e-14)


# ---------------------------------------------------------------------------------------- lstm_unroll
@pytest.mark.parametrize("T,N,I,H", [(6, 3, 2, 4), (1, 4, 3, 2), (4, 4, 4, 4), (40, 2, 1, 3)])
def test_lstm_unroll_matches_nn_lstm_and_its_gradients(T, N, I, H):
    lstm = _module(nn.LSTM, I, H, seed=T + N)
    xs = _randn(T, N, I, seed=9, grad=True)
    h0, c0 = _randn(N, H, seed=10, grad=True), _randn(N, H, seed=11, grad=True)
    params = [lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0]
    hs, (h_T, c_T) = lstm_unroll(xs, h0, c0, *params)
    hs_ref, (h_n, c_n) = lstm(xs, (h0[None], c0[None]))
    assert hs.shape == (T, N, H) and h_T.shape == c_T.shape == (N, H)
    torch.testing.assert_close(hs, hs_ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(h_T, h_n[0], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(c_T, c_n[0], rtol=1e-12, atol=1e-12)
    up = _randn(T, N, H, seed=12)
    inputs = [xs, h0, c0, *params]
    g_ours = torch.autograd.grad((hs * up).sum() + c_T.sum(), inputs)
    g_theirs = torch.autograd.grad((hs_ref * up).sum() + c_n.sum(), inputs)
    for a, b in zip(g_ours, g_theirs):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_lstm_unroll_float32_keeps_dtype():
    lstm = nn.LSTM(3, 5)
    xs, h0, c0 = torch.randn(7, 2, 3), torch.zeros(2, 5), torch.zeros(2, 5)
    with torch.no_grad():
        hs, (h_T, c_T) = lstm_unroll(xs, h0, c0, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
        hs_ref, _ = lstm(xs)
    assert hs.dtype == torch.float32
    torch.testing.assert_close(hs, hs_ref, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------- the forecaster
def test_make_windows_by_hand():
    contexts, targets = make_windows(torch.arange(6.0), 3)
    assert contexts.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    assert targets.tolist() == [3, 4, 5]


def _notebook_cell(grade_id):
    nb = nbformat.read(SOURCE / cases.LAB / f"{cases.LAB}.ipynb", as_version=4)
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_the_notebook_loads_the_series_the_hidden_test_scores():
    ns = {"np": np, "torch": torch}
    exec(_notebook_cell("data"), ns)
    scaled, mean, std = cases.scaled_series()
    assert (ns["N_TRAIN"], ns["N_VAL"], ns["N_TEST"], ns["WINDOW"]) == (cases.N_TRAIN, cases.N_VAL, cases.N_TEST,
                                                                      cases.WINDOW)
    assert len(scaled) == cases.N_TRAIN + cases.N_VAL + cases.N_TEST == 526
    np.testing.assert_array_equal(ns["scaled"], scaled)
    assert (ns["mean"], ns["std"]) == (mean, std)
    assert not np.isnan(scaled).any()
    torch.testing.assert_close(ns["series_train"], torch.tensor(scaled[:cases.N_TRAIN], dtype=torch.float32))


def test_the_notebook_make_windows_is_the_reference():
    ns = {"np": np, "torch": torch, "scaled": np.arange(40.0), "WINDOW": 5, "std": 1.0}
    exec(_notebook_cell("windows").split("ctx_val, y_val")[0], ns)
    series = torch.randn(30)
    for got, want in zip(ns["make_windows"](series, 7), make_windows(series, 7)):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_reference_forecaster_passes_every_tier_on_the_five_seeds():
    """The tiers' own runs (seeds 0-4, CPU): every RMSE tier passes on each seed, and it trains in budget."""
    results = [cases.held_out_rmse(train_forecaster, seed, torch.device("cpu")) for seed in range(5)]
    for seed, (rmse, seconds) in enumerate(results):
        checks = cases.threshold_checks(rmse, seconds, metric="RMSE (ppm)", tiers=cases.TIERS, budget_s=cases.BUDGET_S,
                                        higher_is_better=False)
        failed = [(name, msg) for name, msg in checks[:-1] if msg]
        assert not failed, f"seed {seed}: {failed}"
    seconds = sorted(s for _, s in results)
    assert seconds[2] <= cases.BUDGET_S, f"the reference's median training time {seconds[2]:.1f} s exceeds the budget"
    rmses = [r for r, _ in results]
    assert max(rmses) < 0.34 and min(rmses) > 0.30, f"the reference's RMSEs moved away from the comment: {rmses}"


def test_naive_forecast_fails_both_tiers():
    scaled, _, std = cases.scaled_series()
    tail = scaled[-cases.N_TEST:]
    naive = scaled[-cases.N_TEST - 1:-1]
    rmse = float(np.sqrt(np.mean((naive - tail) ** 2)) * std)
    assert rmse == pytest.approx(1.2585, abs=1e-3)
    assert rmse > max(cases.TIERS)
    # the stated rule of the lower tier: half the naive forecast's error, rounded down to 0.05
    assert cases.TIERS[0] == math.floor(rmse / 2 * 20) / 20
