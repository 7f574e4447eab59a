"""Oracle tests of solutions/training.py: PyTorch float64 autograd + torch.optim.SGD on the same batches."""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from solutions.training import train_mlp

TORCH_ACT = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


def _problem(seed, n, sizes):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 2, (sizes[-1], sizes[0]))
    labels = rng.integers(0, sizes[-1], n)
    X = centres[labels] + rng.normal(0, 1, (n, sizes[0]))
    params = [(rng.normal(0, 1 / np.sqrt(i), (i, o)), rng.normal(0, 0.1, o)) for i, o in zip(sizes[:-1], sizes[1:])]
    return X, labels, params


def _torch_forward(X, tparams, activation):
    a = torch.tensor(X, dtype=torch.float64)
    for i, (W, b) in enumerate(tparams):
        a = a @ W + b
        if i < len(tparams) - 1:
            a = TORCH_ACT[activation](a)
    return a


def _torch_params(params):
    return [(torch.tensor(W, dtype=torch.float64, requires_grad=True),
             torch.tensor(b, dtype=torch.float64, requires_grad=True)) for W, b in params]


def test_one_batch_epoch_is_one_gradient_step():
    X, labels, params = _problem(0, 20, [3, 5, 3])
    lr = 0.37
    new, losses = train_mlp(X, labels, params, activation="tanh", lr=lr, epochs=1, mode="batch")
    # The same step written by hand with autograd: w <- w - lr * dL/dw on the mean loss of all samples.
    tparams = _torch_params(params)
    loss = F.cross_entropy(_torch_forward(X, tparams, "tanh"), torch.tensor(labels))
    loss.backward()
    stepped = [(W.detach() - lr * W.grad, b.detach() - lr * b.grad) for W, b in tparams]
    for (W, b), (Wt, bt) in zip(new, stepped):
        np.testing.assert_allclose(W, Wt.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b, bt.numpy(), rtol=1e-12, atol=1e-14)
    after = F.cross_entropy(_torch_forward(X, stepped, "tanh"), torch.tensor(labels)).item()
    assert len(losses) == 1 and losses[0] == pytest.approx(after, rel=1e-12)


@pytest.mark.parametrize("mode,batch_size,activation", [("minibatch", 7, "relu"), ("stochastic", 4, "sigmoid"),
                                                        ("minibatch", 50, "tanh")])
def test_shuffled_modes_match_torch_sgd_on_the_pinned_batches(mode, batch_size, activation):
    X, labels, params = _problem(1, 23, [3, 6, 4, 3])
    lr, epochs = 0.21, 3
    rng = np.random.default_rng(42)
    new, losses = train_mlp(X, labels, params, activation=activation, lr=lr, epochs=epochs, mode=mode,
                            batch_size=batch_size, rng=copy.deepcopy(rng))
    tparams = _torch_params(params)
    opt = torch.optim.SGD([p for pair in tparams for p in pair], lr=lr)
    size = 1 if mode == "stochastic" else batch_size
    expected_losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))  # one permutation per epoch, consecutive slices
        for start in range(0, len(X), size):
            idx = order[start:start + size]
            opt.zero_grad()
            F.cross_entropy(_torch_forward(X[idx], tparams, activation), torch.tensor(labels[idx])).backward()
            opt.step()
        with torch.no_grad():
            expected_losses.append(F.cross_entropy(_torch_forward(X, tparams, activation), torch.tensor(labels)).item())
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-10)
    for (W, b), (Wt, bt) in zip(new, tparams):
        np.testing.assert_allclose(W, Wt.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b, bt.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["batch", "stochastic", "minibatch"])
def test_loss_decreases_on_an_easy_problem(mode):
    X, labels, params = _problem(2, 60, [2, 8, 2])
    _, losses = train_mlp(X, labels, params, lr=0.2, epochs=15, mode=mode, batch_size=16,
                          rng=np.random.default_rng(0))
    assert len(losses) == 15
    assert losses[-1] < 0.5 * losses[0] or losses[-1] < 0.05
    assert losses[-1] < np.log(2)  # better than chance


def test_inputs_unchanged_and_unknown_mode():
    X, labels, params = _problem(3, 10, [3, 4, 2])
    before = copy.deepcopy(params)
    train_mlp(X, labels, params, epochs=2, rng=np.random.default_rng(0))
    for (W, b), (W0, b0) in zip(params, before):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    with pytest.raises(ValueError):
        train_mlp(X, labels, params, mode="sgd", rng=np.random.default_rng(0))
