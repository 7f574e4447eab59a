"""Oracle tests of solutions/activations.py: PyTorch float64 built-ins, autograd, hand values."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from solutions import activations as A

RNG = np.random.default_rng(1234)
X = np.concatenate([RNG.normal(0, 4, 200), [-30.0, -1e-3, 0.0, 1e-3, 30.0]])


def t(x):
    return torch.tensor(x, dtype=torch.float64)


TORCH = {
    "sigmoid": (A.sigmoid, torch.sigmoid),
    "tanh": (A.tanh, torch.tanh),
    "relu": (A.relu, torch.relu),
    "leaky_relu": (A.leaky_relu, lambda x: F.leaky_relu(x, 0.01)),
}
DERIVATIVES = {
    "sigmoid": (A.sigmoid_derivative, torch.sigmoid, {}),
    "tanh": (A.tanh_derivative, torch.tanh, {}),
    "relu": (A.relu_derivative, torch.relu, {}),
    "leaky_relu m=0.01": (A.leaky_relu_derivative, lambda x: F.leaky_relu(x, 0.01), {}),
    "leaky_relu m=0.2": (A.leaky_relu_derivative, lambda x: F.leaky_relu(x, 0.2), {"m": 0.2}),
}


@pytest.mark.parametrize("name", TORCH)
def test_activation_matches_torch(name):
    ours, theirs = TORCH[name]
    np.testing.assert_allclose(ours(X), theirs(t(X)).numpy(), rtol=1e-12, atol=1e-15)


def test_leaky_relu_slope_matches_torch():
    np.testing.assert_allclose(A.leaky_relu(X, m=0.2), F.leaky_relu(t(X), 0.2).numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", DERIVATIVES)
def test_derivative_matches_autograd(name):
    ours, fn, kw = DERIVATIVES[name]
    x = t(X).requires_grad_(True)
    fn(x).sum().backward()
    # torch's ReLU/leaky ReLU use the same convention at 0 as the lecture: slope of the x <= 0 branch.
    np.testing.assert_allclose(ours(X, **kw), x.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_hand_values():
    assert A.sigmoid(0.0) == 0.5
    assert A.sigmoid_derivative(0.0) == 0.25
    np.testing.assert_allclose(A.sigmoid(np.log(3.0)), 0.75)  # 1/(1 + 1/3)
    np.testing.assert_allclose(A.tanh_derivative(0.0), 1.0)
    np.testing.assert_array_equal(A.relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(A.relu_derivative(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(A.leaky_relu_derivative(np.array([-2.0, 0.0, 3.0]), m=0.2), [0.2, 0.2, 1.0])
    np.testing.assert_allclose(A.leaky_relu(np.array([-5.0, 4.0]), m=0.2), [-1.0, 4.0])
    assert A.relu_derivative(np.array([1.0])).dtype == np.float64


def test_sigmoid_extremes_are_finite():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        out = A.sigmoid(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(out, [0.0, 1.0])
    np.testing.assert_array_equal(A.sigmoid_derivative(np.array([-1000.0, 1000.0])), [0.0, 0.0])


def test_softmax_matches_torch_on_last_axis():
    z = RNG.normal(0, 3, (3, 4, 5))
    np.testing.assert_allclose(A.softmax(z), torch.softmax(t(z), dim=-1).numpy(), rtol=1e-12)
    shifted = RNG.normal(0, 1, (4, 6))
    shifted[1] += 1000.0
    shifted[2] -= 1000.0
    np.testing.assert_allclose(A.softmax(shifted), torch.softmax(t(shifted), dim=-1).numpy(), rtol=1e-12)


def test_softmax_large_logits_hand_value():
    # softmax([1000, 1001, 1002]) = softmax([0, 1, 2]) = e^k / (1 + e + e^2)
    expected = np.exp([0.0, 1.0, 2.0]) / (1 + np.e + np.e**2)
    np.testing.assert_allclose(A.softmax(np.array([1000.0, 1001.0, 1002.0])), expected, rtol=1e-12)


def test_log_softmax_matches_torch():
    z = np.array([[1000.0, -1000.0, 0.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(A.log_softmax(z), F.log_softmax(t(z), dim=-1).numpy(), rtol=1e-12)
