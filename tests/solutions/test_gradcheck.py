"""Oracle tests of solutions/gradcheck.py: analytic gradients of known functions and hand calculations."""
import numpy as np
import pytest

from solutions.gradcheck import numerical_gradient, relative_error


def test_quadratic_is_exact():
    # f = Σ x², ∇f = 2x; central differences are exact for quadratics (up to rounding).
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(v ** 2)), x), [2.0, -4.0, 6.0], atol=1e-8)


def test_cubic_with_large_h_is_central():
    # ((x+h)³ − (x−h)³) / (2h) = 3x² + h²; a forward difference would give 3x² + 3xh + h².
    x = np.array([1.0, -0.5, 2.0])
    got = numerical_gradient(lambda v: float(np.sum(v ** 3)), x, h=0.1)
    np.testing.assert_allclose(got, 3 * x ** 2 + 0.01, rtol=1e-10)


def test_per_element_gradient_on_2d_input_and_x_unchanged():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 4))
    x = rng.normal(size=(3, 4))
    before = x.copy()
    f = lambda v: float(np.sum(np.sin(A * v)) + np.sum(v[0] * v[1]))  # noqa: E731
    analytic = A * np.cos(A * x)
    analytic[0] += x[1]
    analytic[1] += x[0]
    got = numerical_gradient(f, x)
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got, analytic, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_three_d_input_and_odd_h():
    rng = np.random.default_rng(1)
    c = rng.uniform(0.5, 1.5, (2, 3, 2))
    x = rng.normal(size=(2, 3, 2))
    got = numerical_gradient(lambda v: float(np.sum(np.exp(c * v))), x, h=1e-4)
    np.testing.assert_allclose(got, c * np.exp(c * x), rtol=1e-7)


def test_matrix_quadratic_form():
    rng = np.random.default_rng(2)
    M = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    np.testing.assert_allclose(numerical_gradient(lambda v: float(v @ M @ v), x), (M + M.T) @ x, atol=1e-8)


@pytest.mark.parametrize("a,b,expected", [
    ([1.0, 2.0], [1.0, 2.0], 0.0),
    ([1.0], [3.0], 0.5),                      # 2 / 4
    ([0.0, 1.0], [0.0, 1.5], 0.2),            # zeros in both -> 0; 0.5 / 2.5
    ([0.0, 0.0], [0.0, 0.0], 0.0),
    ([1e-9], [0.0], 0.1),                     # 1e-9 / max(1e-8, 1e-9)
    ([1.0, -1.0], [-1.0, 1.0], 1.0),          # 2 / 2
    ([[1.0, 10.0], [2.0, 4.0]], [[1.1, 10.0], [2.0, 3.0]], 1 / 7),  # max(0.1/2.1, 1/7)
])
def test_relative_error_by_hand(a, b, expected):
    got = relative_error(np.array(a), np.array(b))
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)
