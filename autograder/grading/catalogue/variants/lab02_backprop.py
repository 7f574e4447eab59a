"""Correct variants of lab 2's graded functions (backpropagation by hand, gradient checking, training):
``@``/``np.dot``/``einsum``, loops over samples and layers, in-place work on the function's own copies,
caches of the reference's layout built in other ways, and the slides' gradient-descent loops.

Each value is the full source of a solution cell. It runs with ``np`` and the notebook's other cells in
scope (``ACTIVATIONS``, ``dense_forward``, ... are the notebook's own, or the reference's in-process);
``mlp_backward`` variants read the caches of the notebook's ``mlp_forward`` (the reference's layout:
one ``((x, W, b), (z, activation) or None)`` per layer), so every ``mlp_forward`` variant keeps it.
"""

VARIANTS = {
    "dense_forward": {
        "np.dot": '''
def dense_forward(x, W, b):
    out = np.dot(x, W) + b
    return out, (x, W, b)
''',
        "einsum": '''
def dense_forward(x, W, b):
    return np.einsum("ni,io->no", x, W) + b[np.newaxis, :], (x, W, b)
''',
        "a loop over the rows": '''
def dense_forward(x, W, b):
    out = np.array([x_i @ W + b for x_i in x])
    cache = (x, W, b)
    return out, cache
''',
    },
    "dense_backward": {
        "einsum": '''
def dense_backward(dout, cache):
    x, W, b = cache
    dx = np.einsum("no,io->ni", dout, W)
    dW = np.einsum("ni,no->io", x, dout)
    db = np.einsum("no->o", dout)
    return dx, dW, db
''',
        "np.dot and transposed products": '''
def dense_backward(dout, cache):
    x, W, _ = cache
    dx = np.dot(W, dout.T).T
    dW = np.dot(dout.T, x).T
    db = np.sum(dout, axis=0)
    return dx, dW, db
''',
        "sum of per-sample outer products; ones vector for db": '''
def dense_backward(dout, cache):
    x, W, b = cache
    n = x.shape[0]
    dW = np.zeros_like(W, dtype=float)
    for i in range(n):
        dW += np.outer(x[i], dout[i])
    db = np.ones(n) @ dout
    return dout @ W.T, dW, db
''',
    },
    "mlp_forward": {
        "the dense layer written out, caches as lists": '''
def mlp_forward(X, params, activation):
    g = ACTIVATIONS[activation][0]
    a, caches = X, []
    last = len(params) - 1
    for i, (W, b) in enumerate(params):
        z = a @ W + b
        if i == last:
            caches.append([(a, W, b), None])
            return z, caches
        caches.append([(a, W, b), (z, activation)])
        a = g(z)
''',
        "hidden layers in the loop, the last layer after it": '''
def mlp_forward(X, params, activation):
    act = ACTIVATIONS[activation][0]
    caches = []
    a = X
    for W, b in params[:-1]:
        z, cache = dense_forward(a, W, b)
        caches.append((cache, (z, activation)))
        a = act(z)
    scores, cache = dense_forward(a, *params[-1])
    caches.append((cache, None))
    return scores, caches
''',
        "its own activation table": '''
def mlp_forward(X, params, activation):
    table = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh,
             "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z))}
    a, caches = X, []
    for layer, (W, b) in enumerate(params):
        z, dense_cache = dense_forward(a, W, b)
        hidden = layer + 1 < len(params)
        caches.append((dense_cache, (z, activation) if hidden else None))
        a = table[activation](z) if hidden else z
    return a, caches
''',
    },
    "mlp_backward": {
        "reversed(list(enumerate(caches))), grads inserted at the front": '''
def mlp_backward(dscores, caches):
    grads = []
    delta = dscores
    for _, (dense_cache, act) in reversed(list(enumerate(caches))):
        if act is not None:
            z, activation = act
            delta = delta * ACTIVATIONS[activation][1](z)
        delta, dW, db = dense_backward(delta, dense_cache)
        grads.insert(0, (dW, db))
    return grads
''',
        "its own derivative table and the dense gradients written out": '''
def mlp_backward(dscores, caches):
    def derivative(z, activation):
        if activation == "relu":
            return (z > 0).astype(float)
        if activation == "tanh":
            return 1.0 - np.tanh(z) ** 2
        s = 0.5 * (1.0 + np.tanh(0.5 * z))
        return s * (1.0 - s)

    grads = [None] * len(caches)
    delta = dscores
    for layer in range(len(caches) - 1, -1, -1):
        (x, W, b), act = caches[layer]
        if act is not None:
            delta = delta * derivative(*act)
        grads[layer] = (x.T @ delta, delta.sum(axis=0))
        delta = delta @ W.T
    return grads
''',
        "recursion from the last layer": '''
def mlp_backward(dscores, caches):
    if not caches:
        return []
    dense_cache, act = caches[-1]
    delta = dscores
    if act is not None:
        delta = delta * ACTIVATIONS[act[1]][1](act[0])
    dx, dW, db = dense_backward(delta, dense_cache)
    return mlp_backward(dx, caches[:-1]) + [(dW, db)]
''',
    },
    "softmax_cross_entropy": {
        "one-hot matrix: loss -sum(Y log p)/n, dz = (p - Y)/n": '''
def softmax_cross_entropy(z, labels):
    n, C = z.shape
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    Y = np.eye(C)[labels]
    loss = -np.sum(Y * log_p) / n
    return float(loss), (np.exp(log_p) - Y) / n
''',
        "a loop over the samples": '''
def softmax_cross_entropy(z, labels):
    n = len(z)
    loss, dz = 0.0, np.zeros_like(z, dtype=float)
    for i in range(n):
        row = z[i] - z[i].max()
        e = np.exp(row)
        p = e / e.sum()
        loss -= row[labels[i]] - np.log(e.sum())
        dz[i] = p
        dz[i, labels[i]] -= 1.0
    return loss / n, dz / n
''',
        "logaddexp.reduce and in-place softmax": '''
def softmax_cross_entropy(z, labels):
    z = np.asarray(z, dtype=float)
    n = z.shape[0]
    rows = np.arange(n)
    lse = np.logaddexp.reduce(z, axis=1)
    loss = np.mean(lse - z[rows, labels])
    dz = np.exp(z - lse[:, None])
    dz[rows, labels] -= 1
    dz /= n
    return loss, dz
''',
    },
    "numerical_gradient": {
        "np.nditer with a multi-index (CS231n style)": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
''',
        "perturbs copies, never x itself": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.empty(x.shape)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        grad[idx] = (f(plus) - f(minus)) / (2 * h)
    return grad
''',
        "+= h, -= 2h, += h in place": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        x[idx] += h
        f_plus = f(x)
        x[idx] -= 2 * h
        f_minus = f(x)
        x[idx] += h
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
''',
    },
    "relative_error": {
        "a loop over the flattened elements": '''
def relative_error(a, b):
    worst = 0.0
    for a_i, b_i in zip(np.ravel(a), np.ravel(b)):
        worst = max(worst, abs(a_i - b_i) / max(1e-8, abs(a_i) + abs(b_i)))
    return float(worst)
''',
        "np.fmax for the floor": '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.max(np.abs(a - b) / np.fmax(np.abs(a) + np.abs(b), 1e-8))
''',
        "np.divide into its own array, then .max()": '''
def relative_error(a, b):
    diff = np.abs(np.subtract(a, b, dtype=float))
    denominator = np.maximum(np.abs(a) + np.abs(b), 1e-8)
    np.divide(diff, denominator, out=diff)
    return diff.max().item()
''',
    },
    "train_mlp": {
        "the slides' minibatch loop: shuffle, make the batches, step on each": '''
def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    if mode not in ("batch", "stochastic", "minibatch"):
        raise ValueError(f"unknown mode {mode!r}")
    if rng is None:
        rng = np.random.default_rng(0)
    n = X.shape[0]
    m = {"batch": n, "stochastic": 1, "minibatch": batch_size}[mode]
    params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]
    losses = []
    for epoch in range(epochs):
        order = np.arange(n) if mode == "batch" else rng.permutation(n)  # i. randomly shuffle
        batches = [order[k:k + m] for k in range(0, n, m)]                 # ii. create the minibatches
        for idx in batches:                                                # iii. for each minibatch
            scores, caches = mlp_forward(X[idx], params, activation)
            dscores = softmax_cross_entropy(scores, labels[idx])[1]        # a. compute the gradient
            grads = mlp_backward(dscores, caches)
            params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]  # b. update
        losses.append(softmax_cross_entropy(mlp_forward(X, params, activation)[0], labels)[0])
    return params, losses
''',
        "in-place updates on its own copies of the weights": '''
def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    sizes = {"batch": len(X), "stochastic": 1, "minibatch": batch_size}
    if mode not in sizes:
        raise ValueError("mode must be 'batch', 'stochastic' or 'minibatch'")
    rng = rng if rng is not None else np.random.default_rng(0)
    size = sizes[mode]
    own = [(W.copy(), b.copy()) for W, b in params]
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X)) if mode != "batch" else np.arange(len(X))
        start = 0
        while start < len(X):
            idx = order[start:start + size]
            scores, caches = mlp_forward(X[idx], own, activation)
            grads = mlp_backward(softmax_cross_entropy(scores, labels[idx])[1], caches)
            for (W, b), (dW, db) in zip(own, grads):
                W -= lr * dW
                b -= lr * db
            start += size
        scores, _ = mlp_forward(X, own, activation)
        losses.append(float(softmax_cross_entropy(scores, labels)[0]))
    return own, losses
''',
        "batch mode as its own branch, the loss list as NumPy floats": '''
def train_mlp(X, labels, params, activation="relu", lr=0.1, epochs=10, mode="minibatch", batch_size=32, rng=None):
    def step(ps, idx):
        scores, caches = mlp_forward(X[idx], ps, activation)
        grads = mlp_backward(softmax_cross_entropy(scores, labels[idx])[1], caches)
        return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(ps, grads)]

    if mode not in {"batch", "stochastic", "minibatch"}:
        raise ValueError(mode)
    gen = np.random.default_rng(0) if rng is None else rng
    n = len(labels)
    ps = list(params)
    losses = []
    for _ in range(epochs):
        if mode == "batch":
            ps = step(ps, np.arange(n))
        else:
            size = 1 if mode == "stochastic" else batch_size
            perm = gen.permutation(n)
            for first in range(0, n, size):
                ps = step(ps, perm[first:first + size])
        losses.append(np.float64(softmax_cross_entropy(mlp_forward(X, ps, activation)[0], labels)[0]))
    return ps, losses
''',
    },
}

#: The variant that is the slides' algorithm (slide title) for functions the slides write out.
SLIDE_FORMULA = {
    "train_mlp": "the slides' minibatch loop: shuffle, make the batches, step on each",
}
