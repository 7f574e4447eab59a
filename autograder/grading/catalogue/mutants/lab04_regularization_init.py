"""Plausible student bugs of lab 4 (regularisation and initialisation)."""

MUTANTS = {
    "l2_penalty": {
        "no one half": '''
def l2_penalty(weights, lam):
    return float(lam * sum(np.sum(W ** 2) for W, b in weights))
''',
        "penalises biases": '''
def l2_penalty(weights, lam):
    return float(0.5 * lam * sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in weights))
''',
        "norm not squared": '''
def l2_penalty(weights, lam):
    return float(0.5 * lam * sum(np.linalg.norm(W) for W, b in weights))
''',
        "mean instead of sum": '''
def l2_penalty(weights, lam):
    return float(0.5 * lam * sum(np.mean(W ** 2) for W, b in weights))
''',
        "last layer only": '''
def l2_penalty(weights, lam):
    W, b = weights[-1]
    return float(0.5 * lam * np.sum(W ** 2))
''',
    },
    "l2_penalty_grad": {
        "2 lam W": '''
def l2_penalty_grad(weights, lam):
    return [(2 * lam * W, np.zeros_like(b)) for W, b in weights]
''',
        "biases get lam b": '''
def l2_penalty_grad(weights, lam):
    return [(lam * W, lam * b) for W, b in weights]
''',
        "lam/2 W": '''
def l2_penalty_grad(weights, lam):
    return [(0.5 * lam * W, np.zeros_like(b)) for W, b in weights]
''',
        "dW only, no db": '''
def l2_penalty_grad(weights, lam):
    return [lam * W for W, b in weights]
''',
    },
    "l1_penalty": {
        "penalises biases": '''
def l1_penalty(weights, lam):
    return float(lam * sum(np.sum(np.abs(W)) + np.sum(np.abs(b)) for W, b in weights))
''',
        "one half like L2": '''
def l1_penalty(weights, lam):
    return float(0.5 * lam * sum(np.sum(np.abs(W)) for W, b in weights))
''',
        "abs of the sum": '''
def l1_penalty(weights, lam):
    return float(lam * sum(np.abs(np.sum(W)) for W, b in weights))
''',
        "squares instead of abs": '''
def l1_penalty(weights, lam):
    return float(lam * sum(np.sum(W ** 2) for W, b in weights))
''',
    },
    "l1_penalty_grad": {
        "W over |W| (NaN at 0)": '''
def l1_penalty_grad(weights, lam):
    return [(lam * W / np.abs(W), np.zeros_like(b)) for W, b in weights]
''',
        "+1 at W = 0": '''
def l1_penalty_grad(weights, lam):
    return [(lam * np.where(W >= 0, 1.0, -1.0), np.zeros_like(b)) for W, b in weights]
''',
        "lam W like L2": '''
def l1_penalty_grad(weights, lam):
    return [(lam * W, np.zeros_like(b)) for W, b in weights]
''',
        "biases get lam sign(b)": '''
def l1_penalty_grad(weights, lam):
    return [(lam * np.sign(W), lam * np.sign(b)) for W, b in weights]
''',
    },
    "dropout_forward": {
        "p is the keep probability": '''
def dropout_forward(x, p, train, rng):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not train:
        return x, np.ones_like(x)
    mask = (rng.random(x.shape) < p) / p if p > 0 else np.ones_like(x)
    return x * mask, mask
''',
        "no inverted scaling (scales at eval)": '''
def dropout_forward(x, p, train, rng):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not train:
        return x * (1 - p), np.ones_like(x)
    mask = (rng.random(x.shape) >= p).astype(float)
    return x * mask, mask
''',
        "drops at eval too": '''
def dropout_forward(x, p, train, rng):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
''',
        "scales by 1/p": '''
def dropout_forward(x, p, train, rng):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not train:
        return x, np.ones_like(x)
    mask = (rng.random(x.shape) >= p) / p if p > 0 else np.ones_like(x)
    return x * mask, mask
''',
        "no ValueError check": '''
def dropout_forward(x, p, train, rng):
    if not train:
        return x, np.ones_like(x)
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
''',
        "one mask shared by all rows": '''
def dropout_forward(x, p, train, rng):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not train:
        return x, np.ones_like(x)
    mask = (rng.random(x.shape[-1]) >= p) / (1 - p)
    return x * mask, mask
''',
        "eval mask is None": '''
def dropout_forward(x, p, train, rng):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not train:
        return x, None
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask, mask
''',
    },
    "dropout_backward": {
        "ignores the mask": '''
def dropout_backward(dout, mask):
    return dout
''',
        "binary mask, no scaling": '''
def dropout_backward(dout, mask):
    return dout * (mask > 0)
''',
        "divides by the mask": '''
def dropout_backward(dout, mask):
    return np.divide(dout, mask, out=np.zeros_like(dout), where=mask != 0)
''',
    },
    "EarlyStopping": {
        "<= instead of <": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.wait, self.epoch = float("inf"), None, 0, 0

    def step(self, val_loss):
        if val_loss <= self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = val_loss, self.epoch, 0
        else:
            self.wait += 1
        self.epoch += 1
        return self.wait >= self.patience
''',
        "ignores min_delta": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.wait, self.epoch = float("inf"), None, 0, 0

    def step(self, val_loss):
        if val_loss < self.best:
            self.best, self.best_epoch, self.wait = val_loss, self.epoch, 0
        else:
            self.wait += 1
        self.epoch += 1
        return self.wait >= self.patience
''',
        "wait not reset": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.wait, self.epoch = float("inf"), None, 0, 0

    def step(self, val_loss):
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch = val_loss, self.epoch
        else:
            self.wait += 1
        self.epoch += 1
        return self.wait >= self.patience
''',
        "wait > patience": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.wait, self.epoch = float("inf"), None, 0, 0

    def step(self, val_loss):
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = val_loss, self.epoch, 0
        else:
            self.wait += 1
        self.epoch += 1
        return self.wait > self.patience
''',
        "epochs counted from 1": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.wait, self.epoch = float("inf"), None, 0, 0

    def step(self, val_loss):
        self.epoch += 1
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = val_loss, self.epoch, 0
        else:
            self.wait += 1
        return self.wait >= self.patience
''',
        "compares with the previous loss": '''
class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.wait, self.epoch = float("inf"), None, 0, 0
        self.previous = float("inf")

    def step(self, val_loss):
        if val_loss < self.previous - self.min_delta:
            self.best, self.best_epoch, self.wait = val_loss, self.epoch, 0
        else:
            self.wait += 1
        self.previous = val_loss
        self.epoch += 1
        return self.wait >= self.patience
''',
    },
    "xavier_uniform": {
        "fan_in only (1/sqrt(fan_in))": '''
def xavier_uniform(fan_in, fan_out, rng):
    a = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
''',
        "sqrt(6/fan_out) (n_out for the slide's n_in)": '''
def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_out)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
''',
        "sqrt(6)/(fan_in + fan_out): root of the numerator only": '''
def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0) / (fan_in + fan_out)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
''',
        "transposed shape": '''
