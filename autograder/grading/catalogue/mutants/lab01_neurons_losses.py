"""Plausible student bugs in lab 1 (each value is the full source of a buggy solution cell)."""

MUTANTS = {
    "linear_neuron": {
        "uses w transposed: X @ w.T": '''
def linear_neuron(X, w, b):
    return X @ np.asarray(w).T + b
''',
        "forgets the bias": '''
def linear_neuron(X, w, b):
    return X @ w
''',
        "subtracts the bias": '''
def linear_neuron(X, w, b):
    return X @ w - b
''',
        "only handles one neuron: sum(X * w, axis=1)": '''
def linear_neuron(X, w, b):
    return np.sum(X * w, axis=1) + b
''',
    },
    "fit_least_squares": {
        "no column of ones (fit through the origin)": '''
def fit_least_squares(X, y_o):
    w = np.linalg.lstsq(X, y_o, rcond=None)[0]
    b = 0.0 if np.ndim(y_o) == 1 else np.zeros(np.shape(y_o)[1])
    return w, b
''',
        "ones prepended, bias read from the last row": '''
def fit_least_squares(X, y_o):
    A = np.column_stack([np.ones(len(X)), X])
    theta = np.linalg.lstsq(A, y_o, rcond=None)[0]
    b = theta[-1]
    return theta[:-1], (float(b) if np.ndim(y_o) == 1 else b)
''',
        "bias = mean of targets, w fitted without intercept": '''
def fit_least_squares(X, y_o):
    w = np.linalg.lstsq(X, y_o, rcond=None)[0]
    b = np.mean(y_o, axis=0)
    return w, (float(b) if np.ndim(y_o) == 1 else b)
''',
        "bias returned as a length-1 array for one output": '''
def fit_least_squares(X, y_o):
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.solve(A.T @ A, A.T @ y_o)
    return theta[:-1], theta[-1:] if np.ndim(y_o) == 1 else theta[-1]
''',
        "flattens multi-output targets": '''
def fit_least_squares(X, y_o):
    A = np.column_stack([X, np.ones(len(X))])
    y = np.asarray(y_o).reshape(len(X), -1)[:, 0]
    theta = np.linalg.lstsq(A, y, rcond=None)[0]
    if np.ndim(y_o) == 1:
        return theta[:-1], float(theta[-1])
    k = np.shape(y_o)[1]
    return np.repeat(theta[:-1, None], k, axis=1), np.repeat(theta[-1], k)
''',
    },
    "sigmoid": {
        "sign flipped: 1/(1+e^x)": '''
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(np.asarray(x, dtype=float)))
''',
        "e^x/(1+e^x) overflows at +1000": '''
def sigmoid(x):
    e = np.exp(np.asarray(x, dtype=float))
    return e / (1.0 + e)
''',
        "(1 + tanh x)/2 without halving x": '''
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(x))
''',
    },
    "sigmoid_derivative": {
        "treats the argument as sigma(x): x(1-x)": '''
def sigmoid_derivative(x):
    return x * (1 - x)
''',
        "sigma(1+sigma)": '''
def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1 + s)
''',
        "missing square: e^-x/(1+e^-x)": '''
def sigmoid_derivative(x):
    x = np.asarray(x, dtype=float)
    return np.exp(-x) / (1 + np.exp(-x))
''',
    },
    "tanh": {
        "naive (e^x - e^-x)/(e^x + e^-x) gives nan at large |x|": '''
def tanh(x):
    x = np.asarray(x, dtype=float)
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
''',
        "2 sigmoid(x) - 1 (that is tanh(x/2))": '''
def tanh(x):
    return 2 * sigmoid(x) - 1
''',
        "hard tanh: clip to [-1, 1]": '''
def tanh(x):
    return np.clip(x, -1.0, 1.0)
''',
    },
    "tanh_derivative": {
        "treats the argument as tanh(x): 1 - x^2": '''
def tanh_derivative(x):
    return 1 - np.asarray(x, dtype=float) ** 2
''',
        "missing square: 1 - tanh(x)": '''
def tanh_derivative(x):
    return 1 - np.tanh(x)
''',
        "sech instead of sech^2": '''
def tanh_derivative(x):
    return 1 / np.cosh(np.asarray(x, dtype=float))
''',
    },
    "relu": {
        "absolute value": '''
def relu(x):
    return np.abs(np.asarray(x, dtype=float))
''',
        "returns the derivative (step)": '''
def relu(x):
    return np.where(np.asarray(x) > 0, 1.0, 0.0)
''',
        "clipped at 1 like a hard sigmoid": '''
def relu(x):
    return np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
''',
        "min instead of max": '''
def relu(x):
    return np.minimum(np.asarray(x, dtype=float), 0.0)
''',
    },
    "relu_derivative": {
        "1 at x = 0": '''
def relu_derivative(x):
    return (np.asarray(x) >= 0).astype(float)
''',
        "returns booleans": '''
def relu_derivative(x):
    return np.asarray(x) > 0
''',
        "sign(x): -1 for negative x": '''
def relu_derivative(x):
    return np.sign(np.asarray(x, dtype=float))
''',
        "returns relu(x)": '''
def relu_derivative(x):
    return np.maximum(np.asarray(x, dtype=float), 0.0)
''',
    },
    "leaky_relu": {
        "ignores m (always 0.01)": '''
def leaky_relu(x, m=0.01):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, 0.01 * x)
''',
        "constant m instead of m*x": '''
def leaky_relu(x, m=0.01):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, m)
''',
        "relu(x) + m*x": '''
def leaky_relu(x, m=0.01):
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0) + m * x
''',
    },
    "leaky_relu_derivative": {
        "1 at x = 0": '''
def leaky_relu_derivative(x, m=0.01):
    return np.where(np.asarray(x) >= 0, 1.0, m)
''',
        "ignores m (always 0.01)": '''
def leaky_relu_derivative(x, m=0.01):
    return np.where(np.asarray(x) > 0, 1.0, 0.01)
''',
        "m*x instead of m for x <= 0": '''
def leaky_relu_derivative(x, m=0.01):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, 1.0, m * x)
''',
        "relu derivative (0 for x <= 0)": '''
def leaky_relu_derivative(x, m=0.01):
    return np.where(np.asarray(x) > 0, 1.0, 0.0)
''',
    },
    "softmax": {
        "no max subtraction (overflow)": '''
def softmax(y):
    e = np.exp(np.asarray(y, dtype=float))
    return e / np.sum(e, axis=-1, keepdims=True)
''',
        "over axis 0 (columns)": '''
def softmax(y):
    y = np.asarray(y, dtype=float)
    e = np.exp(y - np.max(y, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
''',
        "subtracts the global max (rows far apart underflow)": '''
def softmax(y):
    y = np.asarray(y, dtype=float)
    e = np.exp(y - np.max(y))
    return e / np.sum(e, axis=-1, keepdims=True)
''',
        "normalises by the sum over all elements": '''
def softmax(y):
    y = np.asarray(y, dtype=float)
    e = np.exp(y - np.max(y, axis=-1, keepdims=True))
    return e / np.sum(e)
''',
    },
    "one_hot": {
        "num_classes from the largest label": '''
def one_hot(labels, num_classes):
    labels = np.asarray(labels)
    return np.eye(labels.max() + 1)[labels]
''',
        "integer dtype": '''
def one_hot(labels, num_classes):
    labels = np.asarray(labels)
    out = np.zeros((len(labels), num_classes), dtype=int)
    out[np.arange(len(labels)), labels] = 1
    return out
''',
        "transposed (classes x samples)": '''
def one_hot(labels, num_classes):
    return np.eye(num_classes)[np.asarray(labels)].T
''',
        "off by one (labels - 1)": '''
def one_hot(labels, num_classes):
    return np.eye(num_classes)[np.asarray(labels) - 1]
''',
    },
    "mse": {
        "sum instead of mean": '''
def mse(y, y_o):
    return float(np.sum((np.asarray(y) - np.asarray(y_o)) ** 2))
''',
        "half the mean (1/2 convention)": '''
def mse(y, y_o):
    return float(0.5 * np.mean((np.asarray(y) - np.asarray(y_o)) ** 2))
''',
        "root of the mean (RMSE)": '''
def mse(y, y_o):
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(y_o)) ** 2)))
''',
    },
    "mae": {
        "no absolute value": '''
def mae(y, y_o):
    return float(np.mean(np.asarray(y) - np.asarray(y_o)))
''',
        "sum instead of mean": '''
def mae(y, y_o):
    return float(np.sum(np.abs(np.asarray(y) - np.asarray(y_o))))
''',
        "median absolute error": '''
def mae(y, y_o):
    return float(np.median(np.abs(np.asarray(y) - np.asarray(y_o))))
''',
    },
    "huber": {
        "ignores delta (always 1)": '''
def huber(y, y_o, delta=1.0):
    a = np.abs(np.asarray(y, dtype=float) - y_o)
    return float(np.mean(np.where(a <= 1.0, 0.5 * a ** 2, a - 0.5)))
''',
        "linear part delta*|r| (no -delta/2)": '''
def huber(y, y_o, delta=1.0):
    a = np.abs(np.asarray(y, dtype=float) - y_o)
    return float(np.mean(np.where(a <= delta, 0.5 * a ** 2, delta * a)))
''',
        "quadratic part r^2 (no 1/2)": '''
def huber(y, y_o, delta=1.0):
    a = np.abs(np.asarray(y, dtype=float) - y_o)
    return float(np.mean(np.where(a <= delta, a ** 2, delta * (a - 0.5 * delta))))
''',
        "sum instead of mean": '''
def huber(y, y_o, delta=1.0):
    a = np.abs(np.asarray(y, dtype=float) - y_o)
    return float(np.sum(np.where(a <= delta, 0.5 * a ** 2, delta * (a - 0.5 * delta))))
''',
    },
    "mse_grad": {
        "not divided by N": '''
def mse_grad(y, y_o):
    return 2 * (np.asarray(y, dtype=float) - y_o)
''',
        "missing factor 2": '''
def mse_grad(y, y_o):
    y = np.asarray(y, dtype=float)
    return (y - y_o) / y.size
''',
        "sign flipped (gradient w.r.t. y_o)": '''
def mse_grad(y, y_o):
    y = np.asarray(y, dtype=float)
    return 2 * (y_o - y) / y.size
''',
        "divided by the number of rows": '''
def mse_grad(y, y_o):
    y = np.asarray(y, dtype=float)
    return 2 * (y - y_o) / len(y)
''',
    },
    "mae_grad": {
        "+1 at r = 0": '''
def mae_grad(y, y_o):
    y = np.asarray(y, dtype=float)
    return np.where(y - y_o >= 0, 1.0, -1.0) / y.size
''',
        "not divided by N": '''
def mae_grad(y, y_o):
    return np.sign(np.asarray(y, dtype=float) - y_o)
''',
        "sign flipped": '''
def mae_grad(y, y_o):
    y = np.asarray(y, dtype=float)
    return np.sign(y_o - y) / y.size
''',
    },
    "huber_grad": {
        "ignores delta (always 1)": '''
def huber_grad(y, y_o, delta=1.0):
    y = np.asarray(y, dtype=float)
    r = y - y_o
    return np.clip(r, -1.0, 1.0) / y.size
''',
        "linear part delta without the sign": '''
def huber_grad(y, y_o, delta=1.0):
    y = np.asarray(y, dtype=float)
    r = y - y_o
    return np.where(np.abs(r) <= delta, r, delta) / y.size
''',
        "linear part sign(r), not delta*sign(r)": '''
def huber_grad(y, y_o, delta=1.0):
    y = np.asarray(y, dtype=float)
    r = y - y_o
    return np.where(np.abs(r) <= delta, r, np.sign(r)) / y.size
''',
        "not divided by N": '''
def huber_grad(y, y_o, delta=1.0):
    r = np.asarray(y, dtype=float) - y_o
    return np.where(np.abs(r) <= delta, r, delta * np.sign(r))
''',
    },
    "cross_entropy": {
        "y_o*log(p) gives nan where p = 0": '''
def cross_entropy(p, y_o):
    p = np.asarray(p, dtype=float)
    return float(-np.sum(y_o * np.log(p)) / len(p))
''',
        "mean over all elements": '''
def cross_entropy(p, y_o):
    p = np.asarray(p, dtype=float)
    return float(-np.mean(y_o * np.log(np.clip(p, 1e-300, None))))
''',
        "binary cross-entropy formula": '''
def cross_entropy(p, y_o):
    p = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    y_o = np.asarray(y_o, dtype=float)
    return float(-np.mean(np.sum(y_o * np.log(p) + (1 - y_o) * np.log(1 - p), axis=1)))
''',
        "log of the probability of the argmax target only": '''
def cross_entropy(p, y_o):
    p = np.asarray(p, dtype=float)
    idx = np.argmax(y_o, axis=1)
    return float(-np.mean(np.log(p[np.arange(len(p)), idx])))
''',
    },
    "cross_entropy_from_logits": {
        "no max shift (overflow)": '''
def cross_entropy_from_logits(z, labels):
    z = np.asarray(z, dtype=float)
    lse = np.log(np.sum(np.exp(z), axis=1))
    return float(np.mean(lse - z[np.arange(len(z)), labels]))
''',
        "log of a stable softmax (log 0 = -inf)": '''
def cross_entropy_from_logits(z, labels):
    p = softmax(z)
    return float(-np.mean(np.log(p[np.arange(len(p)), labels])))
''',
        "forgets to add the max back": '''
def cross_entropy_from_logits(z, labels):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z - m), axis=1))
    return float(np.mean(lse - z[np.arange(len(z)), labels]))
''',
        "z[:, labels] picks a whole matrix": '''
def cross_entropy_from_logits(z, labels):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.sum(np.exp(z - m), axis=1))
    return float(np.mean(lse[:, None] - z[:, labels]))
''',
    },
}

