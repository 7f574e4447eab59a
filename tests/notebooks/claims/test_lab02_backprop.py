"""Lab 2's claims about its experiments, rerun with the reference functions: 6.1 (every relative error of a
correct backward pass is below 1e-7, a 1 % error is not), 6.2 (no hidden layer stays far from separating the
spirals, the 2-32-32-2 ReLU MLP fits them) and 6.4 (the sigmoid network's gradient shrinks geometrically
towards the first layer, several-fold per layer, while tanh and ReLU keep it within a factor of ten), on
several seeds. NumPy, about two seconds."""
import numpy as np
import pytest

from labkit import data
from solutions.lab02_backprop import (mlp_backward, mlp_forward, numerical_gradient, relative_error,
                                      softmax_cross_entropy, train_mlp)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_gradient_check_of_a_correct_backward_pass_is_below_1e_7(seed):
    rng = np.random.default_rng(seed)
    sizes = [4, 6, 5, 3]
    X, y = rng.normal(0, 1, (10, 4)), rng.integers(0, 3, 10)
    params = [(rng.normal(0, 1 / np.sqrt(i), (i, o)), rng.normal(0, 0.1, o)) for i, o in zip(sizes[:-1], sizes[1:])]
    grads = mlp_backward(softmax_cross_entropy(*(mlp_forward(X, params, "tanh")[0], y))[1],
                         mlp_forward(X, params, "tanh")[1])
    for layer in range(3):
        for which in (0, 1):
            def f(P, layer=layer, which=which):
                ps = [list(p) for p in params]
                ps[layer][which] = P
                return softmax_cross_entropy(mlp_forward(X, [tuple(p) for p in ps], "tanh")[0], y)[0]
            numeric = numerical_gradient(f, params[layer][which].copy())
            assert relative_error(grads[layer][which], numeric) < 1e-7
            if which == 0 and layer == 0:
                assert relative_error(1.01 * grads[0][0], numeric) > 1e-3


def _init(sizes, seed):
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, np.sqrt(2 / i), (i, o)), np.zeros(o)) for i, o in zip(sizes[:-1], sizes[1:])]


@pytest.mark.parametrize("seed", [0, 1])
def test_spirals_need_a_hidden_layer(seed):
    X, y = data.two_spirals(n=400, seed=seed)
    accuracy = {}
    for name, sizes in {"linear": [2, 2], "mlp": [2, 32, 32, 2]}.items():
        params, _ = train_mlp(X, y, _init(sizes, seed), activation="relu", lr=0.2, epochs=150, mode="minibatch",
                              batch_size=16, rng=np.random.default_rng(seed + 1))
        accuracy[name] = np.mean(np.argmax(mlp_forward(X, params, "relu")[0], axis=1) == y)
    assert accuracy["linear"] < 0.75 and accuracy["mlp"] > 0.95, accuracy


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigmoid_gradients_vanish_geometrically(seed):
    X, y = data.two_spirals(n=400, seed=0)
    sizes = [2] + [32] * 9 + [2]
    ratio, per_layer = {}, {}
    for activation in ("sigmoid", "tanh", "relu"):
        rng = np.random.default_rng(seed)
        params = [(rng.normal(0, np.sqrt(1 / i), (i, o)), np.zeros(o)) for i, o in zip(sizes[:-1], sizes[1:])]
        scores, caches = mlp_forward(X, params, activation)
        norms = np.array([np.linalg.norm(dW) for dW, _ in mlp_backward(softmax_cross_entropy(scores, y)[1], caches)])
        ratio[activation] = norms[0] / norms[-1]
        per_layer[activation] = np.exp(-np.mean(np.diff(np.log(norms))))   # the shrink factor per layer towards the input
    assert ratio["sigmoid"] < 1e-4 and 3 < 1 / per_layer["sigmoid"] < 8, (ratio, per_layer)
    assert ratio["tanh"] > 1e-2 and ratio["relu"] > 1e-2, ratio
