"""Oracle tests of solutions/linear_models.py: torch.nn.functional.linear, torch.linalg.lstsq and the
normal equations written out, plus the optimality condition (zero gradient of the squared error)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from solutions.linear_models import fit_least_squares, linear_neuron

RNG = np.random.default_rng(7)


def t(x):
    return torch.tensor(x, dtype=torch.float64)


def test_linear_neuron_matches_torch_linear():
    X = RNG.normal(0, 1, (6, 4))
    W = RNG.normal(0, 1, (4, 3))
    b = RNG.normal(0, 1, 3)
    # torch stores a layer's weight as (out, in): F.linear(x, W.T, b) = x W + b
    np.testing.assert_allclose(linear_neuron(X, W, b), F.linear(t(X), t(W.T), t(b)).numpy(), rtol=1e-12)
    w = RNG.normal(0, 1, 4)
    np.testing.assert_allclose(linear_neuron(X, w, 0.5), F.linear(t(X), t(w[None]), t([0.5])).numpy()[:, 0], rtol=1e-12)
    assert linear_neuron(X, w, 0.5).shape == (6,)


def test_linear_neuron_hand_value():
    np.testing.assert_allclose(linear_neuron(np.array([[1.0, 2.0]]), np.array([3.0, -1.0]), 0.5), [1.5])


@pytest.mark.parametrize("k", [None, 1, 3])
def test_fit_least_squares_matches_torch_lstsq_and_normal_equations(k):
    X = RNG.normal(1.0, 2.0, (30, 4))
    y_o = RNG.normal(0, 1, 30 if k is None else (30, k))
    w, b = fit_least_squares(X, y_o)
    A = np.column_stack([X, np.ones(30)])
    normal = np.linalg.solve(A.T @ A, A.T @ y_o)  # AᵀA θ = Aᵀ y_o written out
    ref = torch.linalg.lstsq(t(A), t(y_o if k else y_o[:, None]), driver="gelsd").solution.numpy()
    ref = ref[:, 0] if k is None else ref
    for theta in (normal, ref):
        np.testing.assert_allclose(w, theta[:-1], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b, theta[-1], rtol=1e-9, atol=1e-12)
    if k is None:
        assert isinstance(b, float) and w.shape == (4,)
    else:
        assert w.shape == (4, k) and b.shape == (k,)
    # optimality: the gradient of ‖Xw + b − y_o‖² vanishes
    r = X @ w + b - y_o
    np.testing.assert_allclose(X.T @ r, 0, atol=1e-9)
    np.testing.assert_allclose(r.sum(axis=0), 0, atol=1e-9)


def test_fit_least_squares_recovers_an_exact_line():
    # hand calculation: points on y = 2x − 1
    X = np.array([[0.0], [1.0], [2.0], [5.0]])
    w, b = fit_least_squares(X, 2 * X[:, 0] - 1)
    np.testing.assert_allclose(w, [2.0])
    assert b == pytest.approx(-1.0)


def test_fit_least_squares_hand_value_mean_of_pairs():
    # x = 0 twice (y 0 and 2), x = 1 twice (y 1 and 5): best line through the means (0, 1) and (1, 3)
    w, b = fit_least_squares(np.array([[0.0], [0.0], [1.0], [1.0]]), np.array([0.0, 2.0, 1.0, 5.0]))
    np.testing.assert_allclose(w, [2.0])
    assert b == pytest.approx(1.0)
