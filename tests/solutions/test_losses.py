"""Oracle tests of solutions/losses.py: torch.nn.functional losses and autograd in float64, hand values."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from solutions import losses as L

RNG = np.random.default_rng(99)


def t(x, grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


def pairs():
    y = RNG.normal(0, 2, (7, 3))
    yield "2-D", y, y + RNG.normal(0, 2, (7, 3))
    yield "1-D", RNG.normal(0, 1, 11), RNG.normal(0, 3, 11)
    yield "ties and |r| = 1", np.array([0.0, 1.0, -1.0, 2.5, 3.0]), np.array([0.0, 0.0, 0.0, 0.0, 3.0])


PAIRS = list(pairs())
TORCH_LOSS = {
    "mse": (L.mse, L.mse_grad, lambda a, b: F.mse_loss(a, b), {}),
    "mae": (L.mae, L.mae_grad, lambda a, b: F.l1_loss(a, b), {}),
    "huber": (L.huber, L.huber_grad, lambda a, b: F.huber_loss(a, b, delta=1.0), {}),
    "huber delta=0.37": (L.huber, L.huber_grad, lambda a, b: F.huber_loss(a, b, delta=0.37), {"delta": 0.37}),
    "huber delta=2.6": (L.huber, L.huber_grad, lambda a, b: F.huber_loss(a, b, delta=2.6), {"delta": 2.6}),
}


@pytest.mark.parametrize("name", TORCH_LOSS)
@pytest.mark.parametrize("case", range(len(PAIRS)))
def test_loss_and_gradient_match_torch(name, case):
    loss, grad, torch_loss, kw = TORCH_LOSS[name]
    _, y, y_o = PAIRS[case]
    yt = t(y, grad=True)
    value = torch_loss(yt, t(y_o))
    value.backward()
    assert isinstance(loss(y, y_o, **kw), float)
    np.testing.assert_allclose(loss(y, y_o, **kw), value.item(), rtol=1e-12)
    # torch's l1_loss gradient is sign(r)/N, 0 at r = 0 (the lecture's convention); at |r| = δ both
    # Huber branches give r/N.
    np.testing.assert_allclose(grad(y, y_o, **kw), yt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_huber_at_delta_exactly():
    delta = 0.37
    r = np.array([delta, -delta])
    # both branches meet there: ½δ² = δ(δ − ½δ)
    assert L.huber(r, np.zeros(2), delta=delta) == pytest.approx(0.5 * delta**2, rel=1e-14)
    np.testing.assert_allclose(L.huber_grad(r, np.zeros(2), delta=delta), r / 2)


def test_hand_values():
    assert L.huber(np.array([2.0]), np.array([0.0])) == pytest.approx(1.5)  # δ(|r| − δ/2) = 2 − 0.5
    assert L.huber(np.array([0.5]), np.array([0.0])) == pytest.approx(0.125)
    assert L.mse(np.array([1.0, 3.0]), np.array([0.0, 0.0])) == pytest.approx(5.0)  # (1 + 9)/2
    assert L.mae(np.array([1.0, -3.0]), np.array([0.0, 0.0])) == pytest.approx(2.0)
    np.testing.assert_array_equal(L.mae_grad(np.array([1.0, 0.0, -2.0]), np.zeros(3)), [1 / 3, 0.0, -1 / 3])
    np.testing.assert_allclose(L.mse_grad(np.array([[1.0, 2.0]]), np.zeros((1, 2))), [[1.0, 2.0]])  # 2r/2
    # −(1/2)[log 0.5 + log 0.25]
    p = np.array([[0.5, 0.5, 0.0], [0.25, 0.0, 0.75]])
    y_o = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    assert L.cross_entropy(p, y_o) == pytest.approx(-(np.log(0.5) + np.log(0.25)) / 2)
    # uniform logits over k classes: log k
    assert L.cross_entropy_from_logits(np.zeros((3, 7)), np.array([0, 3, 6])) == pytest.approx(np.log(7))


def test_cross_entropy_matches_torch_nll_on_log_p():
    z = RNG.normal(0, 2, (9, 5))
    labels = RNG.integers(0, 5, 9)
    p = torch.softmax(t(z), dim=1)
    expected = F.nll_loss(torch.log(p), torch.tensor(labels)).item()
    assert L.cross_entropy(p.numpy(), np.eye(5)[labels]) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_soft_targets_match_torch():
    z = RNG.normal(0, 2, (6, 4))
    soft = RNG.dirichlet(np.ones(4), 6)
    expected = F.cross_entropy(t(z), t(soft)).item()  # probabilities as targets
    p = torch.softmax(t(z), dim=1).numpy()
    assert L.cross_entropy(p, soft) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_ignores_zero_targets_where_p_is_zero():
    p = np.array([[0.0, 0.2, 0.8], [0.0, 1.0, 0.0]])
    y_o = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = L.cross_entropy(p, y_o)
    assert value == pytest.approx(-np.log(0.8) / 2)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_cross_entropy_from_logits_matches_torch(scale):
    z = np.round(RNG.normal(0, 1, (8, 4))) * scale
    labels = RNG.integers(0, 4, 8)
    expected = F.cross_entropy(t(z), torch.tensor(labels)).item()
    got = L.cross_entropy_from_logits(z, labels)
    assert np.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_from_logits_extreme_hand_value():
    # logits (1000, −1000), label 1: loss = log(e^1000 + e^−1000) + 1000 ≈ 2000
    assert L.cross_entropy_from_logits(np.array([[1000.0, -1000.0]]), np.array([1])) == pytest.approx(2000.0)


def test_one_hot_matches_torch():
    labels = np.array([0, 3, 1, 3, 2])
    expected = F.one_hot(torch.tensor(labels), num_classes=6).numpy().astype(np.float64)
    out = L.one_hot(labels, 6)
    assert out.dtype == np.float64 and out.shape == (5, 6)
    np.testing.assert_array_equal(out, expected)
