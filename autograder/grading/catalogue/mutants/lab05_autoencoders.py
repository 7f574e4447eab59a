"""Plausible student bugs in lab 5 (each value is the full source of a buggy solution cell).

The sources run with np, math, torch, nn, F and the lab's reference names in scope, as in the notebook:
a buggy ``encode`` calls the reference ``linear``; a buggy ``train_autoencoder`` uses the given
``Autoencoder`` class and the reference ``reconstruction_loss``.
"""

_TRAIN = '''
def train_autoencoder(X_train, latent_dim, device, seed):
    torch.manual_seed(seed)
    X = X_train.to(device)
    model = Autoencoder(X.shape[1], 128, {latent}).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr={lr})
    order = torch.Generator().manual_seed(seed)
    for epoch in range({epochs}):
        perm = torch.randperm(len(X), generator=order).to(device)
        for start in range(0, len(X), 64):
            xb = X[perm[start:start + 64]]
            loss = {loss}
{step}
    return model.eval()
'''
_STEP = '''            optimizer.zero_grad()
            loss.backward()
            optimizer.step()'''
_GOOD = {"latent": "latent_dim", "lr": "1e-2", "epochs": 60,
         "loss": 'reconstruction_loss(model(xb), xb, "mse")', "step": _STEP}


def _train(**changes):
    return _TRAIN.format(**{**_GOOD, **changes})


