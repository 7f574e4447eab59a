"""Plausible student bugs in lab 3 (each value is the full source of a buggy solution cell)."""

MUTANTS = {
    "sgd": {
        "ascends (w + lr g)": '''
def sgd(w, g, state, lr):
    return w + lr * g, state
''',
        "updates w in place": '''
def sgd(w, g, state, lr):
    w -= lr * g
    return w, state
''',
        "hard-coded lr 0.01": '''
def sgd(w, g, state, lr):
    return w - 0.01 * g, state
''',
        "divides by lr": '''
def sgd(w, g, state, lr):
    return w - g / lr, state
''',
    },
    "sgd_momentum": {
        "velocity not stored in state": '''
def sgd_momentum(w, g, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    v = -lr * g + mu * v
    return w + v, state
''',
        "mu scales the gradient term (EMA of gradients)": '''
def sgd_momentum(w, g, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    v = mu * v + (1 - mu) * g
    state["v"] = v
    return w - lr * v, state
''',
        "w updated with the old velocity": '''
def sgd_momentum(w, g, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    w_new = w + v
    state["v"] = -lr * g + mu * v
    return w_new, state
''',
        "hard-coded mu 0.9": '''
def sgd_momentum(w, g, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    v = -lr * g + 0.9 * v
    state["v"] = v
    return w + v, state
''',
        "in-place update of w": '''
def sgd_momentum(w, g, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    v = -lr * g + mu * v
    state["v"] = v
    w += v
    return w, state
''',
    },
    "nesterov": {
        "gradient at w, not at the look-ahead point": '''
def nesterov(w, grad_fn, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w)
    v = -lr * g + mu * v
    state["v"] = v
    return w + v, state
''',
        "look-ahead in the wrong direction (w - mu v)": '''
def nesterov(w, grad_fn, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w - mu * v)
    v = -lr * g + mu * v
    state["v"] = v
    return w + v, state
''',
        "returns the look-ahead point": '''
def nesterov(w, grad_fn, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w + mu * v)
    v = -lr * g + mu * v
    state["v"] = v
    return w + v + mu * v, state
''',
        "velocity not stored in state": '''
def nesterov(w, grad_fn, state, lr, mu):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w + mu * v)
    v = -lr * g + mu * v
    return w + v, state
''',
    },
    "adagrad": {
        "delta inside the square root": '''
def adagrad(w, g, state, lr, delta=1e-7):
    r = state.get("r", np.zeros_like(w)) + g * g
    state["r"] = r
    return w - lr * g / np.sqrt(delta + r), state
''',
        "r not accumulated (only the current g^2)": '''
def adagrad(w, g, state, lr, delta=1e-7):
    r = g * g
    state["r"] = r
    return w - lr * g / (delta + np.sqrt(r)), state
''',
        "no square root": '''
def adagrad(w, g, state, lr, delta=1e-7):
    r = state.get("r", np.zeros_like(w)) + g * g
    state["r"] = r
    return w - lr * g / (delta + r), state
''',
        "hard-coded delta 1e-7": '''
def adagrad(w, g, state, lr, delta=1e-7):
    r = state.get("r", np.zeros_like(w)) + g * g
    state["r"] = r
    return w - lr * g / (1e-7 + np.sqrt(r)), state
''',
    },
    "rmsprop": {
        "delta inside the square root (Goodfellow et al., Alg. 8.5; the slides put it outside)": '''
def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    state["r"] = r
    return w - lr * g / np.sqrt(delta + r), state
''',
        "rho and 1 - rho swapped": '''
def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    r = (1 - rho) * state.get("r", np.zeros_like(w)) + rho * g * g
    state["r"] = r
    return w - lr * g / (delta + np.sqrt(r)), state
''',
        "r not stored in state": '''
def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    return w - lr * g / (delta + np.sqrt(r)), state
''',
        "hard-coded rho 0.9": '''
def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    r = 0.9 * state.get("r", np.zeros_like(w)) + 0.1 * g * g
    state["r"] = r
    return w - lr * g / (delta + np.sqrt(r)), state
''',
        "AdaGrad's sum instead of the moving average": '''
def rmsprop(w, g, state, lr, rho=0.9, delta=1e-6):
    r = state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    state["r"] = r
    return w - lr * g / (delta + np.sqrt(r)), state
''',
    },
    "rmsprop_nesterov": {
        "gradient at w, not at the look-ahead point": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w)
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    v = mu * v - lr * g / (delta + np.sqrt(r))
    return w + v, {**state, "v": v, "r": r}
''',
        "r accumulated before the look-ahead gradient (uses the previous g)": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    v = state.get("v", np.zeros_like(w))
    g_old = state.get("g", np.zeros_like(w))
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g_old * g_old
    g = grad_fn(w + mu * v)
    v = mu * v - lr * g / (delta + np.sqrt(r))
    return w + v, {**state, "v": v, "r": r, "g": g}
''',
        "velocity not stored in state": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w + mu * v)
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    v = mu * v - lr * g / (delta + np.sqrt(r))
    return w + v, {**state, "r": r}
