"""Plausible student bugs in lab 6 (each value is the full source of a buggy solution cell).

The sources run with np, math, torch, nn, F and the lab's reference functions in scope. Mutants of
``conv2d_naive``, ``maxpool2d_naive`` and ``train_cnn`` are the notebook's solution with one change,
made by :func:`_mutate` (which fails loudly if the text to change is not there).
"""


def _mutate(source: str, old: str, new: str) -> str:
    if old not in source:
        raise AssertionError(f"mutant template does not contain {old!r}")
    return source.replace(old, new)


_CONV = '''
def conv2d_naive(x, w, b, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    x_pad = F.pad(x, (padding, padding, padding, padding))
    H_out = (x_pad.shape[2] - kH) // stride + 1
    W_out = (x_pad.shape[3] - kW) // stride + 1
    out = x.new_zeros(N, C_out, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + kH, j * stride:j * stride + kW]
            out[:, :, i, j] = window.reshape(N, -1) @ w.reshape(C_out, -1).T
    if b is not None:
        out = out + b.reshape(1, C_out, 1, 1)
    return out
'''

_POOL = '''
def maxpool2d_naive(x, kernel, stride=None):
    if stride is None:
        stride = kernel
    N, C, H, W = x.shape
    H_out = (H - kernel) // stride + 1
    W_out = (W - kernel) // stride + 1
    out = x.new_zeros(N, C, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + kernel, j * stride:j * stride + kernel]
            out[:, :, i, j] = window.amax(dim=(2, 3))
    return out
'''

_TRAIN = '''
def train_cnn(X_train, y_train, device, seed):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32)
    y = torch.as_tensor(y_train).to(device=device, dtype=torch.int64)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    epochs, batch_size = 20, 64
    n = len(X)
    for epoch in range(epochs):
        order = torch.randperm(n, device=device)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
'''

MUTANTS = {
    "conv_output_size": {
        "ignores dilation": '''
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - kernel) // stride + 1
''',
        "true division (a float, not floored)": '''
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
''',
        "rounds up (ceil) instead of down": '''
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return math.ceil((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
''',
        "padding counted on one side only": '''
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return (size + padding - dilation * (kernel - 1) - 1) // stride + 1
''',
        "missing parentheses (only the -1 is divided by the stride)": '''
def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    return size + 2 * padding - dilation * (kernel - 1) - 1 // stride + 1
''',
    },
    "conv2d_naive": {
        "true convolution (kernel flipped)": _mutate(
            _CONV, "w.reshape(C_out, -1).T", "w.flip(2, 3).reshape(C_out, -1).T"),
        "bias ignored": _mutate(
            _CONV, "out = out + b.reshape(1, C_out, 1, 1)", "pass"),
        "pads only the bottom and the right (2 * padding)": _mutate(
            _CONV, "F.pad(x, (padding, padding, padding, padding))", "F.pad(x, (0, 2 * padding, 0, 2 * padding))"),
        "window position ignores the stride": _mutate(
            _CONV, "x_pad[:, :, i * stride:i * stride + kH, j * stride:j * stride + kW]",
            "x_pad[:, :, i:i + kH, j:j + kW]"),
        "kernel height and width swapped": _mutate(
            _CONV, "C_out, _, kH, kW = w.shape", "C_out, _, kW, kH = w.shape\n    w = w.transpose(2, 3)"),
        "crashes when b is None": _mutate(
            _CONV, "    if b is not None:\n        out = out + b", "    out = out + b"),
        "calls F.conv2d": '''
def conv2d_naive(x, w, b, stride=1, padding=0):
    return F.conv2d(x, w, b, stride=stride, padding=padding)
''',
        "calls nn.Conv2d": '''
def conv2d_naive(x, w, b, stride=1, padding=0):
    conv = nn.Conv2d(w.shape[1], w.shape[0], tuple(w.shape[2:]), stride=stride, padding=padding,
                     bias=b is not None).to(device=x.device, dtype=x.dtype)
    with torch.no_grad():
        conv.weight.copy_(w)
        if b is not None:
            conv.bias.copy_(b)
    return conv(x)
''',
    },
    "maxpool2d_naive": {
        "stride defaults to 1": _mutate(_POOL, "stride = kernel", "stride = 1"),
        "max starts at 0 (negative windows give 0)": _mutate(
            _POOL, "window.amax(dim=(2, 3))", "torch.clamp(window.amax(dim=(2, 3)), min=0)"),
        "average pooling": _mutate(_POOL, "window.amax(dim=(2, 3))", "window.mean(dim=(2, 3))"),
        "ceil mode (keeps the partial windows at the border)": _mutate(
            _POOL, "H_out = (H - kernel) // stride + 1\n    W_out = (W - kernel) // stride + 1",
            "H_out = -(-(H - kernel) // stride) + 1\n    W_out = -(-(W - kernel) // stride) + 1"),
        "windows one pixel too small": _mutate(
            _POOL, "i * stride:i * stride + kernel, j * stride:j * stride + kernel",
            "i * stride:i * stride + kernel - 1, j * stride:j * stride + kernel - 1"),
        "calls F.max_pool2d": '''
def maxpool2d_naive(x, kernel, stride=None):
    return F.max_pool2d(x, kernel, stride)
''',
    },
    "train_cnn": {
        "no optimizer.zero_grad() (gradients accumulate)": _mutate(_TRAIN, "            optimizer.zero_grad()\n", ""),
        "no optimizer.step() (never learns)": _mutate(_TRAIN, "            optimizer.step()\n", ""),
        "far too few steps (one full-batch step)": _mutate(_TRAIN, "epochs, batch_size = 20, 64",
                                                           "epochs, batch_size = 1, 1000"),
        "labels drawn in a different order than the images": _mutate(
            _TRAIN, "model(X[idx]), y[idx]", "model(X[idx]), y[start:start + batch_size]"),
        "nll_loss on raw logits (no log-softmax)": _mutate(_TRAIN, "F.cross_entropy(", "F.nll_loss("),
    },
}

NOTEBOOK_SAMPLE = ["maxpool2d_naive:stride defaults to 1"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab06_cnn.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'conv_output_size': dict(contradicts='lab06_cnn.ipynb § Part 1 — How big is the output?'),
    'conv2d_naive': dict(contradicts='lab06_cnn.ipynb § Part 2 — Convolution by hand'),
    'maxpool2d_naive': dict(contradicts='lab06_cnn.ipynb § Part 3 — Max-pooling'),
    'train_cnn': dict(contradicts='lab06_cnn.ipynb § Part 4 — A CNN for the digits', diagnosable=False),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'conv2d_naive:crashes when b is None': dict(diagnosable=False),
    'conv2d_naive:calls F.conv2d': dict(diagnosable=False),
    'conv2d_naive:calls nn.Conv2d': dict(diagnosable=False),
    'maxpool2d_naive:calls F.max_pool2d': dict(diagnosable=False),
}
