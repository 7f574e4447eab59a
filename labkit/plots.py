"""Plotting helpers shared by the labs (matplotlib; each returns the Axes it drew on)."""
from __future__ import annotations

import numpy as np

__all__ = ["new_axes", "plot_curves", "plot_decision_boundary", "plot_paths_on_contour", "plot_function"]


def new_axes(ax=None, figsize=(5, 3.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_curves(curves: dict, ax=None, xlabel: str = "epoch", ylabel: str = "loss", logy: bool = False, title: str = ""):
    """One line per ``label -> sequence of values`` (loss curves, gradient norms, ...)."""
    ax = new_axes(ax)
    for label, values in curves.items():
        ax.plot(np.arange(len(values)), np.asarray(values, dtype=float), label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if len(curves) > 1:
        ax.legend(fontsize=8)
    return ax


def plot_function(fns: dict, x=None, ax=None, title: str = ""):
    """Plot ``label -> f`` for elementwise functions ``f`` over ``x`` (default [-5, 5])."""
    x = np.linspace(-5, 5, 401) if x is None else x
    ax = new_axes(ax)
    for label, f in fns.items():
        ax.plot(x, f(x), label=label)
    ax.axhline(0, color="0.7", lw=0.5)
    ax.axvline(0, color="0.7", lw=0.5)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_decision_boundary(predict, X, y, ax=None, resolution: int = 200, title: str = ""):
    """Colour the plane by ``predict(points) -> labels`` and scatter ``X`` (n, 2) coloured by ``y``."""
    ax = new_axes(ax, figsize=(4.5, 4))
    pad_x = 0.1 * (X[:, 0].max() - X[:, 0].min())
    pad_y = 0.1 * (X[:, 1].max() - X[:, 1].min())
    xx, yy = np.meshgrid(np.linspace(X[:, 0].min() - pad_x, X[:, 0].max() + pad_x, resolution),
                         np.linspace(X[:, 1].min() - pad_y, X[:, 1].max() + pad_y, resolution))
    zz = np.asarray(predict(np.column_stack([xx.ravel(), yy.ravel()]))).reshape(xx.shape)
    ax.contourf(xx, yy, zz, alpha=0.25, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    if title:
        ax.set_title(title)
    return ax


def plot_paths_on_contour(f, paths: dict, xlim, ylim, ax=None, levels: int = 30, logscale: bool = True, title: str = ""):
    """Contours of ``f(X, Y)`` over a grid and one optimiser path (k, 2) per label."""
    ax = new_axes(ax, figsize=(5, 4))
    xx, yy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    zz = f(xx, yy)
    if logscale:
        zz = np.log1p(zz - zz.min())
    ax.contour(xx, yy, zz, levels=levels, cmap="Greys", linewidths=0.5)
    for label, path in paths.items():
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1, label=label)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title)
    return ax
