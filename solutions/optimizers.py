"""Gradient-descent update rules and gradient clipping, NumPy float64.

Every update rule has the signature ``rule(w, g, state, **hyper) -> (w_new, state_new)``:

* ``w``: parameters, an array of any shape; ``g``: the gradient ∂L/∂w, same shape as ``w``
  (``nesterov`` and ``rmsprop_nesterov`` take a function ``grad_fn(w) -> g`` instead, because they
  need the gradient at a look-ahead point);
* ``state``: a dict the caller passes as ``{}`` at the first step and then passes back unchanged;
  the rule keeps what it needs under fixed keys (``"v"`` velocity Δw, ``"r"`` accumulated squared
  gradients, ``"s"`` first moment, ``"t"`` number of updates so far);
* the rule returns the new parameters and the new state; it never modifies ``w`` (or ``state``) in place.

Notation of the slides (docs/lecture-decisions.md): η learning rate (``lr``; the AdaGrad and RMSProp
slides call it ε), μ momentum, ρ decay of the squared-gradient average, ρ1/ρ2 Adam's decay rates, δ a
small constant against division by zero.
"""
from __future__ import annotations

import numpy as np

__all__ = ["sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_nesterov", "adam", "clip_by_norm"]


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def sgd(w, g, state, lr):
    """Plain (stochastic) gradient descent: w ← w − η g.

    w, g: arrays of the same shape; lr: η > 0 (units of w per unit of gradient).
    Needs no state: returns ``(w − η g, state)`` with ``state`` copied unchanged.
    """
    w, g = _f64(w), _f64(g)
    return w - lr * g, dict(state)


def sgd_momentum(w, g, state, lr, mu):
    """SGD with momentum: Δw ← −η g + μ Δw;  w ← w + Δw.

    w, g: arrays of the same shape; lr: η; mu: μ in [0, 1).
    state["v"]: the velocity Δw (shape of w), zero before the first step.
    """
    w, g = _f64(w), _f64(g)
    v = _f64(state.get("v", np.zeros_like(w)))
    v = -lr * g + mu * v
    new = dict(state)
    new["v"] = v
    return w + v, new


def nesterov(w, grad_fn, state, lr, mu):
    """Nesterov momentum: g = ∇L(w + μ Δw) (gradient at the look-ahead point);
    Δw ← −η g + μ Δw;  w ← w + Δw.

    w: array of any shape; grad_fn(w') -> gradient of the loss at w' (shape of w); lr: η; mu: μ.
    state["v"]: the velocity Δw (shape of w), zero before the first step.
    """
    w = _f64(w)
    v = _f64(state.get("v", np.zeros_like(w)))
    g = _f64(grad_fn(w + mu * v))
    v = -lr * g + mu * v
    new = dict(state)
    new["v"] = v
    return w + v, new


def adagrad(w, g, state, lr, delta=1e-7):
    """AdaGrad: r ← r + g⊙g;  w ← w − η g / (δ + √r)   (elementwise; δ outside the root).

    The slides write Δw ← −ε/(δ + √r) ⊙ g (slide "AdaGrad"); ``lr`` is their ε.
    w, g: arrays of the same shape; lr: η (the slides' ε); delta: δ.
    state["r"]: the sum of squared gradients so far (shape of w), zero before the first step.
    """
    w, g = _f64(w), _f64(g)
    r = _f64(state.get("r", np.zeros_like(w))) + g * g
    new = dict(state)
    new["r"] = r
    return w - lr * g / (delta + np.sqrt(r)), new


