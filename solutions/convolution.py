"""Convolution and max-pooling from first principles (PyTorch tensors, any device, float32 or float64).

PyTorch's shapes throughout: images are ``(N, C, H, W)`` (batch, channels, height, width), a
convolution's weights are ``(C_out, C_in, kH, kW)`` and its bias ``(C_out,)``. Like ``F.conv2d``,
"convolution" here is the **cross-correlation** of deep learning (the kernel is not flipped):

    y[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q  w[o, c, p, q] · x_pad[n, c, i·s + p, j·s + q]

with ``x_pad`` the input zero-padded by ``padding`` pixels on all four sides and ``s`` the stride.
The output has :func:`conv_output_size` rows and columns.
"""
from __future__ import annotations

import torch.nn.functional as F

__all__ = ["conv_output_size", "conv2d_naive", "maxpool2d_naive"]


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Output length along one axis of a convolution or pooling (PyTorch's floor rule):

        out = ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1

    size: input length; kernel: kernel length; stride ≥ 1; padding ≥ 0 zeros on each side;
    dilation ≥ 1 (gap between kernel taps; dilation·(kernel − 1) + 1 is the kernel's span).
    Returns a Python int (positions where the kernel would stick out past the padding are dropped).
    """
    return (int(size) + 2 * int(padding) - int(dilation) * (int(kernel) - 1) - 1) // int(stride) + 1


def conv2d_naive(x, w, b, stride=1, padding=0):
    """2-D cross-correlation as ``F.conv2d(x, w, b, stride, padding)``, built with ``F.unfold`` (im2col).

    x: (N, C_in, H, W); w: (C_out, C_in, kH, kW); b: (C_out,) or None;
    stride, padding: ints, the same for both axes (zero padding on all four sides).
    Returns (N, C_out, H_out, W_out) with H_out = conv_output_size(H, kH, stride, padding) (W likewise).

    ``F.unfold`` cuts every kH×kW window of the padded input (at the strided positions) into a column
    of C_in·kH·kW numbers, ``cols`` (N, C_in·kH·kW, H_out·W_out); each output map is then one matrix
    product of the flattened filters (C_out, C_in·kH·kW) with those columns.
    """
    N, _, H, W = x.shape
    C_out, _, kH, kW = w.shape
    H_out = conv_output_size(H, kH, stride, padding)
    W_out = conv_output_size(W, kW, stride, padding)
    cols = F.unfold(x, (kH, kW), padding=padding, stride=stride)     # (N, C_in·kH·kW, H_out·W_out)
    out = w.reshape(C_out, -1) @ cols                                # (N, C_out, H_out·W_out)
    if b is not None:
        out = out + b.reshape(1, C_out, 1)
    return out.reshape(N, C_out, H_out, W_out)


def maxpool2d_naive(x, kernel, stride=None):
    """Max-pooling as ``F.max_pool2d(x, kernel, stride)``: the largest value of every kernel×kernel window.

    x: (N, C, H, W) (or (C, H, W)); kernel: int window side; stride: int, default ``kernel``
    (non-overlapping windows). No padding; floor mode: windows that would stick out past the last
    row or column are dropped, so H_out = ⌊(H − kernel) / stride⌋ + 1 (W likewise).
    Returns (N, C, H_out, W_out); channels are pooled separately.
    """
    stride = kernel if stride is None else stride
    windows = x.unfold(-2, kernel, stride).unfold(-2, kernel, stride)  # (..., H_out, W_out, k, k)
    return windows.amax(dim=(-2, -1))
