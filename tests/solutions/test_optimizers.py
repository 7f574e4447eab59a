"""The update rules, clipping and minibatching against independent oracles.

Oracles: torch.optim (float64, many steps, gradients of a non-trivial function from autograd),
torch.nn.utils.clip_grad_norm_, and hand calculations written out below.
"""
import math

import numpy as np
import pytest
import torch

from solutions.batching import minibatches
from solutions.optimizers import adagrad, adam, clip_by_norm, nesterov, rmsprop, rmsprop_nesterov, sgd, sgd_momentum

_GEN = torch.Generator().manual_seed(3)
_X = torch.randn(6, 3, generator=_GEN, dtype=torch.float64)
_C = torch.rand(3, 2, generator=_GEN, dtype=torch.float64) + 0.5
W0 = np.array([[0.8, -1.3], [0.2, 1.7], [-0.9, 0.4]])


def loss(W):
    """A non-quadratic loss of W (3, 2): softplus terms, a scaled ridge term and a ripple."""
    return torch.nn.functional.softplus(_X @ W).sum() + 0.5 * (_C * W**2).sum() + torch.sin(3 * W).sum()


def grad(w):
    """∂loss/∂W at w (NumPy in, NumPy out), from autograd."""
    W = torch.tensor(np.asarray(w), dtype=torch.float64, requires_grad=True)
    loss(W).backward()
    return W.grad.numpy().copy()


def torch_trajectory(make_opt, steps):
    """Parameters after each step of the torch optimiser ``make_opt([W])`` from W0."""
    W = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
    opt = make_opt([W])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss(W).backward()
        opt.step()
        out.append(W.detach().numpy().copy())
    return out


def our_trajectory(rule, steps, **hyper):
    w, state, out = W0.copy(), {}, []
    for _ in range(steps):
        w, state = rule(w, grad(w), state, **hyper)
        out.append(w.copy())
    return out


def assert_same_paths(ours, theirs, rtol=1e-10, atol=1e-12):
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {k + 1}")


def test_sgd_matches_torch():
    theirs = torch_trajectory(lambda p: torch.optim.SGD(p, lr=0.043), 40)
    assert_same_paths(our_trajectory(sgd, 40, lr=0.043), theirs)


@pytest.mark.parametrize("mu", [0.63, 0.9])
def test_momentum_matches_torch(mu):
    # torch: buf ← μ buf + g, p ← p − η buf. With Δw = −η buf this is Δw ← −η g + μ Δw, w ← w + Δw.
    theirs = torch_trajectory(lambda p: torch.optim.SGD(p, lr=0.021, momentum=mu), 60)
    assert_same_paths(our_trajectory(sgd_momentum, 60, lr=0.021, mu=mu), theirs)


def test_nesterov_lookahead_point_equals_torch_parameters():
    # torch's SGD(nesterov=True) keeps the look-ahead point θ = w + μΔw as its parameters:
    # buf ← μ buf + ∇L(θ); θ ← θ − η(∇L(θ) + μ buf). Our w + μΔw must equal torch's θ at every step.
    lr, mu, steps = 0.019, 0.77, 60
    theirs = torch_trajectory(lambda p: torch.optim.SGD(p, lr=lr, momentum=mu, nesterov=True), steps)
    w, state, ours = W0.copy(), {}, []
    for _ in range(steps):
        w, state = nesterov(w, grad, state, lr=lr, mu=mu)
        ours.append(w + mu * state["v"])
    assert_same_paths(ours, theirs)


def test_nesterov_evaluates_the_gradient_at_the_lookahead_point():
    # Hand calculation on L(w) = w², ∇L = 2w, from w = 1 with η = 0.1, μ = 0.5:
    # step 1: Δw = −0.1·2·1 = −0.2, w = 0.8; step 2: look-ahead 0.8 + 0.5·(−0.2) = 0.7,
    # g = 1.4, Δw = −0.14 + 0.5·(−0.2) = −0.24, w = 0.56.
    seen = []

    def grad_fn(x):
        seen.append(float(np.asarray(x)))
        return 2 * np.asarray(x)

    w, state = np.array(1.0), {}
    w, state = nesterov(w, grad_fn, state, lr=0.1, mu=0.5)
    assert float(w) == pytest.approx(0.8)
    w, state = nesterov(w, grad_fn, state, lr=0.1, mu=0.5)
    assert float(w) == pytest.approx(0.56)
    assert seen == pytest.approx([1.0, 0.7])