''',
        "r not stored in state": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w + mu * v)
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    v = mu * v - lr * g / (delta + np.sqrt(r))
    return w + v, {**state, "v": v}
''',
        "momentum term scaled by the RMS too": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w + mu * v)
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    v = (mu * v - lr * g) / (delta + np.sqrt(r))
    return w + v, {**state, "v": v, "r": r}
''',
        "returns the look-ahead point": '''
def rmsprop_nesterov(w, grad_fn, state, lr, mu, rho=0.9, delta=1e-8):
    v = state.get("v", np.zeros_like(w))
    g = grad_fn(w + mu * v)
    r = rho * state.get("r", np.zeros_like(w)) + (1 - rho) * g * g
    v = mu * v - lr * g / (delta + np.sqrt(r))
    return w + v + mu * v, {**state, "v": v, "r": r}
''',
    },
    "adam": {
        "no bias correction": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    s = rho1 * state.get("s", np.zeros_like(w)) + (1 - rho1) * g
    r = rho2 * state.get("r", np.zeros_like(w)) + (1 - rho2) * g * g
    state["s"], state["r"] = s, r
    return w - lr * s / (np.sqrt(r) + delta), state
''',
        "t never stored (bias correction always uses t = 1)": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    t = state.get("t", 0) + 1
    s = rho1 * state.get("s", np.zeros_like(w)) + (1 - rho1) * g
    r = rho2 * state.get("r", np.zeros_like(w)) + (1 - rho2) * g * g
    state["s"], state["r"] = s, r
    s_hat = s / (1 - rho1 ** t)
    r_hat = r / (1 - rho2 ** t)
    return w - lr * s_hat / (np.sqrt(r_hat) + delta), state
''',
        "delta inside the square root": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    t = state.get("t", 0) + 1
    s = rho1 * state.get("s", np.zeros_like(w)) + (1 - rho1) * g
    r = rho2 * state.get("r", np.zeros_like(w)) + (1 - rho2) * g * g
    state.update(t=t, s=s, r=r)
    s_hat = s / (1 - rho1 ** t)
    r_hat = r / (1 - rho2 ** t)
    return w - lr * s_hat / np.sqrt(r_hat + delta), state
''',
        "rho1 and rho2 swapped in the bias correction": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    t = state.get("t", 0) + 1
    s = rho1 * state.get("s", np.zeros_like(w)) + (1 - rho1) * g
    r = rho2 * state.get("r", np.zeros_like(w)) + (1 - rho2) * g * g
    state.update(t=t, s=s, r=r)
    s_hat = s / (1 - rho2 ** t)
    r_hat = r / (1 - rho1 ** t)
    return w - lr * s_hat / (np.sqrt(r_hat) + delta), state
