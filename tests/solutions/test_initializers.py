"""Oracle tests of solutions/initializers.py against torch.nn.init (bounds and statistics, not values:
torch's weight has shape (fan_out, fan_in), ours (fan_in, fan_out)), and the initialiser judges of
the hidden cases over 1000 seeds."""
import math

import numpy as np
import pytest
import torch

from autograder.grading.cases import Case
from autograder.grading.cases import lab04_regularization_init as cases
from solutions.initializers import he_normal, xavier_uniform

SHAPES = [(300, 120), (64, 500)]


def _torch_weight(fan_in, fan_out, init, **kw):
    torch.manual_seed(0)
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)
    init(w, **kw)
    return w.numpy()


@pytest.mark.parametrize("fan_in,fan_out", SHAPES)
def test_xavier_uniform_against_torch(fan_in, fan_out):
    ours = xavier_uniform(fan_in, fan_out, np.random.default_rng(0))
    theirs = _torch_weight(fan_in, fan_out, torch.nn.init.xavier_uniform_)
    assert ours.shape == (fan_in, fan_out) and theirs.shape == (fan_out, fan_in)
    # same bound: both samples (36 000 / 32 000 values) reach within 0.1% of it and never exceed it
    bound = max(np.abs(theirs).max(), np.abs(ours).max())
    assert np.abs(ours).max() <= bound and np.abs(ours).max() > 0.999 * np.abs(theirs).max()
    assert np.abs(theirs).max() > 0.999 * np.abs(ours).max()
    # same variance (each within ~1.5% at 5 sd, so within 3% of each other) and mean 0
    assert ours.var() == pytest.approx(theirs.var(), rel=0.03)
    assert abs(ours.mean()) < 5 * ours.std() / math.sqrt(ours.size)


@pytest.mark.parametrize("fan_in,fan_out", SHAPES)
def test_he_normal_against_torch(fan_in, fan_out):
    ours = he_normal(fan_in, fan_out, np.random.default_rng(1))
    theirs = _torch_weight(fan_in, fan_out, torch.nn.init.kaiming_normal_, mode="fan_in", nonlinearity="relu")
    assert ours.shape == (fan_in, fan_out)
    # std: each within 5 sd (sd = σ/√(2N) ≈ 0.4% of σ) of σ, so within 4% of each other
    assert ours.std() == pytest.approx(theirs.std(), rel=0.04)
    assert ours.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.02)  # the formula by hand
    for w in (ours, theirs):
        c = w - w.mean()
        assert abs(np.mean(c**4) / np.mean(c**2) ** 2 - 3) < 0.15  # normal: excess kurtosis 0


def test_xavier_bound_by_hand():
    w = xavier_uniform(10, 14, np.random.default_rng(2))  # a = √(6/24) = 0.5
    assert w.shape == (10, 14) and np.abs(w).max() <= 0.5


def _judge_over_seeds(fn, judge, seeds=1000):
    template = cases._init_cases(np.random.default_rng(10**6))
    assert sum(c.args[0] * c.args[1] >= cases.MIN_STAT_SIZE for c in template) >= 3
    failed = 0
    for seed in range(seeds):
        for c in template:
            case = Case(c.name, (c.args[0], c.args[1], np.random.default_rng(seed)))
            if judge(case.call(fn), None, case) is not None:
                failed += 1
                break
    return failed


@pytest.mark.parametrize("name", ["xavier_uniform", "he_normal"])
def test_init_judges_pass_reference_on_1000_seeds(name):
    fn, judge = {"xavier_uniform": (xavier_uniform, cases.judge_xavier), "he_normal": (he_normal, cases.judge_he)}[name]
    failed = _judge_over_seeds(fn, judge)
    assert failed <= 1, f"the {name} judge fails the reference on {failed} of 1000 seeds"


def _xavier_fan_in(fan_in, fan_out, rng):
    """The slides' main Xavier form U(±√(6/n_in)) (slide "Xavier Glorot Initialization")."""
    a = math.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def test_xavier_judge_accepts_the_slides_main_form_on_1000_seeds():
    failed = _judge_over_seeds(_xavier_fan_in, cases.judge_xavier)
    assert failed <= 1, f"the xavier judge fails U(±√(6/fan_in)) on {failed} of 1000 seeds"


@pytest.mark.parametrize("bound", [lambda i, o: math.sqrt(6.0 / o), lambda i, o: 1 / math.sqrt(i),
                                   lambda i, o: math.sqrt(3.0 / (i + o)), lambda i, o: math.sqrt(12.0 / i)])
def test_xavier_judge_rejects_other_bounds(bound):
    """√(6/fan_out), the 1/√fan_in heuristic, half the fan-average variance, twice the fan-in one."""
    template = cases._init_cases(np.random.default_rng(10**6))
    for seed in range(5):
        rng = np.random.default_rng(seed)
        verdicts = [cases.judge_xavier(rng.uniform(-bound(i, o), bound(i, o), size=(i, o)), None, c)
                    for c in template for i, o in [c.args[:2]]]
        assert any(v is not None for v in verdicts)


def test_init_judges_reject_the_other_initialiser():
    """The judges can fail: He-normal weights are not Xavier-uniform and vice versa."""
    case = Case("(300, 120)", (300, 120, np.random.default_rng(0)))
    assert cases.judge_xavier(he_normal(300, 120, np.random.default_rng(0)), None, case) is not None
    assert cases.judge_he(xavier_uniform(300, 120, np.random.default_rng(0)), None, case) is not None
