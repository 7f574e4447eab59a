"""Correct variants of lab 3's graded functions (update rules, clipping, schedules, minibatches).

The slides' formulas as they write them (``SLIDE_FORMULA``: RMSProp's ε/(δ + √r), RMSProp with
Nesterov momentum with and without δ, Adam's "Possible Variation", the three schedules of "Adaptive
Learning Rate", the clipping rule), and the styles students write: state updated in place, extra state
keys, the gradient scaled in place (each call gets its own array), copies worked on in place, loops.
Each value is the full source of a solution cell, run with ``np`` and the notebook's other cells in scope.
"""

VARIANTS = {
    "sgd": {
        "the slides' w <- w - eta dL/dw on a copy, in place": '''
def sgd(w, g, state, lr):
    w_new = np.array(w, dtype=float, copy=True)
    w_new -= lr * g
    return w_new, state
''',
        "scales its own gradient in place": '''
def sgd(w, g, state, lr):
    g *= lr
    return w - g, state
''',
        "np.subtract, a new state with an extra key": '''
def sgd(w, g, state, lr):
    return np.subtract(w, np.multiply(lr, g)), {**state, "steps": state.get("steps", 0) + 1}
''',
    },
    "sgd_momentum": {
        "the slides' second form v <- alpha v - eta dL/dw, state updated in place": '''
def sgd_momentum(w, g, state, lr, mu):
    v = state.get("v", 0.0 * w)
    v = mu * v - lr * g
    state["v"] = v
    return w + v, state
''',
        "first step special-cased": '''
def sgd_momentum(w, g, state, lr, mu):
    if "v" not in state:
        v = -lr * g
    else:
        v = -lr * g + mu * state["v"]
    return w + v, dict(state, v=v)
''',
        "in place on its own copy of the velocity": '''
def sgd_momentum(w, g, state, lr, mu):
    v = np.zeros_like(w, dtype=float) if state.get("v") is None else np.array(state["v"], copy=True)
    v *= mu
    v -= lr * g
    return np.add(w, v), {"v": v}
''',
    },
    "nesterov": {
        "the slides' indices: dw(t-1) from the gradient at w(t-1) + mu dw(t-2)": '''
def nesterov(w, grad_fn, state, lr, mu):
    dw_prev = state.get("v", np.zeros_like(w))
    dw = -lr * grad_fn(w + mu * dw_prev) + mu * dw_prev
    return w + dw, {**state, "v": dw}
''',
        "state updated in place, the look-ahead point kept as an extra key": '''
def nesterov(w, grad_fn, state, lr, mu):
    v = state.setdefault("v", np.zeros_like(w))
    state["look_ahead"] = w + mu * v
    state["v"] = mu * v - lr * grad_fn(state["look_ahead"])
    return w + state["v"], state
''',
        "velocity copied and scaled in place": '''
def nesterov(w, grad_fn, state, lr, mu):
    v = np.array(state.get("v", np.zeros(np.shape(w))), dtype=float, copy=True)
    v *= mu
    g = grad_fn(w + v)
    v -= lr * g
    return w + v, {"v": v}
''',
    },
    "adagrad": {
        "the slides' Delta w <- -eps / (delta + sqrt(r)) * g": '''
def adagrad(w, g, state, lr, delta=1e-7):
    r = state.get("r", np.zeros_like(w)) + g * g
    dw = -(lr / (delta + np.sqrt(r))) * g
    return w + dw, {**state, "r": r}
''',
        "accumulates into state['r'] in place": '''
def adagrad(w, g, state, lr, delta=1e-7):
    if "r" not in state:
        state["r"] = np.zeros_like(w, dtype=float)
    state["r"] = state["r"] + np.square(g)
    return w - lr * g / (delta + np.sqrt(state["r"])), state
''',
        "a loop over the elements": '''
def adagrad(w, g, state, lr, delta=1e-7):
    r = np.array(state.get("r", np.zeros(np.shape(w))), dtype=float, copy=True)
    w_new = np.array(w, dtype=float, copy=True)
    for i in np.ndindex(r.shape):
        r[i] += g[i] ** 2
        w_new[i] -= lr * g[i] / (delta + r[i] ** 0.5)
    return w_new, {"r": r}
''',
    },
    "rmsprop": {
        "the slides' Delta w <- -eps / (delta + sqrt(r)) * g": '''
def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    dw = -lr / (delta + np.sqrt(r)) * g
    return w + dw, {**state, "r": r}
''',
        "the slides' r_t = (1 - rho) g_t^2 + rho r_(t-1), state in place": '''
def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    r_prev = state.get("r", 0.0)
    state["r"] = (1 - rho) * g ** 2 + rho * r_prev
    return w - lr * g / (np.sqrt(state["r"]) + delta), state
''',
        "torch-style buffer on a copy, gradient scaled in place": '''
def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    square_avg = np.array(state.get("r", np.zeros_like(w)), dtype=float, copy=True)
    square_avg *= rho
    square_avg += (1 - rho) * g * g
    g /= np.sqrt(square_avg) + delta
    return w - lr * g, {"r": square_avg}
''',
    },
    "rmsprop_nesterov": {
        "the slide's steps a-d, delta outside the root": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    dw = state.get("v", np.zeros_like(w))
    r = state.get("r", np.zeros_like(w))
    g = grad_fn(w + mu * dw)                      # a. gradient at the look-ahead point
    r = rho * r + (1 - rho) * g * g               # b. accumulate the squared gradient
    v = mu * dw - lr / (delta + np.sqrt(r)) * g   # c. velocity update
    return w + v, {**state, "v": v, "r": r}       # d. w <- w + v
''',
        "the slide's eps / sqrt(r) exactly, no delta": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    dw = state.get("v", np.zeros_like(w))
    g = grad_fn(w + mu * dw)
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    v = mu * dw - lr / np.sqrt(r) * g
    return w + v, {"v": v, "r": r}
''',
        "state updated in place, the gradient scaled in place": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    v = state.get("v", np.zeros(np.shape(w)))
    g = np.array(grad_fn(w + mu * v), dtype=float)
    state["r"] = rho * state.get("r", 0.0) + (1 - rho) * g ** 2
    g /= delta + np.sqrt(state["r"])
    state["v"] = mu * v - lr * g
    return w + state["v"], state
''',
    },
    "adam": {
        "the slides' Possible Variation: s, r, s_hat, r_hat, Delta w = -eta s_hat / (delta + sqrt(r_hat))": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    t = state.get("t", 0) + 1
    s = rho1 * state.get("s", np.zeros_like(w)) + (1 - rho1) * g
    r = rho2 * state.get("r", np.zeros_like(w)) + (1 - rho2) * g * g
    s_hat = s / (1 - rho1 ** t)
    r_hat = r / (1 - rho2 ** t)
    dw = -lr * s_hat / (delta + np.sqrt(r_hat))
    return w + dw, {**state, "t": t, "s": s, "r": r}
''',
        "bias correction folded into the step size (PyTorch's form)": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    t = state.get("t", 0) + 1
    s = rho1 * state.get("s", 0.0) + (1 - rho1) * g
    r = rho2 * state.get("r", 0.0) + (1 - rho2) * g ** 2
    c1, c2 = 1 - rho1 ** t, np.sqrt(1 - rho2 ** t)
    step = lr * c2 / c1
    return w - step * s / (np.sqrt(r) + delta * c2), {"t": t, "s": s, "r": r}
''',
        "state in place, t as a float, an extra key": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    state["t"] = state.get("t", 0.0) + 1.0
    state["s"] = rho1 * state.get("s", np.zeros(np.shape(w))) + (1 - rho1) * g
    state["r"] = rho2 * state.get("r", np.zeros(np.shape(w))) + (1 - rho2) * np.square(g)
    s_hat = state["s"] / (1 - rho1 ** state["t"])
    r_hat = state["r"] / (1 - rho2 ** state["t"])
    state["last_step"] = lr * s_hat / (np.sqrt(r_hat) + delta)
    return w - state["last_step"], state
''',
    },
    "clip_by_norm": {
        "the slides' if |g| > nu: g <- g nu / |g|, with np.linalg.norm": '''
def clip_by_norm(g, nu):
    norm = np.linalg.norm(np.ravel(g))
    if norm > nu:
        g = g * nu / norm
    return g
''',
        "math.hypot of all the elements": '''
import math


def clip_by_norm(g, nu):
    norm = math.hypot(*np.ravel(g))
    return g * (nu / norm) if norm > nu else np.array(g, copy=True)
''',
        "in place on its own copy": '''
def clip_by_norm(g, nu):
    out = np.array(g, dtype=float, copy=True)
    norm = np.sqrt((out ** 2).sum())
    if norm > nu:
        out *= nu / norm
    return out
''',
    },
    "piecewise_constant": {
        "the slides' eta_i for t_i <= t <= t_(i+1), the first interval that holds t": '''
def piecewise_constant(step, boundaries, values):
    ts = [-float("inf")] + list(boundaries) + [float("inf")]
    for i in range(len(values)):
        if ts[i] <= step <= ts[i + 1]:
            return float(values[i])
''',
        "counts the boundaries already passed": '''
def piecewise_constant(step, boundaries, values):
    passed = sum(1 for b in boundaries if step > b)
    return values[passed]
''',
        "bisect_left": '''
import bisect


def piecewise_constant(step, boundaries, values):
    return float(values[bisect.bisect_left(list(boundaries), step)])
''',
    },
    "exponential_decay": {
        "the slides' eta0 e^(-lambda t), lambda = ln(1/decay_rate) / decay_steps": '''
import math


def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    lam = math.log(1 / decay_rate) / decay_steps
    t = (step // decay_steps) * decay_steps if staircase else step
    return lr0 * math.exp(-lam * t)
''',
        "integer division for the staircase, a NumPy float": '''
def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    exponent = step // decay_steps if staircase else step / decay_steps
    return lr0 * np.power(decay_rate, exponent)
''',
        "the staircase as repeated multiplication": '''
def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    if not staircase:
        return lr0 * decay_rate ** (step / decay_steps)
    lr = lr0
    for _ in range(int(step // decay_steps)):
        lr *= decay_rate
    return lr
''',
    },
    "polynomial_decay": {
        "the slides' eta0 (beta t + 1)^(-alpha) as written": '''
def polynomial_decay(step, lr0, beta, alpha):
    return lr0 * (beta * step + 1) ** -alpha
''',
        "a division": '''
def polynomial_decay(step, lr0, beta, alpha):
    return lr0 / (1.0 + beta * step) ** alpha
''',
        "exp of -alpha log1p(beta t), a NumPy float": '''
def polynomial_decay(step, lr0, beta, alpha):
    return lr0 * np.exp(-alpha * np.log1p(beta * step))
''',
    },
    "minibatches": {
        "np.split at the multiples of m": '''
def minibatches(n, m, rng):
    perm = rng.permutation(n)
    return np.split(perm, np.arange(m, n, m))
''',
        "a while loop": '''
def minibatches(n, m, rng):
    order = rng.permutation(n)
    batches, start = [], 0
    while start < n:
        batches.append(order[start:start + m])
        start += m
    return batches
''',
        "the full batches as rows of a reshape, then the rest": '''
def minibatches(n, m, rng):
    perm = rng.permutation(n)
    full = n // m
    batches = list(perm[:full * m].reshape(full, m))
    if n % m:
        batches.append(perm[full * m:])
    return batches
''',
    },
}