''',
        "second moment of g, not g squared": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    t = state.get("t", 0) + 1
    s = rho1 * state.get("s", np.zeros_like(w)) + (1 - rho1) * g
    r = rho2 * state.get("r", np.zeros_like(w)) + (1 - rho2) * np.abs(g)
    state.update(t=t, s=s, r=r)
    s_hat = s / (1 - rho1 ** t)
    r_hat = r / (1 - rho2 ** t)
    return w - lr * s_hat / (np.sqrt(r_hat) + delta), state
''',
        "t used before it is incremented": '''
def adam(w, g, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
    t = state.get("t", 0)
    s = rho1 * state.get("s", np.zeros_like(w)) + (1 - rho1) * g
    r = rho2 * state.get("r", np.zeros_like(w)) + (1 - rho2) * g * g
    s_hat = s / (1 - rho1 ** t)
    r_hat = r / (1 - rho2 ** t)
    state.update(t=t + 1, s=s, r=r)
    return w - lr * s_hat / (np.sqrt(r_hat) + delta), state
''',
    },
    "clip_by_norm": {
        "clips each element to [-nu, nu]": '''
def clip_by_norm(g, nu):
    return np.clip(g, -nu, nu)
''',
        "always rescales to norm nu": '''
def clip_by_norm(g, nu):
    return g * nu / np.linalg.norm(g)
''',
        "norm of each row instead of all elements": '''
def clip_by_norm(g, nu):
    g = np.atleast_2d(g)
    norms = np.linalg.norm(g, axis=-1, keepdims=True)
    return np.where(norms > nu, g * nu / norms, g).reshape(g.shape)
''',
        "squared norm compared and used": '''
def clip_by_norm(g, nu):
    sq = np.sum(g ** 2)
    if sq > nu:
        return g * nu / sq
    return g
''',
    },
    "piecewise_constant": {
        "step at a boundary already takes the next value": '''
def piecewise_constant(step, boundaries, values):
    for i, b in enumerate(boundaries):
        if step < b:
            return values[i]
    return values[-1]
''',
        "boundaries read as phase lengths (cumulative)": '''
def piecewise_constant(step, boundaries, values):
    end = 0
    for i, length in enumerate(boundaries):
        end += length
        if step <= end:
            return values[i]
    return values[-1]
''',
        "last value never used": '''
def piecewise_constant(step, boundaries, values):
    for i, b in enumerate(boundaries):
        if step <= b:
            return values[i]
    return values[len(boundaries) - 1]
''',
    },
    "exponential_decay": {
        "staircase ignored": '''
def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    return lr0 * decay_rate ** (step / decay_steps)
''',
        "exponent not divided by decay_steps": '''
def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    exponent = step // decay_steps if staircase else step
    return lr0 * decay_rate ** exponent
''',
        "round instead of floor for the staircase": '''
def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    exponent = step / decay_steps
    if staircase:
        exponent = round(exponent)
    return lr0 * decay_rate ** exponent
''',
        "exp(-decay_rate t) instead of decay_rate^t": '''
def exponential_decay(step, lr0, decay_rate, decay_steps, staircase=False):
    exponent = step / decay_steps
    if staircase:
        exponent = np.floor(exponent)
    return lr0 * np.exp(-decay_rate * exponent)
''',
    },
    "polynomial_decay": {
        "no + 1: (beta t)^(-alpha) is inf at t = 0": '''
def polynomial_decay(step, lr0, beta, alpha):
    with np.errstate(divide="ignore"):
        return float(lr0 * np.float64(beta * step) ** (-alpha))
''',
        "exponent +alpha (grows)": '''
def polynomial_decay(step, lr0, beta, alpha):
    return lr0 * (beta * step + 1) ** alpha
''',
        "alpha and beta swapped": '''
def polynomial_decay(step, lr0, beta, alpha):
    return lr0 * (alpha * step + 1) ** (-beta)
''',
        "beta inside the power: (t + 1)^(-alpha) * beta": '''
def polynomial_decay(step, lr0, beta, alpha):
    return lr0 * beta * (step + 1) ** (-alpha)
''',
        "divides by alpha: lr0 / (alpha (beta t + 1))": '''
def polynomial_decay(step, lr0, beta, alpha):
    return lr0 / (alpha * (beta * step + 1))
''',
    },
    "minibatches": {
        "no shuffling": '''
def minibatches(n, m, rng):
    idx = np.arange(n)
    return [idx[i:i + m] for i in range(0, n, m)]
''',
        "drops the last incomplete batch": '''
def minibatches(n, m, rng):
    perm = rng.permutation(n)
    return [perm[i * m:(i + 1) * m] for i in range(n // m)]
''',
        "samples with replacement": '''
def minibatches(n, m, rng):
    idx = rng.choice(n, size=n, replace=True)
    return [idx[i:i + m] for i in range(0, n, m)]
''',
        "global NumPy generator instead of rng": '''
def minibatches(n, m, rng):
    perm = np.random.permutation(n)
    return [perm[i:i + m] for i in range(0, n, m)]
''',
        "np.array_split into n // m batches": '''
def minibatches(n, m, rng):
    perm = rng.permutation(n)
    return np.array_split(perm, max(1, n // m))
''',
    },
}

NOTEBOOK_SAMPLE = ["adam:no bias correction",
                   "rmsprop:delta inside the square root (Goodfellow et al., Alg. 8.5; the slides put it outside)",
                   "piecewise_constant:step at a boundary already takes the next value"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab03_optimizers.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'sgd': dict(contradicts='slides.txt:1338'),
    'sgd_momentum': dict(contradicts='slides.txt:1554'),
    'nesterov': dict(contradicts='slides.txt:1580'),
    'adagrad': dict(contradicts='slides.txt:1618'),
    'rmsprop': dict(contradicts='slides.txt:1733'),
    'rmsprop_nesterov': dict(contradicts='slides.txt:1752'),
    'adam': dict(contradicts='slides.txt:1765'),
    'clip_by_norm': dict(contradicts='slides.txt:1820'),
    'piecewise_constant': dict(contradicts='slides.txt:1590'),
    'exponential_decay': dict(contradicts='slides.txt:1592'),
    'polynomial_decay': dict(contradicts='slides.txt:1594'),
    'minibatches': dict(contradicts='slides.txt:1359'),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'minibatches:global NumPy generator instead of rng': dict(diagnosable=False),
}