MUTANTS = {
    "linear": {
        "W not transposed (x @ W + b)": '''
def linear(x, W, b):
    return x @ W + b
''',
        "torch.mm (only works for 2-D x)": '''
def linear(x, W, b):
    return torch.mm(x, W.t()) + b
''',
        "bias forgotten": '''
def linear(x, W, b):
    return x @ W.T
''',
        "bias subtracted": '''
def linear(x, W, b):
    return x @ W.T - b
''',
    },
    "encode": {
        "ReLU on the code too": '''
def encode(x, params):
    h = torch.relu(linear(x, params["W1"], params["b1"]))
    return torch.relu(linear(h, params["W2"], params["b2"]))
''',
        "sigmoid instead of ReLU in the hidden layer": '''
def encode(x, params):
    h = torch.sigmoid(linear(x, params["W1"], params["b1"]))
    return linear(h, params["W2"], params["b2"])
''',
        "no activation (a linear encoder)": '''
def encode(x, params):
    h = linear(x, params["W1"], params["b1"])
    return linear(h, params["W2"], params["b2"])
''',
        "ReLU applied before the first layer": '''
def encode(x, params):
    h = linear(torch.relu(x), params["W1"], params["b1"])
    return linear(h, params["W2"], params["b2"])
''',
    },
    "decode": {
        "no sigmoid at the output": '''
def decode(z, params):
    h = torch.relu(linear(z, params["W3"], params["b3"]))
    return linear(h, params["W4"], params["b4"])
''',
        "ReLU at the output instead of sigmoid": '''
def decode(z, params):
    h = torch.relu(linear(z, params["W3"], params["b3"]))
    return torch.relu(linear(h, params["W4"], params["b4"]))
''',
        "sigmoid in the hidden layer too": '''
def decode(z, params):
    h = torch.sigmoid(linear(z, params["W3"], params["b3"]))
    return torch.sigmoid(linear(h, params["W4"], params["b4"]))
''',
        "softmax over the pixels at the output": '''
def decode(z, params):
    h = torch.relu(linear(z, params["W3"], params["b3"]))
    return torch.softmax(linear(h, params["W4"], params["b4"]), dim=1)
''',
    },
    "reconstruction_loss": {
        "mean over every pixel (F.mse_loss's default)": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    if kind == "mse":
        return F.mse_loss(x_hat, x)
    if kind == "bce":
        return F.binary_cross_entropy(x_hat, x)
    raise ValueError(kind)
''',
        "summed over the batch, not averaged": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    if kind == "mse":
        return ((x_hat - x) ** 2).sum()
    if kind == "bce":
        return F.binary_cross_entropy(x_hat, x, reduction="sum")
    raise ValueError(kind)
''',
        "sum over dim 1 only (wrong for images (N, 1, 8, 8))": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    if kind == "mse":
        return ((x_hat - x) ** 2).sum(dim=1).mean()
    if kind == "bce":
        return (-(x * torch.log(x_hat).clamp(min=-100) + (1 - x) * torch.log(1 - x_hat).clamp(min=-100))).sum(dim=1).mean()
    raise ValueError(kind)
''',
        "bce logs not clamped (0 * log 0 gives nan)": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    n = x.shape[0]
    if kind == "mse":
        return ((x_hat - x) ** 2).sum() / n
    if kind == "bce":
        return -(x * torch.log(x_hat) + (1 - x) * torch.log(1 - x_hat)).sum() / n
    raise ValueError(kind)
''',
        "bce with prediction and target swapped": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    n = x.shape[0]
    if kind == "mse":
        return ((x_hat - x) ** 2).sum() / n
    if kind == "bce":
        return F.binary_cross_entropy(x, x_hat, reduction="sum") / n
    raise ValueError(kind)
''',
        "any other kind falls back to mse (no ValueError)": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    n = x.shape[0]
    if kind == "bce":
        return F.binary_cross_entropy(x_hat, x, reduction="sum") / n
    return ((x_hat - x) ** 2).sum() / n
''',
        "returns a Python float (.item(): no gradient)": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    n = x.shape[0]
    if kind == "mse":
        return ((x_hat - x) ** 2).sum().item() / n
    if kind == "bce":
        return F.binary_cross_entropy(x_hat, x, reduction="sum").item() / n
    raise ValueError(kind)
''',
    },
    "add_noise": {
        "no clamp to [0, 1]": '''
def add_noise(x, std, generator):
    eps = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return x + std * eps
''',
        "variance std² instead of std": '''
def add_noise(x, std, generator):
    eps = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return torch.clamp(x + std ** 2 * eps, 0, 1)
''',
        "uniform noise (torch.rand)": '''
def add_noise(x, std, generator):
    eps = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return torch.clamp(x + std * eps, 0, 1)
''',
        "generator ignored (global random numbers)": '''
def add_noise(x, std, generator):
    eps = torch.randn(x.shape, dtype=x.dtype, device=x.device)
    return torch.clamp(x + std * eps, 0, 1)
''',
        "x modified in place": '''
def add_noise(x, std, generator):
    eps = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    x += std * eps
    return x.clamp_(0, 1)
''',
    },
    "train_autoencoder": {
        "no optimizer.zero_grad (gradients add up)": _train(step='''            loss.backward()
            optimizer.step()'''),
        "optimizer.step() missing (the weights never change)": _train(step='''            optimizer.zero_grad()
            loss.backward()'''),
        "one epoch only": _train(epochs=1),
        "latent_dim ignored (always 2)": _train(latent=2),
        "loss without the square (signed error)": _train(loss="(model(xb) - xb).sum() / len(xb)"),
        "learning rate 1e-4 (far too small for 960 steps)": _train(lr="1e-4"),
    },
}

NOTEBOOK_SAMPLE = ["add_noise:no clamp to [0, 1]"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab05_autoencoders.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'linear': dict(contradicts="lab05_autoencoders.ipynb § Part 1 — A dense layer in PyTorch's convention"),
    'encode': dict(contradicts='lab05_autoencoders.ipynb § Part 2 — Encoder and decoder'),
    'decode': dict(contradicts='lab05_autoencoders.ipynb § Part 2 — Encoder and decoder'),
    'reconstruction_loss': dict(contradicts='lab05_autoencoders.ipynb § Part 3 — Reconstruction losses'),
    'add_noise': dict(contradicts='lab05_autoencoders.ipynb § Part 4 — Corrupting the input: a denoising autoencoder'),
    'train_autoencoder': dict(contradicts='lab05_autoencoders.ipynb § Part 5 — Training an autoencoder', diagnosable=False),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'linear:torch.mm (only works for 2-D x)': dict(diagnosable=False),
    'reconstruction_loss:returns a Python float (.item(): no gradient)': dict(diagnosable=False),
    'add_noise:generator ignored (global random numbers)': dict(diagnosable=False),
}
