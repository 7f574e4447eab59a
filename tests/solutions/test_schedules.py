"""Learning-rate schedules against hand-written tables and torch.optim.lr_scheduler."""
import math

import numpy as np
import pytest
import torch

from solutions.schedules import exponential_decay, piecewise_constant, polynomial_decay


def torch_lrs(make_scheduler, lr0, steps):
    """The learning rate torch's scheduler sets at epochs 0 .. steps−1."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr0)
    sched = make_scheduler(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


def test_piecewise_constant_hand_table():
    # TensorFlow's convention: values[0] for step ≤ 10, values[1] for 10 < step ≤ 20, values[2] after.
    b, v = [10, 20], [1.0, 0.5, 0.1]
    table = {0: 1.0, 9: 1.0, 10: 1.0, 11: 0.5, 20: 0.5, 21: 0.1, 1000: 0.1}
    for step, lr in table.items():
        assert piecewise_constant(step, b, v) == lr, step
    assert isinstance(piecewise_constant(np.int64(15), b, v), float)


def test_piecewise_constant_is_multisteplr_shifted_by_one():
    # torch's MultiStepLR already uses the new rate AT a milestone (step ≥ milestone);
    # TensorFlow's boundaries switch one step later (step > boundary).
    milestones, gamma, lr0 = [7, 19, 30], 0.3, 0.8
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones, gamma), lr0, 45)
    values = [lr0 * gamma**i for i in range(4)]
    ours = np.array([piecewise_constant(s + 1, milestones, values) for s in range(45)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("decay_steps", [1, 7, 25])
def test_exponential_decay_matches_exponentiallr(decay_steps):
    # ExponentialLR multiplies by γ every step: γ = decay_rate^(1/decay_steps).
    lr0, rate = 0.37, 0.6
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, rate ** (1 / decay_steps)), lr0, 80)
    ours = np.array([exponential_decay(s, lr0, rate, decay_steps) for s in range(80)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_exponential_decay_staircase_matches_steplr():
    lr0, rate, decay_steps = 0.2, 0.83, 7
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=decay_steps, gamma=rate), lr0, 60)
    ours = np.array([exponential_decay(s, lr0, rate, decay_steps, staircase=True) for s in range(60)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_exponential_decay_hand_values():
    assert exponential_decay(0, 0.1, 0.5, 10) == pytest.approx(0.1)
    assert exponential_decay(10, 0.1, 0.5, 10) == pytest.approx(0.05)
    assert exponential_decay(15, 0.1, 0.5, 10) == pytest.approx(0.1 * 0.5**1.5)
    assert exponential_decay(15, 0.1, 0.5, 10, staircase=True) == pytest.approx(0.05)
    assert exponential_decay(19, 0.1, 0.5, 10, staircase=True) == pytest.approx(0.05)
    assert exponential_decay(20, 0.1, 0.5, 10, staircase=True) == pytest.approx(0.025)


@pytest.mark.parametrize("beta,alpha", [(0.05, 1.0), (0.3, 0.5), (0.01, 2.2)])
def test_polynomial_decay_matches_torch_lambdalr(beta, alpha):
    # LambdaLR sets lr0 · λ(t) at epoch t; λ(t) = (βt + 1)^(−α) is the slides' polynomial decay.
    lr0 = 0.6
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: (beta * t + 1) ** (-alpha)), lr0, 70)
    ours = np.array([polynomial_decay(s, lr0, beta, alpha) for s in range(70)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_polynomial_decay_hand_values():
    # η0 (βt + 1)^(−α): α = 1 is inverse-time decay η0/(1 + βt); β = 0 is constant.
    assert polynomial_decay(0, 0.4, 0.7, 1.3) == pytest.approx(0.4)
    assert polynomial_decay(10, 0.1, 0.1, 1.0) == pytest.approx(0.05)          # 0.1 / (1 + 1)
    assert polynomial_decay(3, 0.9, 1.0, 2.0) == pytest.approx(0.9 / 16)       # (3 + 1)^−2
    assert polynomial_decay(8, 0.5, 0.125, 0.5) == pytest.approx(0.5 / math.sqrt(2))
    assert polynomial_decay(10**6, 0.2, 0.0, 0.8) == pytest.approx(0.2)
    assert isinstance(polynomial_decay(np.int64(5), 0.1, 0.2, 1.0), float)
