"""Lab 6 references against independent oracles, and the trained CNN against its grading tiers.

Oracles: PyTorch's own F.conv2d / F.max_pool2d in float64 (outputs, output shapes, and gradients
through autograd), SciPy's correlate2d / convolve2d, and small examples worked out by hand.
"""
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import signal

from autograder.grading.cases import lab06_cnn as cases
from autograder.kernel.runners import lab06_cnn as runners
from solutions.cnn_models import digits_cnn, train_cnn
from solutions.convolution import conv2d_naive, conv_output_size, maxpool2d_naive


def _t(a, dtype=torch.float64):
    return torch.as_tensor(np.asarray(a), dtype=dtype)


# ------------------------------------------------------------------------- conv_output_size
def test_conv_output_size_is_the_shape_of_F_conv2d():
    for size, kernel, stride, padding, dilation in itertools.product(range(1, 13), range(1, 6), range(1, 4),
                                                                     range(0, 3), range(1, 3)):
        if dilation * (kernel - 1) + 1 > size + 2 * padding:
            continue  # the kernel does not fit: F.conv2d refuses
        x = torch.zeros(1, 1, size, 3)
        w = torch.zeros(1, 1, kernel, 1)
        out = F.conv2d(x, w, stride=(stride, 1), padding=(padding, 0), dilation=(dilation, 1))
        got = conv_output_size(size, kernel, stride, padding, dilation)
        assert type(got) is int
        assert got == out.shape[2], (size, kernel, stride, padding, dilation)


def test_conv_output_size_is_the_shape_of_F_max_pool2d():
    for size, kernel, stride in itertools.product(range(1, 12), range(1, 5), range(1, 5)):
        if kernel > size:
            continue
        out = F.max_pool2d(torch.zeros(1, 1, size, size), kernel, stride)
        assert conv_output_size(size, kernel, stride) == out.shape[2]


def test_conv_output_size_by_hand():
    assert conv_output_size(32, 5) == 28                      # LeNet's first layer
    assert conv_output_size(28, 2, stride=2) == 14            # its pooling
    assert conv_output_size(8, 3, padding=1) == 8             # 'same' padding p = (k - 1) / 2
    assert conv_output_size(224, 11, stride=4, padding=2) == 55   # AlexNet conv1: ⌊(224 + 4 − 11) / 4⌋ + 1
    assert conv_output_size(15, 3, dilation=2) == 11          # span 5
    assert conv_output_size(10, 3, stride=3) == 3             # ⌊7 / 3⌋ + 1: the last column is dropped


