"""Oracle tests of solutions/layers.py: PyTorch float64 (functional ops and autograd) and hand calculations."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from solutions.layers import dense_backward, dense_forward, mlp_backward, mlp_forward, softmax_cross_entropy

TORCH_ACT = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


def _t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def _random_mlp(rng, sizes, n):
    X = rng.normal(0, 1.5, (n, sizes[0]))
    params = [(rng.normal(0, 1 / np.sqrt(i), (i, o)), rng.normal(0, 0.3, o)) for i, o in zip(sizes[:-1], sizes[1:])]
    return X, params


def test_dense_forward_matches_torch_linear_and_caches_inputs():
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    out, cache = dense_forward(x, W, b)
    expected = F.linear(_t(x), _t(W).T, _t(b)).numpy()  # torch stores weights as (fan_out, fan_in)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert out.shape == (5, 3)
    assert len(cache) == 3 and all(c is o for c, o in zip(cache, (x, W, b)))


def test_dense_forward_by_hand():
    out, _ = dense_forward(np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]),
                           np.array([0.5, 0.0, -0.5]))
    np.testing.assert_allclose(out, [[5.5, 2.0, -1.5]])  # [1+4+0.5, 0+2+0, -1+0-0.5]


@pytest.mark.parametrize("n,d_in,d_out", [(6, 4, 3), (1, 3, 5), (7, 2, 1)])
def test_dense_backward_matches_autograd(n, d_in, d_out):
    rng = np.random.default_rng(n * 100 + d_in)
    x, W, b = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    dout = rng.normal(size=(n, d_out))
    xt, Wt, bt = _t(x, True), _t(W, True), _t(b, True)
    (xt @ Wt + bt).backward(_t(dout))
    dx, dW, db = dense_backward(dout, (x, W, b))
    for got, want in [(dx, xt.grad), (dW, Wt.grad), (db, bt.grad)]:
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-12, atol=1e-12)


def _torch_mlp(X, params, activation):
    a = _t(X)
    tparams = [(_t(W, True), _t(b, True)) for W, b in params]
    for i, (W, b) in enumerate(tparams):
        a = a @ W + b
        if i < len(tparams) - 1:
            a = TORCH_ACT[activation](a)
    return a, tparams


NETS = [([4, 6, 3], "relu", 7), ([3, 5, 4, 2], "sigmoid", 6), ([5, 4, 6, 3], "tanh", 8),
        ([3, 7, 5, 4, 2], "relu", 1), ([2, 4, 4, 4, 4, 5], "tanh", 4), ([4, 3, 6, 5, 3], "sigmoid", 5),
        ([4, 3], "relu", 5)]


@pytest.mark.parametrize("sizes,activation,n", NETS)
def test_mlp_forward_matches_torch(sizes, activation, n):
    X, params = _random_mlp(np.random.default_rng(len(sizes) * 10 + n), sizes, n)
    scores, _ = mlp_forward(X, params, activation)
    expected, _ = _torch_mlp(X, params, activation)
    np.testing.assert_allclose(scores, expected.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_mlp_forward_has_no_activation_after_the_last_layer():
    X = np.array([[1.0, -1.0]])
    params = [(np.array([[1.0, 2.0], [2.0, -1.0]]), np.array([0.0, 0.5])),
              (np.array([[1.0], [2.0]]), np.array([-10.0]))]
    scores, _ = mlp_forward(X, params, "relu")
    # z1 = [1-2, 2+1+0.5] = [-1, 3.5]; relu -> [0, 3.5]; scores = 0 + 7 - 10 = -3 (negative: no relu at the end)
    np.testing.assert_allclose(scores, [[-3.0]])


@pytest.mark.parametrize("sizes,activation,n", NETS)
def test_mlp_backward_matches_autograd(sizes, activation, n):
    rng = np.random.default_rng(len(sizes) * 7 + n)
    X, params = _random_mlp(rng, sizes, n)
    dscores = rng.normal(size=(n, sizes[-1]))
    scores, caches = mlp_forward(X, params, activation)
    grads = mlp_backward(dscores, caches)
    out, tparams = _torch_mlp(X, params, activation)
    out.backward(_t(dscores))
    assert len(grads) == len(params)
    for (dW, db), (W, b) in zip(grads, tparams):
        np.testing.assert_allclose(dW, W.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shift,scale", [(0.0, 2.0), (1000.0, 3.0), (-1000.0, 3.0), (0.0, 500.0)])
def test_softmax_cross_entropy_matches_torch(shift, scale):
    rng = np.random.default_rng(int(abs(shift)) + int(scale))
    z = shift + rng.normal(0, scale, (9, 4))
    labels = rng.integers(0, 4, 9)
    loss, dz = softmax_cross_entropy(z, labels)
    zt = _t(z, True)
    expected = F.cross_entropy(zt, torch.tensor(labels))  # mean over the batch
    expected.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(dz))
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-12)
    np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_softmax_cross_entropy_by_hand():
    loss, dz = softmax_cross_entropy(np.array([[0.0, 0.0], [1000.0, 0.0]]), np.array([0, 1]))
    # sample 1: log 2; sample 2: -log softmax = 1000 + log(1 + e^-1000) = 1000. Mean: (log 2 + 1000) / 2.
    np.testing.assert_allclose(loss, (np.log(2) + 1000) / 2)
    np.testing.assert_allclose(dz, [[-0.25, 0.25], [0.5, -0.5]])
