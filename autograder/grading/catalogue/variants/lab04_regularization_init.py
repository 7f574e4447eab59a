"""Correct variants of lab 4's graded functions (penalties, dropout, early stopping, initialisers).

The slides' formulas where the lab grades them (``SLIDE_FORMULA``: the penalties with λ, both Xavier
bounds, He with the standard deviation as on the slide), and students' styles: norms, einsum and
concatenated weight vectors, lists for pairs, a float32 dropout mask, other ways of drawing the same
distributions (binomial, uniform, standard normal, Box-Muller), and EarlyStopping written with other
bookkeeping. Each value is the full source of a solution cell, run with ``np`` and the notebook's other
cells in scope.
"""

VARIANTS = {
    "l2_penalty": {
        "the slides' 0.5 sum |w_i|^2, times lam, loop over layers": '''
def l2_penalty(weights, lam):
    total = 0.0
    for W, b in weights:
        total += np.sum(np.abs(W) ** 2)
    return lam * 0.5 * total
''',
        "squared Frobenius norms": '''
def l2_penalty(weights, lam):
    return float(lam / 2 * sum(np.linalg.norm(W, "fro") ** 2 for W, _ in weights))
''',
        "all weights in one vector": '''
def l2_penalty(weights, lam):
    v = np.concatenate([np.ravel(W) for W, _ in weights])
    return 0.5 * lam * float(v @ v)
''',
        "einsum": '''
def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.einsum("ij,ij->", W, W) for W, _ in weights)
''',
    },
    "l2_penalty_grad": {
        "pairs as lists": '''
def l2_penalty_grad(weights, lam):
    return [[lam * W, np.zeros(b.shape)] for W, b in weights]
''',
        "a loop appending tuples": '''
def l2_penalty_grad(weights, lam):
    grads = []
    for W, b in weights:
        grads.append((np.multiply(lam, W), np.zeros_like(b, dtype=float)))
    return grads
''',
        "scales its own copies in place": '''
def l2_penalty_grad(weights, lam):
    out = []
    for W, b in weights:
        dW = np.array(W, dtype=float, copy=True)
        dW *= lam
        out.append((dW, 0.0 * np.asarray(b, dtype=float)))
    return out
''',
    },
    "l1_penalty": {
        "the slides' sum |w_i|, times lam, loop": '''
def l1_penalty(weights, lam):
    total = 0.0
    for W, _ in weights:
        total += np.abs(W).sum()
    return float(lam * total)
''',
        "entrywise 1-norms of the flattened matrices": '''
def l1_penalty(weights, lam):
    return lam * sum(np.linalg.norm(np.ravel(W), 1) for W, _ in weights)
''',
        "all weights in one vector": '''
def l1_penalty(weights, lam):
    return float(lam * np.abs(np.concatenate([W.ravel() for W, b in weights])).sum())
''',
    },
    "l1_penalty_grad": {
        "nested np.where": '''
def l1_penalty_grad(weights, lam):
    return [(np.where(W > 0, lam, np.where(W < 0, -lam, 0.0)), np.zeros_like(b, dtype=float)) for W, b in weights]
''',
        "(W > 0) - (W < 0) as floats": '''
def l1_penalty_grad(weights, lam):
    grads = []
    for W, b in weights:
        sign = (W > 0).astype(float) - (W < 0).astype(float)
        grads.append((lam * sign, np.zeros(np.shape(b))))
    return grads
''',
        "copysign, zero where W = 0, pairs as lists": '''
def l1_penalty_grad(weights, lam):
    return [[lam * np.copysign(1.0, W) * (W != 0), np.zeros_like(b, dtype=float)] for W, b in weights]
''',
    },
    "dropout_forward": {
        "a float32 mask": '''
def dropout_forward(x, p, train, rng):
    if p < 0 or p >= 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not train:
        return np.array(x, copy=True), np.ones_like(x)
    keep = rng.random(x.shape) >= p
    mask = keep.astype(np.float32) / np.float32(1 - p)
    return x * mask, mask
''',
        "rng.uniform for the draws, out scaled in place on its own copy": '''
def dropout_forward(x, p, train, rng):
    if not (0 <= p < 1):
        raise ValueError("dropout probability must satisfy 0 <= p < 1")
    out = np.array(x, dtype=float, copy=True)
    if not train:
        return out, np.ones(out.shape)
    mask = (rng.uniform(0.0, 1.0, size=out.shape) >= p) / (1.0 - p)
    out *= mask
    return out, mask
''',
        "a Bernoulli(1 - p) keep mask from rng.binomial": '''
def dropout_forward(x, p, train, rng):
    if p < 0.0 or not p < 1.0:
        raise ValueError(p)
    x = np.asarray(x, dtype=float)
    if train:
        mask = rng.binomial(1, 1.0 - p, size=x.shape) / (1.0 - p)
        return x * mask, mask
    return x.copy(), np.ones_like(x)
''',
    },
    "dropout_backward": {
        "np.multiply": '''
def dropout_backward(dout, mask):
    return np.multiply(dout, mask)
''',
        "zero where dropped, scaled elsewhere": '''
def dropout_backward(dout, mask):
    return np.where(mask == 0, 0.0, dout * mask)
''',
        "in place on its own copy": '''
def dropout_backward(dout, mask):
    dx = np.array(dout, dtype=float, copy=True)
    dx *= mask
    return dx
''',
    },
    "EarlyStopping": {
        "float('inf') and a bad_epochs counter": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch = float("inf"), None
        self.bad_epochs, self.epochs_seen = 0, 0

    def step(self, val_loss):
        epoch = self.epochs_seen
        self.epochs_seen += 1
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = val_loss, epoch, 0
            return False
        self.bad_epochs += 1
        return bool(self.bad_epochs >= self.patience)
''',
        "a history of losses; the epoch is its length": '''
import math


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.history = []
        self.best = math.inf
        self.best_epoch = None

    def step(self, val_loss):
        self.history.append(val_loss)
        if val_loss < self.best - self.min_delta:
            self.best = val_loss
            self.best_epoch = len(self.history) - 1
        return len(self.history) - 1 - (self.best_epoch if self.best_epoch is not None else -1) >= self.patience
''',
        "best starts as np.float64(np.inf)": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best = np.float64(np.inf)
        self.best_epoch = None
        self.wait = 0
        self.epoch = -1

    def step(self, val_loss):
        self.epoch += 1
        improved = val_loss < self.best - self.min_delta
        if improved:
            self.best, self.best_epoch, self.wait = val_loss, self.epoch, 0
        else:
            self.wait += 1
        return self.wait >= self.patience
''',
        "np.inf, the improvement test as a helper": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best = np.inf
        self.best_epoch = None
        self._epoch = 0
        self._wait = 0

    def _improves(self, loss):
        return self.best - loss > self.min_delta

    def step(self, val_loss):
        if self._improves(val_loss):
            self.best, self.best_epoch, self._wait = val_loss, self._epoch, 0
        else:
            self._wait += 1
        self._epoch += 1
        return self._wait >= self.patience
''',
    },
    "xavier_uniform": {
        "the slides' main form U(-sqrt(6/n_in), sqrt(6/n_in))": '''
def xavier_uniform(fan_in, fan_out, rng):
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))
''',
        "the slides' second form from rng.random scaled to [-a, a)": '''
