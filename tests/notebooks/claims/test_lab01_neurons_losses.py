"""Lab 1's claims about its experiments, rerun with the reference functions: E1 (least squares separates the
separable clouds, not the overlapping ones; a correctly classified very heavy elephant still moves the line)
and E4 (MSE ends at the mean, MAE zig-zags around the median without settling, Huber ends between them,
close to the median), on the notebook's data and on perturbed copies. NumPy, milliseconds."""
import numpy as np
import pytest

from labkit import data
from solutions.lab01_neurons_losses import fit_least_squares, huber, huber_grad, linear_neuron, mae, mae_grad, mse, mse_grad
from tests.notebooks.claims.reference import bound_in_cell

LAB = "lab01_neurons_losses"
E4 = "y_o = np.array([1.0, 1.3, 0.8, 1.1, 0.9, 1.2, 9.0])"


def _accuracy(X, y):
    w, b = fit_least_squares(X, np.where(y == 1, 1.0, -1.0))
    return np.mean((linear_neuron(X, w, b) > 0).astype(int) == y), w, b


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_e1_overlapping_clouds_are_not_separated(seed):
    separable, _, _ = _accuracy(*data.elephants_and_dogs(200, separable=True, seed=seed))
    overlapping, _, _ = _accuracy(*data.elephants_and_dogs(200, separable=False, seed=seed))
    assert separable == 1.0 and overlapping < 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_e1_a_correctly_classified_very_heavy_elephant_moves_the_line(seed):
    X, y = data.elephants_and_dogs(200, separable=True, seed=seed)
    _, w, b = _accuracy(X, y)
    heavy = X[y == 1].max(axis=0) * np.array([1.0, 3.0])        # as tall as the tallest, three times the weight
    assert linear_neuron(heavy[None], w, b)[0] > 1.0, "classified correctly, with an output far above +1"
    _, w2, b2 = _accuracy(np.vstack([X, heavy]), np.append(y, 1))
    assert np.abs(np.append(w2 - w, b2 - b)).max() > 1e-3, "the least-squares line moves"


def _descend(grad, y_o, eta, steps, c0):
    c, path = c0, [c0]
    for _ in range(steps):
        c = c - eta * np.sum(grad(np.full_like(y_o, c), y_o))
        path.append(c)
    return np.array(path)


def _datasets():
    y_o = bound_in_cell(LAB, E4, "y_o", {"np": np})
    yield y_o
    rng = np.random.default_rng(0)
    for _ in range(3):
        yield np.append(1.0 + 0.2 * rng.normal(size=6), 9.0)


@pytest.mark.parametrize("k", range(4))
def test_e4_mean_median_and_huber_in_between(k):
    y_o = list(_datasets())[k]
    ns = {"np": np}
    eta, steps, c0 = (bound_in_cell(LAB, E4, name, ns) for name in ("eta", "steps", "c0"))
    mean, median = y_o.mean(), np.median(y_o)
    c_mse = _descend(mse_grad, y_o, eta, steps, c0)[-1]
    mae_path = _descend(mae_grad, y_o, eta, steps, c0)
    c_huber = _descend(huber_grad, y_o, eta, steps, c0)[-1]
    assert c_mse == pytest.approx(mean, abs=1e-6), "the MSE's minimiser is the mean"
    last = mae_path[30:] - median
    assert np.sum(np.sign(last[1:]) != np.sign(last[:-1])) >= 10 and np.abs(last).min() > 0, \
        "MAE keeps jumping over the median"
    assert median < c_huber < mean and c_huber - median < (mean - median) / 4, "Huber ends between, close to the median"
    # the losses agree: each end point is (near) the minimum of its loss on a fine grid
    grid = np.linspace(0, 6, 6001)
    assert abs(grid[np.argmin([huber(np.full_like(y_o, c), y_o) for c in grid])] - c_huber) < 1e-2
    assert abs(grid[np.argmin([mae(np.full_like(y_o, c), y_o) for c in grid])] - median) < 1e-2
    assert abs(grid[np.argmin([mse(np.full_like(y_o, c), y_o) for c in grid])] - mean) < 1e-2
