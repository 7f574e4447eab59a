"""Correct variants of lab 1's graded functions: the styles students write (loops and vectorised,
``@``/``np.dot``/``einsum``, NumPy scalars and 0-d arrays, lists, in-place work on their own copies)
and the slides' own formulas where the lab grades them (``SLIDE_FORMULA``; docs/lecture-decisions.md).

Each value is the full source of a solution cell; it runs with ``np``, ``math`` and the lab's other
functions in scope (a notebook's own, or the reference's in-process) and must earn full marks.
"""

VARIANTS = {
    "linear_neuron": {
        "einsum with an ellipsis (one or k neurons)": '''
def linear_neuron(X, w, b):
    return np.einsum("nd,d...->n...", np.asarray(X, dtype=float), np.asarray(w, dtype=float)) + b
''',
        "np.dot": '''
def linear_neuron(X, w, b):
    return np.dot(X, w) + np.asarray(b, dtype=float)
''',
        "a loop over the samples (rows)": '''
def linear_neuron(X, w, b):
    rows = [x_i @ w + b for x_i in np.asarray(X, dtype=float)]
    return np.array(rows, dtype=float)
''',
        "the slides' w1 x1 + w2 x2 + b, one feature at a time": '''
def linear_neuron(X, w, b):
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    y = np.zeros((X.shape[0],) + w.shape[1:]) + b
    for j in range(X.shape[1]):
        y = y + np.multiply.outer(X[:, j], w[j])
    return y
''',
    },
    "fit_least_squares": {
        "normal equations with np.linalg.solve": '''
def fit_least_squares(X, y_o):
    A = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
    theta = np.linalg.solve(A.T @ A, A.T @ np.asarray(y_o, dtype=float))
    if theta.ndim == 1:
        return theta[:-1], float(theta[-1])
    return theta[:-1], theta[-1]
''',
        "pseudo-inverse": '''
def fit_least_squares(X, y_o):
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.pinv(A) @ y_o
    w, b = theta[:-1], theta[-1]
    return w, (b.item() if np.ndim(y_o) == 1 else b)
''',
        "centred data: w from deviations, b = mean(y_o) - mean(X) w": '''
def fit_least_squares(X, y_o):
    X = np.asarray(X, dtype=float)
    y_o = np.asarray(y_o, dtype=float)
    x_mean, y_mean = X.mean(axis=0), y_o.mean(axis=0)
    w = np.linalg.lstsq(X - x_mean, y_o - y_mean, rcond=None)[0]
    b = y_mean - x_mean @ w
    return w, (float(b) if y_o.ndim == 1 else b)
''',
        "column of ones first, bias from theta[0]": '''
def fit_least_squares(X, y_o):
    A = np.concatenate([np.ones((len(X), 1)), X], axis=1)
    theta, *_ = np.linalg.lstsq(A, y_o, rcond=None)
    if np.ndim(y_o) == 1:
        return theta[1:], float(theta[0])
    return theta[1:], theta[0]
''',
    },
    "sigmoid": {
        "the slides' 1 / (1 + exp(-x)) as written": '''
def sigmoid(x):
    return 1 / (1 + np.exp(-x))
''',
        "from tanh: (1 + tanh(x / 2)) / 2": '''
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))
''',
        "math.exp per element, the stable branch for each sign": '''
import math


def _sigmoid_one(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid(x):
    return np.vectorize(_sigmoid_one, otypes=[float])(x)
''',
        "exp(-logaddexp(0, -x))": '''
def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=float)))
''',
    },
    "sigmoid_derivative": {
        "the slides' f(sigmoid(x)) = s (1 - s) with the slides' sigmoid": '''
def sigmoid_derivative(x):
    s = 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
    return s * (1.0 - s)
''',
        "e^-|x| / (1 + e^-|x|)^2 (it is even)": '''
def sigmoid_derivative(x):
    e = np.exp(-np.abs(np.asarray(x, dtype=float)))
    return e / (1.0 + e) ** 2
''',
        "from tanh: (1 - tanh(x/2)^2) / 4": '''
def sigmoid_derivative(x):
    t = np.tanh(np.asarray(x, dtype=float) / 2)
    return 0.25 * (1 - t * t)
''',
        "s - s**2 with the notebook's own sigmoid": '''
def sigmoid_derivative(x):
    s = np.asarray(sigmoid(x), dtype=float)
    out = s - s ** 2
    return out
''',
    },
    "tanh": {
        "the slides' (1 - e^-2x) / (1 + e^-2x) at |x|, sign put back": '''
def tanh(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-2.0 * np.abs(x))
    return np.sign(x) * (1.0 - e) / (1.0 + e)
''',
        "2 sigmoid(2x) - 1 with the notebook's own sigmoid": '''
def tanh(x):
    return 2.0 * sigmoid(2.0 * np.asarray(x, dtype=float)) - 1.0
''',
        "math.tanh per element": '''
import math


def tanh(x):
    return np.vectorize(math.tanh, otypes=[float])(x)
''',
    },
    "tanh_derivative": {
        "1 / cosh^2": '''
def tanh_derivative(x):
    with np.errstate(over="ignore"):
        return 1.0 / np.cosh(np.asarray(x, dtype=float)) ** 2
''',
        "(1 - t)(1 + t)": '''
def tanh_derivative(x):
    t = np.tanh(x)
    return (1.0 - t) * (1.0 + t)
''',
        "4 sigma'(2x) with the notebook's own sigmoid": '''
def tanh_derivative(x):
    s = sigmoid(2.0 * np.asarray(x, dtype=float))
    return 4.0 * s * (1.0 - s)
''',
    },
    "relu": {
        "the slides' max(0, x), Python's max per element": '''
def relu(x):
    return np.vectorize(lambda v: max(0.0, v), otypes=[float])(x)
''',
        "np.where": '''
def relu(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, 0.0)
''',
        "x times the mask x > 0": '''
def relu(x):
    x = np.asarray(x, dtype=np.float64)
    return x * (x > 0)
''',
        "np.clip from below": '''
def relu(x):
    return np.clip(np.asarray(x, dtype=float), 0.0, None)
''',
        "(x + |x|) / 2": '''
def relu(x):
    x = np.asarray(x, dtype=float)
    return (x + np.abs(x)) / 2
''',
    },
    "relu_derivative": {
        "np.heaviside with 0 at x = 0": '''
def relu_derivative(x):
    return np.heaviside(np.asarray(x, dtype=float), 0.0)
''',
        "np.where(x > 0, 1.0, 0.0)": '''
def relu_derivative(x):
    return np.where(np.asarray(x) > 0, 1.0, 0.0)
''',
        "the boolean mask times 1.0": '''
def relu_derivative(x):
    return (np.asarray(x) > 0) * 1.0
''',
        "sign clipped at 0": '''
def relu_derivative(x):
    return np.maximum(np.sign(np.asarray(x, dtype=float)), 0.0)
''',
    },
    "leaky_relu": {
        "the slides' max(mx, x)": '''
def leaky_relu(x, m=0.01):
    x = np.asarray(x, dtype=float)
    return np.maximum(m * x, x)
''',
        "relu(x) + m min(x, 0)": '''
def leaky_relu(x, m=0.01):
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + m * np.minimum(x, 0.0)
''',
        "scales the non-positive entries of its own copy in place": '''
def leaky_relu(x, m=0.01):
    y = np.array(x, dtype=float, copy=True)
    y[y <= 0] *= m
    return y
''',
    },
    "leaky_relu_derivative": {
        "np.where(x > 0, 1.0, m)": '''
def leaky_relu_derivative(x, m=0.01):
    return np.where(np.asarray(x) > 0, 1.0, float(m))
''',
        "m + (1 - m) [x > 0]": '''
def leaky_relu_derivative(x, m=0.01):
    return m + (1.0 - m) * (np.asarray(x) > 0)
''',
        "ones, then m written where x <= 0": '''
def leaky_relu_derivative(x, m=0.01):
    x = np.asarray(x, dtype=float)
    d = np.ones_like(x)
    d[x <= 0] = m
    return d
''',
        "np.piecewise": '''
def leaky_relu_derivative(x, m=0.01):
    x = np.asarray(x, dtype=float)
    return np.piecewise(x, [x > 0, x <= 0], [1.0, m])
''',
    },
    "softmax": {
        "rows of a 2-D reshape, one at a time": '''
def softmax(y):
    y = np.asarray(y, dtype=float)
    flat = y.reshape(-1, y.shape[-1])
    out = np.empty_like(flat)
    for i, row in enumerate(flat):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out.reshape(y.shape)
''',
        "exp of the log-softmax (log-sum-exp)": '''
def softmax(y):
    y = np.asarray(y, dtype=float)
    m = y.max(axis=-1, keepdims=True)
    log_p = y - m - np.log(np.sum(np.exp(y - m), axis=-1, keepdims=True))
    return np.exp(log_p)
''',
        "divides its own exponentials in place": '''
def softmax(y):
    e = np.exp(y - np.amax(y, axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e
''',
        "np.apply_along_axis on the last axis": '''
def _softmax_vector(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


def softmax(y):
    return np.apply_along_axis(_softmax_vector, -1, np.asarray(y, dtype=float))
''',
    },
    "one_hot": {
        "rows of the identity matrix": '''
def one_hot(labels, num_classes):
    return np.eye(num_classes)[np.asarray(labels, dtype=int)]
''',
        "a loop over the labels": '''
def one_hot(labels, num_classes):
    out = np.zeros((len(labels), num_classes))
    for i, label in enumerate(labels):
        out[i, label] = 1.0
    return out
''',
        "labels compared with arange": '''
def one_hot(labels, num_classes):
    labels = np.asarray(labels).reshape(-1, 1)
    return (labels == np.arange(num_classes)).astype(np.float64)
''',
    },
    "mse": {
        "the slides' (1/N) sum (y_o(i) - y(i))^2 as a loop, N = y.size": '''
def mse(y, y_o):
    total = 0.0
    for y_i, y_o_i in zip(np.ravel(y), np.ravel(y_o)):
        total += (y_o_i - y_i) ** 2
    return total / np.size(y)
''',
        "np.square(...).mean(), a NumPy scalar": '''
def mse(y, y_o):
    return np.square(np.subtract(y_o, y)).mean()
''',
        "dot product of the flattened residuals": '''
def mse(y, y_o):
    r = (np.asarray(y, dtype=float) - y_o).ravel()
    return float(r @ r / r.size)
''',
        "a 0-d array": '''
def mse(y, y_o):
    return np.array(np.mean((np.asarray(y) - np.asarray(y_o)) ** 2))
''',
    },
    "mae": {
        "the slides' (1/N) sum |y_o(i) - y(i)| as a loop, N = y.size": '''
def mae(y, y_o):
    total = 0.0
    for y_i, y_o_i in zip(np.ravel(y), np.ravel(y_o)):
        total += abs(y_o_i - y_i)
    return total / np.size(y)
''',
        "L1 norm of the flattened residuals over the size": '''
def mae(y, y_o):
    r = np.ravel(np.asarray(y, dtype=float) - y_o)
    return float(np.linalg.norm(r, 1) / r.size)
''',
        "sum over the element count, a NumPy scalar": '''
def mae(y, y_o):
    y = np.asarray(y, dtype=float)
    return np.abs(y - y_o).sum() / y.size
''',
    },
    "huber": {
        "clip: c = min(|r|, delta), mean of c (|r| - c/2)": '''
def huber(y, y_o, delta=1.0):
    a = np.abs(np.asarray(y, dtype=float) - y_o)
    c = np.minimum(a, delta)
    return float(np.mean(c * (a - 0.5 * c)))
''',
        "a loop with if": '''
def huber(y, y_o, delta=1.0):
    total, count = 0.0, 0
    for r in np.ravel(np.asarray(y, dtype=float) - y_o):
        if abs(r) <= delta:
            total += 0.5 * r * r
        else:
            total += delta * (abs(r) - 0.5 * delta)
        count += 1
    return total / count
''',
        "masked sums of the two pieces": '''
def huber(y, y_o, delta=1.0):
    a = np.abs(np.asarray(y, dtype=float) - np.asarray(y_o, dtype=float))
    small = a <= delta
    total = 0.5 * np.sum(a[small] ** 2) + np.sum(delta * (a[~small] - 0.5 * delta))
    return float(total / a.size)
''',
    },
    "mse_grad": {
        "derivative of the slides' (y_o - y)^2: -2 (y_o - y) / N": '''
def mse_grad(y, y_o):
    y = np.asarray(y, dtype=float)
    return -2.0 * (y_o - y) / y.size
''',
        "in place on its own copy": '''
def mse_grad(y, y_o):
    g = np.array(y, dtype=float, copy=True)
    g -= y_o
    g *= 2.0 / g.size
    return g
''',
        "N from the shape": '''
def mse_grad(y, y_o):
    n = np.prod(np.shape(y))
    return 2 * (np.asarray(y, dtype=float) - np.asarray(y_o, dtype=float)) / n
''',
    },
    "mae_grad": {
        "nested np.where": '''
def mae_grad(y, y_o):
    r = np.asarray(y, dtype=float) - y_o
    return np.where(r > 0, 1.0, np.where(r < 0, -1.0, 0.0)) / r.size
''',
        "(r > 0) - (r < 0) as floats": '''
def mae_grad(y, y_o):
    r = np.asarray(y, dtype=float) - np.asarray(y_o, dtype=float)
    return ((r > 0).astype(float) - (r < 0).astype(float)) / np.size(r)
''',
        "copysign, zero where r = 0": '''
def mae_grad(y, y_o):
    r = np.subtract(y, y_o, dtype=float)
    return np.copysign(1.0, r) * (r != 0) / r.size
''',
    },
    "huber_grad": {
        "r clipped to [-delta, delta], over N": '''
def huber_grad(y, y_o, delta=1.0):
    r = np.asarray(y, dtype=float) - y_o
    return np.clip(r, -delta, delta) / r.size
''',
        "a loop over the elements": '''
def huber_grad(y, y_o, delta=1.0):
    r = np.asarray(y, dtype=float) - np.asarray(y_o, dtype=float)
    g = np.empty_like(r)
    for idx in np.ndindex(r.shape):
        g[idx] = r[idx] if abs(r[idx]) <= delta else delta * np.sign(r[idx])
    return g / r.size
''',
        "max(-delta, min(r, delta))": '''
def huber_grad(y, y_o, delta=1.0):
    r = np.subtract(y, y_o, dtype=float)
    return np.maximum(-delta, np.minimum(r, delta)) / np.size(r)
''',
    },
    "cross_entropy": {
        "the slides' -sum y_oi log p_i over the entries with y_o > 0, averaged over the rows": '''
def cross_entropy(p, y_o):
    p = np.asarray(p, dtype=float)
    y_o = np.asarray(y_o, dtype=float)
    mask = y_o > 0
    with np.errstate(divide="ignore"):
        return float(-np.sum(y_o[mask] * np.log(p[mask])) / p.shape[0])
''',
        "a loop over rows and classes": '''
import math


def cross_entropy(p, y_o):
    total = 0.0
    for p_row, y_row in zip(p, y_o):
        for p_k, y_k in zip(p_row, y_row):
            if y_k == 0:
                continue
            if p_k == 0:
                return math.inf
            total -= y_k * math.log(p_k)
    return total / len(p)
''',
        "y_o log p with the 0 log 0 terms zeroed afterwards": '''
def cross_entropy(p, y_o):
    y_o = np.asarray(y_o, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = y_o * np.log(p)
    terms[y_o == 0] = 0.0
    return -terms.sum(axis=1).mean()
''',
    },
    "cross_entropy_from_logits": {
        "np.logaddexp.reduce": '''
def cross_entropy_from_logits(z, labels):
    z = np.asarray(z, dtype=float)
    lse = np.logaddexp.reduce(z, axis=1)
    return float(np.mean(lse - z[np.arange(z.shape[0]), labels]))
''',
        "a loop over the samples": '''
import math


def cross_entropy_from_logits(z, labels):
    total = 0.0
    for row, label in zip(np.asarray(z, dtype=float), labels):
        m = row.max()
        total += m + math.log(np.sum(np.exp(row - m))) - row[label]
    return total / len(labels)
''',
        "take_along_axis for the true logits": '''
def cross_entropy_from_logits(z, labels):
    z = np.asarray(z, dtype=float)
    labels = np.asarray(labels, dtype=int)
    m = np.max(z, axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    true = np.take_along_axis(z, labels[:, None], axis=1)[:, 0]
    return np.mean(lse - true)
''',
    },
}

#: Functions whose variant of that name is the slides' formula (slide title): a student who writes
#: it as the slides do earns full marks (the lab's departures are in docs/lecture-decisions.md).
SLIDE_FORMULA = {
    "linear_neuron": "the slides' w1 x1 + w2 x2 + b, one feature at a time",
    "sigmoid": "the slides' 1 / (1 + exp(-x)) as written",
    "sigmoid_derivative": "the slides' f(sigmoid(x)) = s (1 - s) with the slides' sigmoid",
    "tanh": "the slides' (1 - e^-2x) / (1 + e^-2x) at |x|, sign put back",
    "relu": "the slides' max(0, x), Python's max per element",
    "leaky_relu": "the slides' max(mx, x)",
    "mse": "the slides' (1/N) sum (y_o(i) - y(i))^2 as a loop, N = y.size",
    "mae": "the slides' (1/N) sum |y_o(i) - y(i)| as a loop, N = y.size",
    "mse_grad": "derivative of the slides' (y_o - y)^2: -2 (y_o - y) / N",
    "cross_entropy": "the slides' -sum y_oi log p_i over the entries with y_o > 0, averaged over the rows",
}