# ----------------------------------------------------------------------------- conv2d_naive
CONFIGS = [  # (N, C_in, C_out, H, W, kH, kW, stride, padding)
    (2, 3, 4, 7, 9, 3, 3, 1, 0),
    (1, 1, 1, 5, 5, 5, 5, 1, 0),
    (3, 2, 5, 6, 8, 2, 4, 1, 1),
    (2, 3, 2, 11, 8, 5, 3, 2, 2),
    (1, 2, 3, 10, 13, 2, 2, 3, 1),
    (2, 5, 2, 4, 6, 1, 1, 1, 0),
    (2, 1, 8, 8, 8, 3, 3, 2, 1),
    (1, 2, 2, 3, 4, 5, 5, 1, 2),      # kernel larger than the image, padding makes it fit
    (2, 2, 3, 9, 7, 4, 1, 3, 2),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "N{}_Cin{}_Cout{}_{}x{}_k{}x{}_s{}_p{}".format(*c))
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_naive_matches_F_conv2d_in_float64(config, bias):
    n, c_in, c_out, h, w, kh, kw, stride, padding = config
    g = torch.Generator().manual_seed(hash(config) % 2**31)
    x = torch.randn(n, c_in, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(c_out, c_in, kh, kw, generator=g, dtype=torch.float64)
    b = torch.randn(c_out, generator=g, dtype=torch.float64) if bias else None
    ours = conv2d_naive(x, weight, b, stride=stride, padding=padding)
    theirs = F.conv2d(x, weight, b, stride=stride, padding=padding)
    assert ours.dtype == torch.float64 and ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_conv2d_naive_in_float32():
    g = torch.Generator().manual_seed(0)
    x, w, b = torch.randn(4, 3, 8, 8, generator=g), torch.randn(6, 3, 3, 3, generator=g), torch.randn(6, generator=g)
    ours = conv2d_naive(x, w, b, stride=1, padding=1)
    assert ours.dtype == torch.float32
    torch.testing.assert_close(ours, F.conv2d(x, w, b, padding=1), rtol=1e-5, atol=1e-5)


def test_conv2d_naive_gradients_match_F_conv2d():
    g = torch.Generator().manual_seed(1)
    args = [torch.randn(*s, generator=g, dtype=torch.float64, requires_grad=True)
            for s in [(2, 3, 7, 6), (4, 3, 3, 2), (4,)]]
    upstream = torch.randn(2, 4, 4, 4, generator=g, dtype=torch.float64)
    ours = torch.autograd.grad((conv2d_naive(*args, stride=2, padding=1) * upstream).sum(), args)
    theirs = torch.autograd.grad((F.conv2d(*args, stride=2, padding=1) * upstream).sum(), args)
    for a, b_ in zip(ours, theirs):
        torch.testing.assert_close(a, b_, rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(lambda x, w, b: conv2d_naive(x, w, b, 2, 1), args)


def test_conv2d_naive_is_scipy_cross_correlation_not_convolution():
    rng = np.random.default_rng(5)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    ours = conv2d_naive(_t(image)[None, None], _t(kernel)[None, None], None)[0, 0].numpy()
    np.testing.assert_allclose(ours, signal.correlate2d(image, kernel, mode="valid"), rtol=1e-12, atol=1e-12)
    # true convolution = cross-correlation with the kernel flipped in both axes
    flipped = conv2d_naive(_t(image)[None, None], _t(kernel[::-1, ::-1].copy())[None, None], None)[0, 0].numpy()
    np.testing.assert_allclose(flipped, signal.convolve2d(image, kernel, mode="valid"), rtol=1e-12, atol=1e-12)
    assert not np.allclose(ours, flipped)


def test_conv2d_naive_by_hand():
    x = _t([[1, 2, 0], [0, 1, 3], [4, 0, 1]])[None, None]
    w = _t([[1, 0], [0, -1]])[None, None]                  # top-left minus bottom-right
    expected = [[1 - 1, 2 - 3], [0 - 0, 1 - 1]]
    np.testing.assert_allclose(conv2d_naive(x, w, _t([0.0]))[0, 0].numpy(), expected)
    # padding 1 with zeros: the corner output sees only x[0, 0] (times w[1, 1] = -1), plus bias 0.5
    padded = conv2d_naive(x, w, _t([0.5]), padding=1)[0, 0]
    assert padded.shape == (4, 4) and padded[0, 0].item() == -1 + 0.5 and padded[3, 3].item() == 1 + 0.5
    # stride 2 on the padded 5×5 input keeps output rows/columns 0 and 2 of the stride-1 result
    np.testing.assert_allclose(conv2d_naive(x, w, _t([0.5]), stride=2, padding=1)[0, 0].numpy(),
                               padded[::2, ::2].numpy())


# -------------------------------------------------------------------------- maxpool2d_naive
@pytest.mark.parametrize("shape,kernel,stride", [
    ((2, 3, 6, 8), 2, None), ((1, 2, 7, 9), 2, None), ((2, 2, 6, 7), 3, 1), ((1, 4, 9, 8), 3, 2),
    ((2, 1, 10, 11), 2, 3), ((3, 2, 5, 5), 5, None), ((1, 3, 4, 5), 1, 1), ((1, 3, 12, 10), 4, 2),
])
def test_maxpool2d_naive_matches_F_max_pool2d(shape, kernel, stride):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape)), dtype=torch.float64)
    ours = maxpool2d_naive(x, kernel, stride)
    theirs = F.max_pool2d(x, kernel, stride)
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    x.requires_grad_(True)
    g_ours, = torch.autograd.grad(maxpool2d_naive(x, kernel, stride).sum(), x)
    g_theirs, = torch.autograd.grad(F.max_pool2d(x, kernel, stride).sum(), x)
    torch.testing.assert_close(g_ours, g_theirs, rtol=0, atol=0)