NOTEBOOK_SAMPLE = [
    "huber_grad:linear part delta without the sign",
    "one_hot:num_classes from the largest label",
    "cross_entropy_from_logits:forgets to add the max back",
]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab01_neurons_losses.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'linear_neuron': dict(contradicts='slides.txt:369'),
    'fit_least_squares': dict(contradicts='slides.txt:449'),
    'sigmoid': dict(contradicts='slides.txt:604'),
    'sigmoid_derivative': dict(contradicts='slides.txt:619'),
    'tanh': dict(contradicts='slides.txt:631'),
    'tanh_derivative': dict(contradicts='slides.txt:631'),
    'relu': dict(contradicts='slides.txt:638'),
    'relu_derivative': dict(contradicts='slides.txt:638'),
    'leaky_relu': dict(contradicts='slides.txt:645'),
    'leaky_relu_derivative': dict(contradicts='slides.txt:645'),
    'softmax': dict(contradicts='slides.txt:555'),
    'one_hot': dict(contradicts='slides.txt:522'),
    'mse': dict(contradicts='slides.txt:677'),
    'mae': dict(contradicts='slides.txt:733'),
    'mse_grad': dict(contradicts='slides.txt:677'),
    'mae_grad': dict(contradicts='slides.txt:733'),
    'huber': dict(contradicts='slides.txt:746'),
    'huber_grad': dict(contradicts='slides.txt:746'),
    'cross_entropy': dict(contradicts='slides.txt:757'),
    'cross_entropy_from_logits': dict(contradicts='slides.txt:768'),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'linear_neuron:only handles one neuron: sum(X * w, axis=1)': dict(diagnosable=False),
}