#: The variant that is the slides' formula (slide title) for every function the slides write out.
SLIDE_FORMULA = {
    "sgd": "the slides' w <- w - eta dL/dw on a copy, in place",
    "sgd_momentum": "the slides' second form v <- alpha v - eta dL/dw, state updated in place",
    "nesterov": "the slides' indices: dw(t-1) from the gradient at w(t-1) + mu dw(t-2)",
    "adagrad": "the slides' Delta w <- -eps / (delta + sqrt(r)) * g",
    "rmsprop": "the slides' Delta w <- -eps / (delta + sqrt(r)) * g",
    "rmsprop_nesterov": "the slide's eps / sqrt(r) exactly, no delta",
    "adam": "the slides' Possible Variation: s, r, s_hat, r_hat, Delta w = -eta s_hat / (delta + sqrt(r_hat))",
    "clip_by_norm": "the slides' if |g| > nu: g <- g nu / |g|, with np.linalg.norm",
    "piecewise_constant": "the slides' eta_i for t_i <= t <= t_(i+1), the first interval that holds t",
    "exponential_decay": "the slides' eta0 e^(-lambda t), lambda = ln(1/decay_rate) / decay_steps",
    "polynomial_decay": "the slides' eta0 (beta t + 1)^(-alpha) as written",
}
