'''Plausible student bugs of lab 2 (each: the full source of a buggy solution cell).

The sources run in a namespace holding ``np``, ``math``, the lab's reference functions and the
``ACTIVATIONS`` dict that the notebook gives students, so a buggy ``mlp_backward`` sees the
reference ``mlp_forward``'s caches: a list of ``(dense_cache, act)`` with ``act = (z, activation)``
for hidden layers and ``None`` for the last layer.
'''

MUTANTS = {
    "dense_forward": {
        "transposed weights": '''
def dense_forward(x, W, b):
    return x @ W.T + b, (x, W, b)
''',
        "forgets the bias": '''
def dense_forward(x, W, b):
    return x @ W, (x, W, b)
''',
        "cache misses the bias": '''
def dense_forward(x, W, b):
    return x @ W + b, (x, W)
''',
        "caches the output instead of x": '''
def dense_forward(x, W, b):
    out = x @ W + b
    return out, (out, W, b)
''',
    },
    "dense_backward": {
        "dW transposed": '''
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)
''',
        "db averaged over the batch": '''
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)
''',
        "dW averaged over the batch": '''
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)
''',
        "dx uses W instead of W transposed": '''
def dense_backward(dout, cache):
    x, W, b = cache
    return dout @ W, x.T @ dout, dout.sum(axis=0)
''',
        "torch autograd (correct values, not allowed)": '''
import torch

def dense_backward(dout, cache):
    x, W, b = (torch.tensor(a, requires_grad=True) for a in cache)
    out = x @ W + b
    out.backward(torch.tensor(dout))
    return x.grad.numpy(), W.grad.numpy(), b.grad.numpy()
''',
    },
    "mlp_forward": {
        "activation after the last layer too": '''
def mlp_forward(X, params, activation):
    g = ACTIVATIONS[activation][0]
    a, caches = X, []
    for W, b in params:
        z, cache = dense_forward(a, W, b)
        a = g(z)
        caches.append((cache, (z, activation)))
    return a, caches
''',
        "always relu": '''
def mlp_forward(X, params, activation):
    g = ACTIVATIONS["relu"][0]
    a, caches = X, []
    for i, (W, b) in enumerate(params):
        z, cache = dense_forward(a, W, b)
        last = i == len(params) - 1
        a = z if last else g(z)
        caches.append((cache, None if last else (z, activation)))
    return a, caches
''',
        "skips the last layer": '''
def mlp_forward(X, params, activation):
    g = ACTIVATIONS[activation][0]
    a, caches = X, []
    for W, b in params[:-1]:
        z, cache = dense_forward(a, W, b)
        a = g(z)
        caches.append((cache, (z, activation)))
    if len(params) == 1:
        a, cache = dense_forward(X, *params[0])
        caches.append((cache, None))
    return a, caches
''',
        "activation applied to the input first": '''
def mlp_forward(X, params, activation):
    g = ACTIVATIONS[activation][0]
    a, caches = g(X), []
    for i, (W, b) in enumerate(params):
        z, cache = dense_forward(a, W, b)
        last = i == len(params) - 1
        a = z if last else g(z)
        caches.append((cache, None if last else (z, activation)))
    return a, caches
''',
    },
    "mlp_backward": {
        "derivative taken at the activation output": '''
def mlp_backward(dscores, caches):
    grads, delta = [], dscores
    for dense_cache, act in reversed(caches):
        if act is not None:
            z, activation = act
            g, dg = ACTIVATIONS[activation]
            delta = delta * dg(g(z))
        delta, dW, db = dense_backward(delta, dense_cache)
        grads.append((dW, db))
    return grads[::-1]
''',
        "forgets the activation derivative": '''
def mlp_backward(dscores, caches):
    grads, delta = [], dscores
    for dense_cache, act in reversed(caches):
        delta, dW, db = dense_backward(delta, dense_cache)
        grads.append((dW, db))
    return grads[::-1]
''',
        "grads in backward order (last layer first)": '''
def mlp_backward(dscores, caches):
    grads, delta = [], dscores
    for dense_cache, act in reversed(caches):
        if act is not None:
            z, activation = act
            delta = delta * ACTIVATIONS[activation][1](z)
        delta, dW, db = dense_backward(delta, dense_cache)
        grads.append((dW, db))
    return grads
''',
        "activation derivative also at the output layer": '''
def mlp_backward(dscores, caches):
    grads, delta = [], dscores
    names = [act[1] for _, act in caches if act is not None]
    for dense_cache, act in reversed(caches):
        if act is not None:
            z, activation = act
        elif names:  # the output layer: there is no activation after it
            x, W, b = dense_cache
            z, activation = x @ W + b, names[0]
        if act is not None or names:
            delta = delta * ACTIVATIONS[activation][1](z)
        delta, dW, db = dense_backward(delta, dense_cache)
        grads.append((dW, db))
    return grads[::-1]
''',
    },
    "softmax_cross_entropy": {
        "no max shift (overflows at large logits)": '''
def softmax_cross_entropy(z, labels):
    n = z.shape[0]
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), labels]))
    dz = p.copy()
    dz[np.arange(n), labels] -= 1
    return loss, dz / n
''',
        "sum instead of mean": '''
def softmax_cross_entropy(z, labels):
    n = z.shape[0]
    s = z - z.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    dz = np.exp(logp)
    dz[np.arange(n), labels] -= 1
    return -np.sum(logp[np.arange(n), labels]), dz
''',
        "gradient not divided by n": '''
def softmax_cross_entropy(z, labels):
    n = z.shape[0]
    s = z - z.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    dz = np.exp(logp)
    dz[np.arange(n), labels] -= 1
    return -np.mean(logp[np.arange(n), labels]), dz
''',
        "log of a clipped probability": '''
def softmax_cross_entropy(z, labels):
    n = z.shape[0]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(np.clip(p[np.arange(n), labels], 1e-12, 1.0)))
    dz = p.copy()
    dz[np.arange(n), labels] -= 1
    return loss, dz / n
''',
        "labels indexed as columns only": '''
def softmax_cross_entropy(z, labels):
    n = z.shape[0]
    s = z - z.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    dz = np.exp(logp)
    dz[:, labels] -= 1
    return -np.mean(logp[:, labels]), dz / n
''',
        "torch autograd imported inside (correct values, not allowed)": '''
def softmax_cross_entropy(z, labels):
    import torch
    zt = torch.tensor(z, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(zt, torch.tensor(labels))
    loss.backward()
    return loss.item(), zt.grad.numpy()
''',
    },
    "numerical_gradient": {
        "forward difference": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    fx = f(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        grad[idx] = (f(x) - fx) / h
        x[idx] = old
    return grad
''',
        "divides by h instead of 2h": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        fp = f(x)
        x[idx] = old - h
        fm = f(x)
        x[idx] = old
        grad[idx] = (fp - fm) / h
    return grad
''',
        "ignores h (always 1e-5)": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    step = 1e-5
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + step
        fp = f(x)
        x[idx] = old - step
        fm = f(x)
        x[idx] = old
        grad[idx] = (fp - fm) / (2 * step)
    return grad
''',
        "does not restore x": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(*x.shape):
        x[idx] += h
        fp = f(x)
        x[idx] -= 2 * h
        fm = f(x)
        grad[idx] = (fp - fm) / (2 * h)
    return grad
''',
        "loops over rows only (1-D thinking)": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in range(len(x)):
        old = x[i].copy() if np.ndim(x) > 1 else x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad
''',
    },
    "relative_error": {
        "no 1e-8 floor (0/0 is nan)": '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
''',
        "ratio of maxima instead of max of ratios": '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(1e-8, np.max(np.abs(a) + np.abs(b))))
''',
        "mean instead of max": '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
''',
        "abs of the sum in the denominator": '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))
''',
    },
    "train_mlp": {
        "new permutation for every batch": '''
def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    if mode not in ("batch", "stochastic", "minibatch"):
        raise ValueError(mode)
    rng = np.random.default_rng(0) if rng is None else rng
    n = len(X)
    size = n if mode == "batch" else 1 if mode == "stochastic" else batch_size
    params = [(W.copy(), b.copy()) for W, b in params]
    losses = []
    for _ in range(epochs):
        for start in range(0, n, size):
            idx = np.arange(n) if mode == "batch" else rng.permutation(n)[:size]
            scores, caches = mlp_forward(X[idx], params, activation)
            _, dscores = softmax_cross_entropy(scores, labels[idx])
            grads = mlp_backward(dscores, caches)
            params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
        losses.append(softmax_cross_entropy(mlp_forward(X, params, activation)[0], labels)[0])
    return params, losses
''',
        "losses are the mean of the batch losses during the epoch": '''
def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    if mode not in ("batch", "stochastic", "minibatch"):
        raise ValueError(mode)
    rng = np.random.default_rng(0) if rng is None else rng
    n = len(X)
    size = n if mode == "batch" else 1 if mode == "stochastic" else batch_size
    params = [(W.copy(), b.copy()) for W, b in params]
    losses = []
    for _ in range(epochs):
        order = np.arange(n) if mode == "batch" else rng.permutation(n)
        batch_losses = []
        for start in range(0, n, size):
            idx = order[start:start + size]
            scores, caches = mlp_forward(X[idx], params, activation)
            loss, dscores = softmax_cross_entropy(scores, labels[idx])
            batch_losses.append(loss)
            grads = mlp_backward(dscores, caches)
            params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
        losses.append(float(np.mean(batch_losses)))
    return params, losses
''',
        "updates the input params in place": '''
def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    if mode not in ("batch", "stochastic", "minibatch"):
        raise ValueError(mode)
    rng = np.random.default_rng(0) if rng is None else rng
    n = len(X)
    size = n if mode == "batch" else 1 if mode == "stochastic" else batch_size
    losses = []
    for _ in range(epochs):
        order = np.arange(n) if mode == "batch" else rng.permutation(n)
        for start in range(0, n, size):
            idx = order[start:start + size]
            scores, caches = mlp_forward(X[idx], params, activation)
            _, dscores = softmax_cross_entropy(scores, labels[idx])
            for (W, b), (dW, db) in zip(params, mlp_backward(dscores, caches)):
                W -= lr * dW
                b -= lr * db
        losses.append(softmax_cross_entropy(mlp_forward(X, params, activation)[0], labels)[0])
    return params, losses
''',
        "drops the last, smaller batch": '''
def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    if mode not in ("batch", "stochastic", "minibatch"):
        raise ValueError(mode)
    rng = np.random.default_rng(0) if rng is None else rng
    n = len(X)
    size = n if mode == "batch" else 1 if mode == "stochastic" else batch_size
    params = [(W.copy(), b.copy()) for W, b in params]
    losses = []
    for _ in range(epochs):
        order = np.arange(n) if mode == "batch" else rng.permutation(n)
        for start in range(0, n - size + 1, size):
            idx = order[start:start + size]
            scores, caches = mlp_forward(X[idx], params, activation)
            _, dscores = softmax_cross_entropy(scores, labels[idx])
            grads = mlp_backward(dscores, caches)
            params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
        losses.append(softmax_cross_entropy(mlp_forward(X, params, activation)[0], labels)[0])
    return params, losses
''',
        "no ValueError for an unknown mode (falls back to minibatch)": '''
def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    n = len(X)
    size = n if mode == "batch" else 1 if mode == "stochastic" else batch_size
    params = [(W.copy(), b.copy()) for W, b in params]
    losses = []
    for _ in range(epochs):
        order = np.arange(n) if mode == "batch" else rng.permutation(n)
        for start in range(0, n, size):
            idx = order[start:start + size]
            scores, caches = mlp_forward(X[idx], params, activation)
            _, dscores = softmax_cross_entropy(scores, labels[idx])
            grads = mlp_backward(dscores, caches)
            params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
        losses.append(softmax_cross_entropy(mlp_forward(X, params, activation)[0], labels)[0])
    return params, losses
''',
    },
}

# Bugs the slow tests also submit through nbgrader: in functions no other graded function calls.
NOTEBOOK_SAMPLE = [
    "relative_error:ratio of maxima instead of max of ratios",
    "numerical_gradient:does not restore x",
    "train_mlp:drops the last, smaller batch",
]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab02_backprop.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'dense_forward': dict(contradicts='lab02_backprop.ipynb § Part 1 — The dense layer'),
    'dense_backward': dict(contradicts='slides.txt:917'),
    'mlp_forward': dict(contradicts='lab02_backprop.ipynb § Part 4 — The multi-layer perceptron'),
    'mlp_backward': dict(contradicts='slides.txt:981'),
    'softmax_cross_entropy': dict(contradicts='lab02_backprop.ipynb § Part 2 — Softmax cross-entropy'),
    'numerical_gradient': dict(contradicts='lab02_backprop.ipynb § Part 3 — Gradient checking'),
    'relative_error': dict(contradicts='lab02_backprop.ipynb § Part 3 — Gradient checking'),
    'train_mlp': dict(contradicts='slides.txt:1359'),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'dense_backward:torch autograd (correct values, not allowed)': dict(diagnosable=False),
    'softmax_cross_entropy:torch autograd imported inside (correct values, not allowed)': dict(diagnosable=False),
    'numerical_gradient:does not restore x': dict(diagnosable=False),
    'train_mlp:updates the input params in place': dict(diagnosable=False),
    'train_mlp:no ValueError for an unknown mode (falls back to minibatch)': dict(diagnosable=False),
}
