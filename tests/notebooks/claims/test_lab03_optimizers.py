"""Lab 3's claims about its experiments, rerun with the reference rules and the notebook's own landscapes,
start points and hand-tuned hyperparameters (plus two more start points each, so that no claim rests on one
path). Deterministic NumPy, a fraction of a second."""
import numpy as np
import pytest

from tests.notebooks.claims.reference import bound_in_cell, given_cells, reference_functions

LAB = "lab03_optimizers"


@pytest.fixture(scope="module")
def lab():
    ns = given_cells(LAB, ["experiment_helpers"], {"np": np, **reference_functions(LAB)})
    ns["HYPER"] = bound_in_cell(LAB, "Hand-tuned hyperparameters per landscape", "HYPER")
    return ns


def _paths(lab, landscape, starts):
    land, hyper = lab["LANDSCAPES"][landscape], lab["HYPER"][landscape]
    return {name: [lab["run_optimizer"](rule, land["grad"], w0, land["steps"], **hyper[name]) for w0 in starts]
            for name, rule in lab["RULES"].items()}


def _crossings(path):
    """How often the path's y changes sign."""
    y = np.sign(path[:, 1])
    return int(np.sum(y[1:] != y[:-1]))


def _detour(path):
    """Length of the path over the distance it covers (1 for a straight line)."""
    return float(np.sum(np.linalg.norm(np.diff(path, axis=0), axis=1)) / np.linalg.norm(path[-1] - path[0]))


QUADRATIC_STARTS = [(-4.5, 1.2), (-4.0, -1.0), (-3.0, 1.5)]   # the notebook's, then two more


def test_quadratic_sgd_zigzags_only_adagrad_goes_straight_rmsprop_and_adam_keep_crossing(lab):
    assert lab["LANDSCAPES"]["ill-conditioned quadratic"]["w0"] == QUADRATIC_STARTS[0]
    paths = _paths(lab, "ill-conditioned quadratic", QUADRATIC_STARTS)
    for k in range(len(QUADRATIC_STARTS)):
        sgd = paths["sgd"][k]
        assert _crossings(sgd) == len(sgd) - 1, "SGD's y changes sign at every step (1 − 25η < 0)"
        assert _detour(paths["nesterov"][k]) < _detour(paths["momentum"][k]), "Nesterov's path is shorter than momentum's"
        assert _crossings(paths["adagrad"][k]) <= 1 and _detour(paths["adagrad"][k]) < 1.1, "AdaGrad goes almost straight"
        for name in ("rmsprop", "adam"):
            assert _crossings(paths[name][k]) >= 5, f"{name} keeps crossing y = 0 from {QUADRATIC_STARTS[k]}"


def test_saddle_sgd_lingers_longest(lab):
    """'SGD lingers at the saddle point for many steps. Momentum builds up speed ...; the adaptive
    methods ... leave at once': steps until |y| > 1, from the notebook's start and two nearby ones."""
    starts = [(-2.0, 1e-3), (-2.0, -1e-3), (-1.5, 1e-3)]
    paths = _paths(lab, "saddle  x² − y²", starts)

    def leave(path):
        far = np.flatnonzero(np.abs(path[:, 1]) > 1.0)
        return int(far[0]) if far.size else len(path)

    for k in range(len(starts)):
        steps = {name: leave(p[k]) for name, p in paths.items()}
        assert steps["momentum"] < steps["sgd"], steps
        for name in ("adagrad", "rmsprop", "adam"):
            assert steps[name] <= steps["sgd"] / 2, steps


def test_rosenbrock_adagrad_slows_down(lab):
    """'Watch AdaGrad slow down as its accumulated r keeps growing': its steps shrink along the valley."""
    (path,) = _paths(lab, "Rosenbrock", [(-1.2, 1.0)])["adagrad"]
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    assert steps[-100:].mean() < steps[100:200].mean() / 2


CLIFF_STARTS = [(-1.5, 2.5), (-1.0, 2.0), (1.5, 0.5)]   # the notebook's wall, then the two it suggests


@pytest.mark.parametrize("start", CLIFF_STARTS)
def test_clipping_keeps_sgd_on_the_cliff_from_diverging(lab, start):
    """4.5: SGD at η = 3e-3 leaves the box within a few steps; clipped at ν = 10 or 100 it stays and descends."""
    ns = dict(lab)
    given = bound_in_cell(LAB, "def sgd_path", "rosenbrock", ns)
    ns["rosenbrock"] = given
    exec(compile(_function_source("def sgd_path"), "<sgd_path>", "exec"), ns)
    f = given["f"]
    unclipped = ns["sgd_path"](start, 3e-3)
    assert len(unclipped) <= 11, f"not clipped, SGD should leave the box quickly from {start}"
    for nu in (10.0, 100.0):
        path = ns["sgd_path"](start, 3e-3, nu)
        assert len(path) == 1001 and f(*path[-1]) < min(1.0, f(*start) / 10), (start, nu, f(*path[-1]))


def _function_source(header):
    import ast

    from tests.notebooks.claims.reference import cell_with

    source = cell_with(LAB, header)
    tree = ast.parse(source)
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == header.split()[1]]
    return ast.get_source_segment(source, node)


def test_momentum_and_adagrad_steps_are_what_the_predictions_are_checked_against():
    """4.6: with g = 1, momentum's step tends to η/(1 − μ) = 1 and AdaGrad's t-th step is η/√t."""
    rules = reference_functions(LAB)
    w, state = np.zeros(1), {}
    for _ in range(200):
        w_new, state = rules["sgd_momentum"](w, np.ones(1), state, lr=0.1, mu=0.9)
        step, w = abs(w_new[0] - w[0]), w_new
    assert step == pytest.approx(0.1 / (1 - 0.9), rel=1e-6)
    w, state, steps = np.zeros(1), {}, []
    for _ in range(100):
        w_new, state = rules["adagrad"](w, np.ones(1), state, lr=1.0, delta=0.0)
        steps.append(abs(w_new[0] - w[0]))
        w = w_new
    assert [steps[t - 1] for t in (1, 4, 100)] == pytest.approx([1.0, 0.5, 0.1])


def test_rosenbrock_every_method_reaches_the_valley_quickly(lab):
    """'all methods reach the valley quickly; moving along its flat, curved floor is the hard part': every rule
    comes within 0.1 of the floor y = x² in the first 50 of its 1000 steps, and no rule ends at the minimum's
    loss 0 as fast (the end losses stay above 1e-6)."""
    starts = [(-1.2, 1.0), (-1.0, 1.5), (1.5, 1.0)]
    f = lab["LANDSCAPES"]["Rosenbrock"]["f"]
    for name, paths in _paths(lab, "Rosenbrock", starts).items():
        for start, path in zip(starts, paths):
            near = np.flatnonzero(np.abs(path[:, 1] - path[:, 0] ** 2) < 0.1)
            assert near.size and near[0] <= 50, (name, start)
            assert f(*path[-1]) > 1e-6, (name, start)