def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    """RMSProp: r ← ρ r + (1 − ρ) g⊙g;  w ← w − η g / (δ + √r)   (δ OUTSIDE the root).

    This is the slides' formula Δw ← −ε/(δ + √r) ⊙ g (slide "RMSProp"), with ``lr`` their ε; it is
    also ``torch.optim.RMSprop`` with eps = δ. (Goodfellow et al., Alg. 8.5, put δ inside, √(δ + r).)
    w, g: arrays of the same shape; lr: η (the slides' ε); rho: ρ in [0, 1); delta: δ.
    state["r"]: the moving average of squared gradients (shape of w), zero before the first step.
    """
    w, g = _f64(w), _f64(g)
    r = rho * _f64(state.get("r", np.zeros_like(w))) + (1.0 - rho) * g * g
    new = dict(state)
    new["r"] = r
    return w - lr * g / (delta + np.sqrt(r)), new


def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    """RMSProp with Nesterov momentum (slide "RMSProp with Nesterov Momentum"):

        g ← ∇L(w + μ Δw)               (the gradient at the look-ahead point)
        r ← ρ r + (1 − ρ) g⊙g
        Δw ← μ Δw − ε g / (δ + √r)      (the slide's velocity v, kept as Δw for the next step)
        w ← w + Δw

    The slide writes −ε/√r ⊙ g without δ; δ enters as on the slides' RMSProp, outside the root, so
    that a coordinate whose gradients were all 0 (r = 0) gets a step of 0, not 0/0. delta = 0 is the
    slide's formula exactly (where r > 0).
    w: array of any shape; grad_fn(w') -> gradient of the loss at w' (shape of w), called once per
    step; lr: ε; mu: μ; rho: ρ in [0, 1); delta: δ.
    state["v"]: the velocity Δw, state["r"]: the moving average of squared gradients (both the shape
    of w, zero before the first step).
    """
    w = _f64(w)
    v = _f64(state.get("v", np.zeros_like(w)))
    g = _f64(grad_fn(w + mu * v))
    r = rho * _f64(state.get("r", np.zeros_like(w))) + (1.0 - rho) * g * g
    v = mu * v - lr * g / (delta + np.sqrt(r))
    new = dict(state)
    new.update(v=v, r=r)
    return w + v, new


def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    """Adam: t ← t + 1;  s ← ρ1 s + (1 − ρ1) g;  r ← ρ2 r + (1 − ρ2) g⊙g;
    ŝ = s / (1 − ρ1^t);  r̂ = r / (1 − ρ2^t);  w ← w − η ŝ / (√r̂ + δ)   (δ outside the root).

    t counts the updates made so far (1 at the first call); the slides say "t is the number of epochs",
    but the bias 1 − ρ^t comes from the number of updates of s and r. The slide "Adam" writes the step
    without a learning rate, Δw = −ŝ/(δ + √r̂); "Adam: Possible Variation" multiplies it by η, as here
    (lr = 1 gives the first slide).
    w, g: arrays of the same shape; lr: η; rho1, rho2: ρ1, ρ2 in [0, 1); delta: δ.
    state: "t" (int, 0 before the first step), "s" and "r" (shape of w, zero before the first step).
    """
    w, g = _f64(w), _f64(g)
    t = int(state.get("t", 0)) + 1
    s = rho1 * _f64(state.get("s", np.zeros_like(w))) + (1.0 - rho1) * g
    r = rho2 * _f64(state.get("r", np.zeros_like(w))) + (1.0 - rho2) * g * g
    s_hat = s / (1.0 - rho1**t)
    r_hat = r / (1.0 - rho2**t)
    new = dict(state)
    new.update(t=t, s=s, r=r)
    return w - lr * s_hat / (np.sqrt(r_hat) + delta), new


def clip_by_norm(g, nu):
    """Clip the gradient by its norm: g · ν / ‖g‖ if ‖g‖ > ν, else g unchanged.

    g: array of any shape; ‖g‖ is the Euclidean norm over ALL its elements; nu: ν > 0.
    Returns a new array of g's shape whose norm is at most ν (its direction is kept).
    """
    g = _f64(g)
    norm = float(np.sqrt(np.sum(g * g)))
    if norm > nu:
        return g * (nu / norm)
    return g.copy()