@pytest.mark.parametrize("delta", [1e-10, 1e-3])
def test_adagrad_matches_torch(delta):
    # torch: sum ← sum + g², p ← p − η g / (√sum + eps): eps outside the root, like δ here.
    theirs = torch_trajectory(lambda p: torch.optim.Adagrad(p, lr=0.3, eps=delta, initial_accumulator_value=0.0), 50)
    assert_same_paths(our_trajectory(adagrad, 50, lr=0.3, delta=delta), theirs)


@pytest.mark.parametrize("delta", [0.0, 1e-8, 1e-3])
def test_rmsprop_matches_torch(delta):
    # torch: v ← α v + (1 − α) g², p ← p − η g / (√v + eps): eps outside the root, like the slides' δ.
    theirs = torch_trajectory(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.83, eps=delta), 50)
    assert_same_paths(our_trajectory(rmsprop, 50, lr=0.01, rho=0.83, delta=delta), theirs)


def test_rmsprop_puts_delta_outside_the_root_as_the_slides():
    # w = 1, g = 1, ρ = 0.5, δ = 1, η = 0.1: r = 0.5·0 + 0.5·1 = 0.5,
    # step = 0.1 / (1 + √0.5) = 0.0585786 (δ inside would give 0.1 / √(1 + 0.5) = 0.0816497).
    w, state = rmsprop(np.array([1.0]), np.array([1.0]), {}, lr=0.1, rho=0.5, delta=1.0)
    assert w[0] == pytest.approx(1 - 0.1 / (1 + math.sqrt(0.5)), rel=1e-12)
    assert state["r"][0] == pytest.approx(0.5)


@pytest.mark.parametrize("mu", [0.0, 0.7])
def test_rmsprop_nesterov_with_a_constant_gradient_is_torch_rmsprop_with_momentum(mu):
    # For a linear loss the look-ahead point does not change the gradient, so the slide's rule
    # (v ← μ v − ε g/(δ + √r), w ← w + v) is torch's RMSprop(momentum=μ):
    # b ← μ b + g/(√r + eps), p ← p − η b, with Δw = −η b.
    c = np.array([[0.7, -1.9], [2.4, 0.05], [-0.3, 1.1]])
    p = torch.tensor(W0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([p], lr=0.02, alpha=0.8, eps=1e-6, momentum=mu)
    w, state = W0.copy(), {}
    for step in range(30):
        opt.zero_grad()
        (torch.tensor(c) * p).sum().backward()
        opt.step()
        w, state = rmsprop_nesterov(w, lambda x: c.copy(), state, lr=0.02, mu=mu, rho=0.8, delta=1e-6)
        np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"step {step + 1}")


def test_rmsprop_nesterov_by_hand_evaluates_at_the_look_ahead_point():
    # L(w) = w², ∇L = 2w, from w = 1 with ε = 0.1, μ = 0.5, ρ = 0.5, δ = 0 (the slide's formula):
    # step 1: g = 2, r = 0.5·4 = 2, v = −0.1·2/√2 = −0.1414214, w = 0.8585786;
    # step 2: look-ahead 0.8585786 − 0.0707107 = 0.7878680, g = 1.5757359,
    #         r = 0.5·2 + 0.5·2.4829437 = 2.2414719, v = 0.5·(−0.1414214) − 0.1·1.5757359/1.4971546
    #         = −0.1759594, w = 0.6826193.
    seen = []

    def grad_fn(x):
        seen.append(float(np.asarray(x)))
        return 2 * np.asarray(x)

    w, state = rmsprop_nesterov(np.array(1.0), grad_fn, {}, lr=0.1, mu=0.5, rho=0.5, delta=0.0)
    assert float(w) == pytest.approx(1 - 0.1 * 2 / math.sqrt(2), rel=1e-12)
    w, state = rmsprop_nesterov(w, grad_fn, state, lr=0.1, mu=0.5, rho=0.5, delta=0.0)
    look = 1 - 0.2 / math.sqrt(2) + 0.5 * (-0.2 / math.sqrt(2))
    r2 = 0.5 * 2 + 0.5 * (2 * look) ** 2
    v2 = 0.5 * (-0.2 / math.sqrt(2)) - 0.1 * 2 * look / math.sqrt(r2)
    assert seen == pytest.approx([1.0, look], rel=1e-12)
    assert float(w) == pytest.approx(1 - 0.2 / math.sqrt(2) + v2, rel=1e-12)
    assert float(w) == pytest.approx(0.6826193, abs=1e-7)
    assert sorted(state) == ["r", "v"]