def xavier_uniform(fan_in, fan_out, rng):
    a = (6.0 / (fan_in + fan_out)) ** 0.5
    return a * (2.0 * rng.random((fan_in, fan_out)) - 1.0)
''',
        "math.sqrt and the size as a list": '''
import math


def xavier_uniform(fan_in, fan_out, rng):
    a = math.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(low=-a, high=a, size=[fan_in, fan_out])
''',
    },
    "he_normal": {
        "the slides' N(0, sqrt(2/n_in)) with the std as second argument": '''
def he_normal(fan_in, fan_out, rng):
    return rng.normal(0, np.sqrt(2 / fan_in), (fan_in, fan_out))
''',
        "standard normal times the std": '''
def he_normal(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
''',
        "Box-Muller from uniform draws": '''
def he_normal(fan_in, fan_out, rng):
    u1 = 1.0 - rng.random((fan_in, fan_out))
    u2 = rng.random((fan_in, fan_out))
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return z * np.sqrt(2.0 / fan_in)
''',
    },
}

#: The variant that is the slides' formula (slide title) for every function the slides write out.
SLIDE_FORMULA = {
    "l2_penalty": "the slides' 0.5 sum |w_i|^2, times lam, loop over layers",
    "l1_penalty": "the slides' sum |w_i|, times lam, loop",
    "xavier_uniform": "the slides' main form U(-sqrt(6/n_in), sqrt(6/n_in))",
    "he_normal": "the slides' N(0, sqrt(2/n_in)) with the std as second argument",
}