def test_maxpool2d_naive_by_hand():
    x = _t([[1, -2, 3, 0, 9], [4, -5, -1, 2, 9], [-7, -8, 6, 5, 9]])[None, None]
    np.testing.assert_array_equal(maxpool2d_naive(x, 2)[0, 0].numpy(), [[4, 3]])   # floor: the last row and column go
    np.testing.assert_array_equal(maxpool2d_naive(x, 2, 1)[0, 0].numpy(), [[4, 3, 3, 9], [4, 6, 6, 9]])
    np.testing.assert_array_equal(maxpool2d_naive(-x.abs() - 1, 3)[0, 0].numpy(), [[-2]])


# ------------------------------------------------------------------ guards of the hidden tests
def test_the_runner_refuses_F_conv2d_and_restores_it():
    real_conv, real_pool = F.conv2d, F.max_pool2d
    case = cases._conv_cases(np.random.default_rng(0))[0]
    with pytest.raises(RuntimeError, match="must not call F.conv2d"):
        runners._run_conv(lambda x, w, b, **kw: F.conv2d(x, w, b, **kw), case, {})
    with pytest.raises(RuntimeError, match="must not call F.conv2d"):
        runners._run_conv(lambda x, w, b, **kw: torch.nn.Conv2d(3, 4, 3).double()(x), case, {})
    assert F.conv2d is real_conv and torch.conv2d is real_conv and F.max_pool2d is real_pool
    torch.testing.assert_close(runners._run_conv(conv2d_naive, case, {}), F.conv2d(*(_t(a) for a in case.args)))


def test_the_runner_refuses_a_conv2d_bound_to_a_notebook_name():
    from torch.nn.functional import conv2d

    namespace = {"conv2d": conv2d}
    exec("def student(x, w, b, stride=1, padding=0):\n    return conv2d(x, w, b, stride, padding)", namespace)
    case = cases._conv_cases(np.random.default_rng(0))[0]
    with pytest.raises(RuntimeError, match="must not call F.conv2d"):
        runners._run_conv(namespace["student"], case, {})
    assert namespace["conv2d"] is F.conv2d


def test_the_runner_refuses_F_max_pool2d():
    case = cases._pool_cases(np.random.default_rng(0))[0]
    with pytest.raises(RuntimeError, match="must not call F.max_pool2d"):
        runners._run_pool(lambda x, k, **kw: torch.nn.MaxPool2d(k)(x), case, {})
    assert F.max_pool2d(torch.ones(1, 1, 2, 2), 2).item() == 1.0


# ----------------------------------------------------------------------------- the trained CNN
def test_digits_cnn_shapes_and_parameter_count():
    model = digits_cnn().double()
    assert model(torch.zeros(5, 1, 8, 8, dtype=torch.float64)).shape == (5, 10)
    assert sum(p.numel() for p in model.parameters()) == 80 + 1168 + 650


@pytest.mark.parametrize("seed", cases.SEEDS)
def test_reference_training_passes_every_tier(seed):
    """The five runs that set the tiers (autograder/grading/cases/lab06_cnn.py): each passes both tiers."""
    result = cases.run_training(train_cnn, seed=seed, device=torch.device("cpu"))
    for tier in cases.TIERS:
        assert result["score"] >= tier, f"seed {seed}: held-out accuracy {result['score']:.4f} < tier {tier}"


def test_grading_leaves_the_notebooks_random_state_and_threads_alone():
    torch.manual_seed(123)
    np.random.seed(7)
    threads = torch.get_num_threads()
    expected_torch, expected_np = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(7)
    cases.run_training(lambda X, y, device, seed: digits_cnn().eval(), device=torch.device("cpu"))
    torch.testing.assert_close(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_np)
    assert torch.get_num_threads() == threads
