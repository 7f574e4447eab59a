"""The autoencoder building blocks against PyTorch's own layers and losses, and the trained model's tiers.

Oracles: F.linear and nn.Linear, an nn.Sequential built from the same weights (forward values and
autograd gradients), F.mse_loss / F.binary_cross_entropy with reduction="sum" divided by N (values
and gradients), torch.randn with an identically seeded generator, and hand calculations.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.grading.cases import lab05_autoencoders as cases
from autograder.kernel.runners.lab05_autoencoders import _tiny_autoencoder
from autograder.kernel.runners.training import timed, warm_up
from autograder.grading.trained_models import threshold_checks
from labkit.data import digits_split
from solutions.autoencoders import (
    Autoencoder,
    add_noise,
    decode,
    encode,
    linear,
    reconstruction_loss,
    train_autoencoder,
)

F64 = torch.float64


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _params(d=64, h=37, k=5, seed=0, dtype=F64):
    g = _gen(seed)
    shapes = {"W1": (h, d), "b1": (h,), "W2": (k, h), "b2": (k,), "W3": (h, k), "b3": (h,), "W4": (d, h), "b4": (d,)}
    return {name: torch.randn(shape, generator=g, dtype=dtype) / math.sqrt(shape[-1]) for name, shape in shapes.items()}


def _sequential(params, which):
    """nn.Sequential with the weights of ``params``: the encoder (1, 2) or the decoder (3, 4)."""
    a, b = (1, 2) if which == "encoder" else (3, 4)
    first, second = (nn.Linear(params[f"W{i}"].shape[1], params[f"W{i}"].shape[0]).to(F64) for i in (a, b))
    with torch.no_grad():
        for layer, i in ((first, a), (second, b)):
            layer.weight.copy_(params[f"W{i}"])
            layer.bias.copy_(params[f"b{i}"])
    last = [] if which == "encoder" else [nn.Sigmoid()]
    return nn.Sequential(first, nn.ReLU(), second, *last)


@pytest.mark.parametrize("x_shape", [(5, 7), (7,), (2, 3, 7), (1, 7)])
def test_linear_matches_F_linear(x_shape):
    g = _gen(1)
    x = torch.randn(x_shape, generator=g, dtype=F64)
    W, b = torch.randn(4, 7, generator=g, dtype=F64), torch.randn(4, generator=g, dtype=F64)
    torch.testing.assert_close(linear(x, W, b), F.linear(x, W, b), rtol=1e-12, atol=1e-12)


def test_linear_is_nn_linear_with_its_weight_and_bias():
    layer = nn.Linear(64, 10).to(F64)
    x = torch.rand(8, 64, generator=_gen(2), dtype=F64)
    torch.testing.assert_close(linear(x, layer.weight, layer.bias), layer(x), rtol=1e-12, atol=1e-12)


def test_linear_hand_values():
    x = torch.tensor([[1.0, 2.0]], dtype=F64)
    W = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]], dtype=F64)     # 3 outputs, 2 inputs
    b = torch.tensor([0.5, 0.0, -1.0], dtype=F64)
    torch.testing.assert_close(linear(x, W, b), torch.tensor([[1.5, 2.0, -2.0]], dtype=F64))


@pytest.mark.parametrize("sizes", [(64, 37, 5), (8, 8, 8), (10, 6, 1)])
def test_encode_and_decode_match_nn_sequential(sizes):
    d, h, k = sizes
    params = _params(d, h, k, seed=3)
    x = torch.rand(9, d, generator=_gen(4), dtype=F64)
    z = torch.randn(9, k, generator=_gen(5), dtype=F64)
    torch.testing.assert_close(encode(x, params), _sequential(params, "encoder")(x), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(decode(z, params), _sequential(params, "decoder")(z), rtol=1e-12, atol=1e-12)


def test_encode_decode_gradients_match_autograd_of_nn_sequential():
    params = {k: v.clone().requires_grad_(True) for k, v in _params(seed=6).items()}
    x = torch.rand(7, 64, generator=_gen(7), dtype=F64)
    ours = reconstruction_loss(decode(encode(x, params), params), x)
    grads = torch.autograd.grad(ours, list(params.values()))
    enc, dec = _sequential(params, "encoder"), _sequential(params, "decoder")
    theirs = F.mse_loss(dec(enc(x)), x, reduction="sum") / len(x)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    their_grads = torch.autograd.grad(theirs, [p for m in (enc, dec) for p in m.parameters()])
    for name, g_ours, g_theirs in zip(params, grads, their_grads):
        torch.testing.assert_close(g_ours, g_theirs, rtol=1e-10, atol=1e-12, msg=name)


def test_decode_outputs_lie_in_0_1_and_encode_has_no_activation():
    params = _params(seed=8)
    z = encode(torch.rand(50, 64, generator=_gen(9), dtype=F64), params)
    assert (z < 0).any(), "the code has no activation: it takes negative values too"
    x_hat = decode(torch.randn(50, 5, generator=_gen(10), dtype=F64) * 5, params)
    assert ((x_hat > 0) & (x_hat < 1)).all()


def test_autoencoder_module_is_encode_decode_with_its_params():
    model = Autoencoder(64, 128, 8).to(F64)
    x = torch.rand(6, 64, generator=_gen(11), dtype=F64)
    params = model.params()
    assert params["W1"].shape == (128, 64) and params["W2"].shape == (8, 128)
    torch.testing.assert_close(model.encode(x), encode(x, params))
    torch.testing.assert_close(model(x), decode(encode(x, params), params))


@pytest.mark.parametrize("shape", [(7, 64), (5, 1, 8, 8), (1, 64)])
def test_reconstruction_loss_matches_torch_losses(shape):
    g = _gen(12)
    x = torch.randint(0, 17, shape, generator=g).to(F64) / 16
    x_hat = torch.sigmoid(torch.randn(shape, generator=g, dtype=F64) * 2)
    n = shape[0]
    mse = F.mse_loss(x_hat, x, reduction="sum") / n
    bce = F.binary_cross_entropy(x_hat, x, reduction="sum") / n
    torch.testing.assert_close(reconstruction_loss(x_hat, x, "mse"), mse, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(reconstruction_loss(x_hat, x), mse, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(reconstruction_loss(x_hat, x, "bce"), bce, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["mse", "bce"])
def test_reconstruction_loss_gradients_match_torch(kind):
    g = _gen(13)
    x = torch.randint(0, 17, (4, 64), generator=g).to(F64) / 16
    x_hat = torch.sigmoid(torch.randn(4, 64, generator=g, dtype=F64)).requires_grad_(True)
    (ours,) = torch.autograd.grad(reconstruction_loss(x_hat, x, kind), x_hat)
    oracle = F.mse_loss if kind == "mse" else F.binary_cross_entropy
    (theirs,) = torch.autograd.grad(oracle(x_hat, x, reduction="sum") / 4, x_hat)
    torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-12)


def test_bce_clamps_its_logs_like_pytorch():
    x_hat = torch.tensor([[1.0, 0.0, 0.0, 1.0, 0.3]], dtype=F64)
    x = torch.tensor([[1.0, 0.0, 1.0, 0.25, 0.5]], dtype=F64)
    ours = reconstruction_loss(x_hat, x, "bce")
    assert torch.isfinite(ours)
    torch.testing.assert_close(ours, F.binary_cross_entropy(x_hat, x, reduction="sum"), rtol=1e-12, atol=1e-12)
    # by hand: 0 + 0 + 100 (log 0 clamped) + 0.75 · 100 + (−0.5 log 0.3 − 0.5 log 0.7)
    expected = 100 + 75 - 0.5 * math.log(0.3) - 0.5 * math.log(0.7)
    assert float(ours) == pytest.approx(expected, rel=1e-12)


def test_reconstruction_loss_hand_values_and_float32():
    x_hat = torch.tensor([[0.5, 0.5], [0.25, 1.0]], dtype=torch.float32)
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float32)
    # mse: (0.25 + 0.25 + 0.0625 + 0) / 2; bce: (2 log 2 + (−log 0.75) + 0) / 2
    assert float(reconstruction_loss(x_hat, x)) == pytest.approx(0.28125)
    assert float(reconstruction_loss(x_hat, x, "bce")) == pytest.approx((2 * math.log(2) - math.log(0.75)) / 2, rel=1e-6)
    assert reconstruction_loss(x_hat, x).dtype == torch.float32


@pytest.mark.parametrize("kind", ["l1", "MSE", "", None])
def test_reconstruction_loss_rejects_other_kinds(kind):
    x = torch.rand(2, 3, dtype=F64)
    with pytest.raises(ValueError):
        reconstruction_loss(x, x, kind)


def test_add_noise_is_clamped_x_plus_std_randn_from_the_generator():
    x = torch.randint(0, 17, (6, 64), generator=_gen(14)).to(F64) / 16
    before = x.clone()
    out = add_noise(x, 0.4, _gen(99))
    eps = torch.randn(6, 64, generator=_gen(99), dtype=F64)
    torch.testing.assert_close(out, torch.clamp(x + 0.4 * eps, 0, 1), rtol=0, atol=0)
    assert torch.equal(x, before), "x must be left unchanged"
    assert out.min() >= 0 and out.max() <= 1 and out.dtype == F64


def test_add_noise_advances_the_generator_by_one_draw_of_x():
    g1, g2 = _gen(5), _gen(5)
    add_noise(torch.zeros(3, 7, dtype=F64), 0.1, g1)
    torch.randn(3, 7, generator=g2, dtype=F64)
    after, expected = torch.randn(4, generator=g1, dtype=F64), torch.randn(4, generator=g2, dtype=F64)
    torch.testing.assert_close(after, expected, rtol=0, atol=0)


def test_add_noise_statistics_and_std_zero():
    x = torch.full((200, 64), 0.5, dtype=F64)
    out = add_noise(x, 0.1, _gen(3))
    assert abs(float(out.mean()) - 0.5) < 0.005
    assert abs(float(out.std()) - 0.1) < 0.005       # 5 standard deviations from the edges: no clamping
    torch.testing.assert_close(add_noise(x, 0.0, _gen(3)), x, rtol=0, atol=0)


# --------------------------------------------------------------------------------- trained model
SEEDS = [0, 1, 2, 3, 4]


@pytest.fixture(scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # as in the hidden run (see autograder/grading/cases/lab05_autoencoders.py)
    # and warmed up as the hidden run is: a cold process's one-off set-up is not training time
    warm_up(torch.device("cpu"), "dense autoencoder", _tiny_autoencoder)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits_train():
    return torch.tensor(digits_split("train")[0], dtype=torch.float32)


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_training_passes_every_tier(seed, one_thread, digits_train):
    device = torch.device("cpu")
    model, seconds = timed(train_autoencoder, digits_train, cases.LATENT_DIM, device, seed)
    scored = cases._held_out_error(model, device)
    assert scored["problem"] is None, scored["problem"]
    checks = threshold_checks(scored["error"], seconds, metric="reconstruction error", tiers=cases.TIERS,
                              budget_s=cases.BUDGET_S, higher_is_better=False)
    failed = [(name, msg) for name, msg in checks if msg]
    assert not failed, f"seed {seed}: {failed}"
    assert not model.training, "train_autoencoder returns its model in eval mode"


def test_tiers_follow_the_stated_rule():
    # the worst sensible recipe of the family (SGD with momentum 0.9 at 0.01, seed 0, in the cases module's
    # comment): the upper tier is 1.1x its error rounded up to 0.05
    worst_sensible = 1.1282
    assert cases.TIERS[1] == math.ceil(1.1 * worst_sensible * 20) / 20 == 1.25
    # the visible check's bounds keep both tiers at the largest held-out / validation ratio seen (1.022 -> 1.03)
    assert cases.VISIBLE_BOUNDS == [math.floor(t / 1.03 * 100) / 100 for t in cases.TIERS]


def test_the_best_linear_code_misses_the_lower_tier():
    """PCA with 8 components fitted on the training digits (the best linear code, computed here by an SVD)
    reconstructs the held-out digits worse than the lower tier asks: a model must learn something nonlinear."""
    from autograder.kernel.runners.training import digits_held_out

    X_train = digits_split("train")[0].astype(np.float64)
    X_held = digits_held_out()[0].astype(np.float64)
    mean = X_train.mean(axis=0)
    _, _, Vt = np.linalg.svd(X_train - mean, full_matrices=False)
    V = Vt[:cases.LATENT_DIM].T
    X_hat = (X_held - mean) @ V @ V.T + mean
    pca_error = float(((X_hat - X_held) ** 2).sum(axis=1).mean())
    assert pca_error == pytest.approx(1.5385, abs=1e-3)
    assert pca_error > cases.TIERS[0]