def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_out, fan_in))
''',
        "normal with the Xavier variance": '''
def xavier_uniform(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))
''',
        "U(0, a)": '''
def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(0.0, a, size=(fan_in, fan_out))
''',
        "a = sqrt(2/(fan_in+fan_out))": '''
def xavier_uniform(fan_in, fan_out, rng):
    a = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))
''',
    },
    "he_normal": {
        "variance used as std": '''
def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, 2.0 / fan_in, size=(fan_in, fan_out))
''',
        "fan_out instead of fan_in": '''
def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_out), size=(fan_in, fan_out))
''',
        "LeCun 1/fan_in": '''
def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))
''',
        "uniform with the He variance": '''
def he_normal(fan_in, fan_out, rng):
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))
''',
        "transposed shape": '''
def he_normal(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
''',
        "abs of the normal (half-normal)": '''
def he_normal(fan_in, fan_out, rng):
    return np.abs(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)))
''',
    },
}

# Functions no other graded function calls, so a bug there costs points in its own test cell only.
NOTEBOOK_SAMPLE = ["dropout_forward:no inverted scaling (scales at eval)", "he_normal:fan_out instead of fan_in",
                   "EarlyStopping:ignores min_delta"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab04_regularization_init.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'l2_penalty': dict(contradicts='slides.txt:2139'),
    'l2_penalty_grad': dict(contradicts='slides.txt:2139'),
    'l1_penalty': dict(contradicts='slides.txt:2139'),
    'l1_penalty_grad': dict(contradicts='slides.txt:2139'),
    'dropout_forward': dict(contradicts='slides.txt:2166', diagnosable=False),
    'dropout_backward': dict(contradicts='slides.txt:2166'),
    'EarlyStopping': dict(contradicts='slides.txt:2207'),
    'xavier_uniform': dict(contradicts='slides.txt:2261', diagnosable=False),
    'he_normal': dict(contradicts='slides.txt:2273', diagnosable=False),
}
