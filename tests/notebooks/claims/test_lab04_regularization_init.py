"""Lab 4's claims about Experiment 1, rerun with the notebook's own `layer_activations` and the reference
initialisers on several seeds: N(0, 0.01²) shrinks the signal about six-fold per layer; Xavier (fan-average)
keeps tanh alive but loses about √2 per layer under ReLU; He keeps ReLU at a constant scale and drives the
first tanh layers into saturation more than Xavier does. (Experiment 2's under- and over-fitting take a
minute to train; the notebook reports them as one seed's run.) NumPy, about a second."""
import numpy as np
import pytest

from tests.notebooks.claims.reference import given_cells, reference_functions

LAB = "lab04_regularization_init"


@pytest.fixture(scope="module")
def helpers():
    source_ns = {"np": np, **reference_functions(LAB)}
    # the cell computes `spread` for seed 0 at the end; the helpers are what the tests call for other seeds
    return given_cells(LAB, ["spread_helpers"], source_ns)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_activations_across_ten_layers(helpers, seed):
    run = lambda init, act: [h for h in helpers["layer_activations"](helpers["inits"][init], helpers["acts"][act], seed=seed)]
    std = {(a, i): np.array([h.std() for h in run(i, a)]) for a in helpers["acts"] for i in helpers["inits"]}
    per_layer = {k: np.exp(np.mean(np.diff(np.log(v)))) for k, v in std.items()}   # geometric mean factor per layer
    assert 1 / 8 < per_layer[("tanh", "N(0, 0.01²)")] < 1 / 5, "about six-fold per layer (√(256·10⁻⁴) = 0.16)"
    assert std[("tanh", "Xavier uniform")][-1] > 0.15, "Xavier keeps tanh activations alive"
    assert per_layer[("tanh", "Xavier uniform")] > 0.85, "... shrinking slowly"
    assert per_layer[("ReLU", "Xavier uniform")] == pytest.approx(1 / np.sqrt(2), abs=0.05), "√2 lost per layer under ReLU"
    he_relu = std[("ReLU", "He normal")]
    assert he_relu.max() / he_relu.min() < 1.5, "He keeps ReLU activations at a constant scale"
    first = {i: np.mean(np.abs(run(i, "tanh")[0]) > 0.9) for i in ("Xavier uniform", "He normal")}
    assert first["He normal"] > 1.5 * first["Xavier uniform"] and first["He normal"] > 0.2, first
