"""Oracle tests of solutions/regularization.py: hand calculations, PyTorch autograd and
torch.nn.functional.dropout (float64), and the dropout judge of the hidden cases over 1000 seeds."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.grading.cases import Case
from autograder.grading.cases import lab04_regularization_init as cases
from solutions.regularization import (
    EarlyStopping,
    dropout_backward,
    dropout_forward,
    l1_penalty,
    l1_penalty_grad,
    l2_penalty,
    l2_penalty_grad,
)


def _net(seed=0, sizes=(5, 7, 3, 2)):
    rng = np.random.default_rng(seed)
    net = [(rng.normal(0, 1, (m, n)), rng.normal(0, 3, n)) for m, n in zip(sizes[:-1], sizes[1:])]
    net[0][0][1, 2] = 0.0  # an exact zero for the L1 subgradient
    return net


# --------------------------------------------------------------------------------- penalties
def test_penalties_by_hand():
    W1, b1 = np.array([[1.0, -2.0], [3.0, 0.0]]), np.array([10.0, -10.0])  # ‖W1‖² = 14, Σ|W1| = 6
    W2, b2 = np.array([[0.5], [-1.5]]), np.array([100.0])                  # ‖W2‖² = 2.5, Σ|W2| = 2
    weights = [(W1, b1), (W2, b2)]
    assert l2_penalty(weights, 0.1) == pytest.approx(0.5 * 0.1 * 16.5)  # 0.825; biases not counted
    assert l1_penalty(weights, 0.1) == pytest.approx(0.1 * 8.0)
    assert isinstance(l2_penalty(weights, 0.1), float) and isinstance(l1_penalty(weights, 0.1), float)
    assert l2_penalty(weights, 0.0) == 0.0
    (dW1, db1), (dW2, db2) = l1_penalty_grad(weights, 0.1)
    np.testing.assert_array_equal(dW1, [[0.1, -0.1], [0.1, 0.0]])
    np.testing.assert_array_equal(db2, [0.0])


def _autograd(weights, lam, penalty):
    tensors = [(torch.tensor(W, dtype=torch.float64, requires_grad=True),
                torch.tensor(b, dtype=torch.float64, requires_grad=True)) for W, b in weights]
    value = penalty([W for W, _ in tensors], lam)
    # the biases take part in the graph with weight 0, so their gradient exists and is 0
    value = value + 0.0 * sum(b.sum() for _, b in tensors)
    value.backward()
    return value.item(), [(W.grad.numpy(), b.grad.numpy()) for W, b in tensors]


@pytest.mark.parametrize("lam", [0.037, 1.3])
def test_l2_against_autograd(lam):
    weights = _net()
    value, grads = _autograd(weights, lam, lambda Ws, lam: 0.5 * lam * sum((W**2).sum() for W in Ws))
    assert l2_penalty(weights, lam) == pytest.approx(value, rel=1e-12)
    mine = l2_penalty_grad(weights, lam)
    assert len(mine) == len(weights)
    for (dW, db), (tW, tb), (W, b) in zip(mine, grads, weights):
        assert dW.shape == W.shape and db.shape == b.shape
        np.testing.assert_allclose(dW, tW, rtol=1e-12)
        np.testing.assert_array_equal(db, tb)


@pytest.mark.parametrize("lam", [0.037, 2.5])
def test_l1_against_autograd(lam):
    weights = _net(1)
    value, grads = _autograd(weights, lam, lambda Ws, lam: lam * sum(W.abs().sum() for W in Ws))
    assert l1_penalty(weights, lam) == pytest.approx(value, rel=1e-12)
    for (dW, db), (tW, tb) in zip(l1_penalty_grad(weights, lam), grads):
        np.testing.assert_allclose(dW, tW, rtol=1e-12)  # torch: d|w|/dw = sign(w), 0 at w = 0
        np.testing.assert_array_equal(db, tb)
    assert l1_penalty_grad(weights, lam)[0][0][1, 2] == 0.0


def test_l2_grad_is_torch_sgd_weight_decay():
    """One SGD step on the penalty alone equals torch.optim.SGD(weight_decay=λ) on a zero loss."""
    lam, lr = 0.037, 0.3
    weights = _net(2)
    W = torch.tensor(weights[0][0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([W], lr=lr, weight_decay=lam)
    for _ in range(5):
        opt.zero_grad()
        (0.0 * W.sum()).backward()
        opt.step()
    mine = weights[0][0].copy()
    for _ in range(5):
        mine = mine - lr * l2_penalty_grad([(mine, weights[0][1])], lam)[0][0]
    np.testing.assert_allclose(mine, W.detach().numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("p", [0.3, 0.65])
def test_dropout_matches_torch_statistics(p):
    x = np.random.default_rng(3).uniform(0.5, 2.0, (400, 500))
    out, mask = dropout_forward(x, p, True, np.random.default_rng(4))
    torch.manual_seed(0)
    tout = F.dropout(torch.tensor(x), p=p, training=True).numpy()
    tkept = tout != 0
    # scaling: kept units are x / (1 - p) in both
    np.testing.assert_allclose(tout[tkept], x[tkept] / (1 - p), rtol=1e-12)
    np.testing.assert_allclose(out[mask != 0], x[mask != 0] / (1 - p), rtol=1e-12)
    np.testing.assert_array_equal(out, x * mask)
    assert set(np.unique(mask)) == {0.0, 1 / (1 - p)}
    # kept fractions agree with each other and with 1 - p (sd = sqrt(p(1-p)/N) ~ 1e-3)
    assert abs((mask != 0).mean() - tkept.mean()) < 0.01
    assert abs((mask != 0).mean() - (1 - p)) < 0.006
    assert abs(out.mean() - x.mean()) < 0.02 and abs(tout.mean() - x.mean()) < 0.02


def test_dropout_eval_is_identity_like_torch():
    x = np.random.default_rng(5).normal(0, 1, (7, 9))
    out, mask = dropout_forward(x, 0.5, False, np.random.default_rng(0))
    np.testing.assert_array_equal(out, F.dropout(torch.tensor(x), p=0.5, training=False).numpy())
    np.testing.assert_array_equal(mask, np.ones((7, 9)))


def test_dropout_draws_once_and_rejects_bad_p():
    x = np.ones((3, 4))
    rng, twin = np.random.default_rng(8), np.random.default_rng(8)
    _, mask = dropout_forward(x, 0.25, True, rng)
    np.testing.assert_array_equal(mask, (twin.random((3, 4)) >= 0.25) / 0.75)
    assert rng.random() == twin.random()  # exactly one draw of x.shape was used
    out, mask = dropout_forward(x, 0.0, True, np.random.default_rng(0))
    np.testing.assert_array_equal(out, x)
    for p in (1.0, 1.5, -0.1, float("nan")):
        with pytest.raises(ValueError):
            dropout_forward(x, p, True, np.random.default_rng(0))


def test_dropout_backward_against_autograd():
    rng = np.random.default_rng(6)
    x, dout = rng.normal(0, 1, (6, 5)), rng.normal(0, 1, (6, 5))
    _, mask = dropout_forward(x, 0.4, True, rng)
    xt = torch.tensor(x, requires_grad=True)
    (xt * torch.tensor(mask)).backward(torch.tensor(dout))
    np.testing.assert_allclose(dropout_backward(dout, mask), xt.grad.numpy(), rtol=1e-12)


def test_dropout_judge_passes_reference_on_1000_seeds():
    """The statistical bounds of the hidden dropout cases: the reference fails at most 1 seed in 1000."""
    template = cases._dropout_cases(np.random.default_rng(10**6))
    random_cases = [c for c in template if c.args[2] and 0 < c.args[1] < 1]
    assert any(c.args[0].size >= 10_000 for c in random_cases)
    failures = 0
    for seed in range(1000):
        for c in random_cases:
            case = Case(c.name, c.args[:3] + (np.random.default_rng(seed),))
            got = case.call(dropout_forward)
            if cases.judge_dropout(got, got, case) is not None:
                failures += 1
                break
    assert failures <= 1, f"the dropout judge fails the reference on {failures} of 1000 seeds"


def test_dropout_judge_catches_unscaled_mask():
    c = next(c for c in cases._dropout_cases(np.random.default_rng(10**6)) if c.args[0].size >= 10_000)
    x, p = c.args[0], c.args[1]
    keep = (np.random.default_rng(1).random(x.shape) >= p).astype(float)
    assert cases.judge_dropout((x * keep, keep), None, c) is not None


def test_dropout_judge_compares_a_float32_mask_at_float32_precision():
    # 1/(1 − p) rounded to float32 is right to float32's precision (relative error < 6e-8); a mask
    # value 1e-5 away from it is wrong in any precision.
    c = next(c for c in cases._dropout_cases(np.random.default_rng(10**6)) if c.args[0].size >= 10_000)
    x, p = c.args[0], c.args[1]
    keep = np.random.default_rng(1).random(x.shape) >= p
    mask32 = keep.astype(np.float32) / np.float32(1 - p)
    assert mask32.dtype == np.float32 and not np.allclose(mask32, keep / (1 - p), rtol=1e-12, atol=0)
    assert cases.judge_dropout((x * mask32, mask32), None, c) is None
    off = keep * (1 / (1 - p) + 1e-5)
    message = cases.judge_dropout((x * off, off), None, c)
    assert message is not None and "neither 0 nor 1/(1 - p)" in message


# ----------------------------------------------------------------------------- early stopping
def _trace(es, losses):
    stops, epochs = [], []
    for loss in losses:
        stops.append(es.step(loss))
        epochs.append(es.best_epoch)
    return stops, epochs


def test_early_stopping_by_hand():
    es = EarlyStopping(patience=2)
    assert es.best == math.inf and es.best_epoch is None
    # epoch:        0     1     2     3     4     5     6
    losses = [1.0, 0.8, 0.8, 0.9, 0.7, 0.75, 0.76]
    # wait:         0     0     1     2     0     1     2
    stops, epochs = _trace(es, losses)
    assert stops == [False, False, False, True, False, False, True]
    assert epochs == [0, 1, 1, 1, 4, 4, 4]
    assert es.best == 0.7


def test_early_stopping_min_delta_by_hand():
    es = EarlyStopping(patience=3, min_delta=0.013)
    # 0.99 is not < 1.0 - 0.013 = 0.987; 0.98 is; 0.97 is not < 0.967; 0.96 is.
    stops, epochs = _trace(es, [1.0, 0.99, 0.98, 0.97, 0.96, 0.95, 0.95, 0.95])
    assert epochs == [0, 0, 2, 2, 4, 4, 4, 4]
    assert stops == [False, False, False, False, False, False, False, True]


def test_early_stopping_patience_one_and_exact_delta():
    es = EarlyStopping(patience=1, min_delta=0.25)
    stops, epochs = _trace(es, [2.0, 1.75, 1.5, 1.0])  # 1.75 = 2 - 0.25 exactly: not an improvement
    assert stops == [False, True, False, False]
    assert epochs == [0, 0, 2, 3]