def test_rmsprop_nesterov_delta_keeps_a_zero_gradient_coordinate_still():
    # r = 0 where every gradient was 0: δ outside the root gives a step of 0 there, not 0/0.
    w, state = rmsprop_nesterov(np.array([1.0, 2.0]), lambda x: np.array([0.0, 1.0]), {}, lr=0.1, mu=0.9)
    assert w[0] == 1.0 and np.isfinite(w).all()


@pytest.mark.parametrize("rho1,rho2,delta", [(0.9, 0.999, 1e-8), (0.77, 0.888, 1e-3)])
def test_adam_matches_torch(rho1, rho2, delta):
    # torch: p ← p − (η / (1 − ρ1^t)) · s / (√r / √(1 − ρ2^t) + eps), t = update count.
    theirs = torch_trajectory(lambda p: torch.optim.Adam(p, lr=0.02, betas=(rho1, rho2), eps=delta), 50)
    assert_same_paths(our_trajectory(adam, 50, lr=0.02, rho1=rho1, rho2=rho2, delta=delta), theirs)


def test_adam_first_step_has_size_lr():
    # t = 1: ŝ = g, r̂ = g², so Δw = −η g / (|g| + δ) ≈ −η sign(g) whatever the size of g.
    g = np.array([[3.0, -1e-3], [250.0, -0.4]])
    w, state = adam(np.zeros((2, 2)), g, {}, lr=0.01, delta=1e-8)
    np.testing.assert_allclose(w, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    assert state["t"] == 1


@pytest.mark.parametrize("rule,hyper", [
    (sgd, {"lr": 0.1}), (sgd_momentum, {"lr": 0.1, "mu": 0.9}), (adagrad, {"lr": 0.1}),
    (rmsprop, {"lr": 0.1}), (adam, {"lr": 0.1}),
])
def test_rules_leave_their_inputs_alone(rule, hyper):
    w, g = W0.copy(), grad(W0)
    w1, state = rule(w, g, {}, **hyper)
    snapshot = {k: np.array(v, copy=True) for k, v in state.items()}
    w2, _ = rule(w1, g, state, **hyper)
    np.testing.assert_array_equal(w, W0)
    assert not np.shares_memory(w1, w2)
    for k, v in snapshot.items():
        np.testing.assert_array_equal(state[k], v)


@pytest.mark.parametrize("factor", [0.3, 1.0, 2.5])
def test_clip_by_norm_matches_torch(factor):
    g = np.random.default_rng(7).normal(size=(4, 3, 2))
    nu = factor * np.linalg.norm(g.ravel())
    p = torch.zeros(4, 3, 2, dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_norm_([p], max_norm=nu)
    # torch scales by ν / (‖g‖ + 1e-6), hence the tolerance.
    np.testing.assert_allclose(clip_by_norm(g, nu), p.grad.numpy(), rtol=1e-6)
    assert np.linalg.norm(clip_by_norm(g, nu)) <= nu * (1 + 1e-12)


def test_clip_by_norm_hand_values():
    np.testing.assert_allclose(clip_by_norm(np.array([[3.0], [4.0]]), 2.5), [[1.5], [2.0]])
    np.testing.assert_array_equal(clip_by_norm(np.array([3.0, 4.0]), 10.0), [3.0, 4.0])
    np.testing.assert_array_equal(clip_by_norm(np.zeros(3), 0.1), np.zeros(3))


@pytest.mark.parametrize("n,m", [(103, 10), (96, 32), (17, 1), (9, 9), (9, 50)])
def test_minibatches_partition_a_permutation(n, m):
    batches = minibatches(n, m, np.random.default_rng(11))
    assert len(batches) == math.ceil(n / m)
    assert [len(b) for b in batches[:-1]] == [m] * (len(batches) - 1)
    assert len(batches[-1]) == n - m * (len(batches) - 1)
    every = np.concatenate(batches)
    assert every.dtype.kind in "iu"
    np.testing.assert_array_equal(np.sort(every), np.arange(n))  # each sample exactly once


def test_minibatches_shuffle_with_the_given_generator():
    a = np.concatenate(minibatches(50, 7, np.random.default_rng(1)))
    b = np.concatenate(minibatches(50, 7, np.random.default_rng(1)))
    np.testing.assert_array_equal(a, b)  # same generator state, same batches
    rng = np.random.default_rng(1)
    first, second = np.concatenate(minibatches(50, 7, rng)), np.concatenate(minibatches(50, 7, rng))
    assert not np.array_equal(first, second)  # the generator advances: a new order each epoch
    assert not np.array_equal(a, np.arange(50))
