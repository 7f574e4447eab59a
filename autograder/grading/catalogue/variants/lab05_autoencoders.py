"""Correct implementations of lab 5's graded functions, in the styles students write them.

Each value is the full source of a solution cell. It runs with np, torch, nn, F and the lab's
given names in scope (``Autoencoder``, the class the notebook gives; ``reconstruction_loss`` and
``add_noise`` for the training function, as a notebook's own functions would be). Every variant
must pass the visible checks and earn full marks under both grading paths.
"""

VARIANTS = {
    "linear": {
        "torch.matmul and W.t()": '''
def linear(x, W, b):
    return torch.matmul(x, W.t()) + b
''',
        "einsum over the last axis": '''
def linear(x, W, b):
    return torch.einsum("...i,oi->...o", x, W) + b
''',
        "W times a column vector (W @ x[..., None])": '''
def linear(x, W, b):
    y = W @ x.unsqueeze(-1)            # (..., out_features, 1)
    return y.squeeze(-1) + b
''',
        "F.linear": '''
def linear(x, W, b):
    return F.linear(x, W, b)
''',
    },
    "encode": {
        "F.relu and F.linear": '''
def encode(x, params):
    h = F.relu(F.linear(x, params["W1"], params["b1"]))
    return F.linear(h, params["W2"], params["b2"])
''',
        "clamp(min=0) as the ReLU, weights unpacked first": '''
def encode(x, params):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    h = (x @ W1.T + b1).clamp(min=0)
    return h @ W2.T + b2
''',
        "a loop over the two layers, in-place relu_ on its own hidden layer": '''
def encode(x, params):
    out = x
    for i in (1, 2):
        out = linear(out, params[f"W{i}"], params[f"b{i}"])
        if i == 1:
            out.relu_()
    return out
''',
        "ReLU as a mask (h * (h > 0))": '''
def encode(x, params):
    a = linear(x, params["W1"], params["b1"])
    h = a * (a > 0)
    z = linear(h, params["W2"], params["b2"])
    return z
''',
    },
    "decode": {
        "the sigmoid written out, 1 / (1 + exp(-a))": '''
def decode(z, params):
    h = torch.relu(z @ params["W3"].T + params["b3"])
    a = h @ params["W4"].T + params["b4"]
    return 1 / (1 + torch.exp(-a))
''',
        "torch.addmm (batch of codes)": '''
def decode(z, params):
    h = torch.relu(torch.addmm(params["b3"], z, params["W3"].T))
    return torch.sigmoid(torch.addmm(params["b4"], h, params["W4"].T))
''',
        "einsum and F.sigmoid": '''
def decode(z, params):
    h = F.relu(torch.einsum("nk,hk->nh", z, params["W3"]) + params["b3"])
    return torch.sigmoid(torch.einsum("nh,dh->nd", h, params["W4"]) + params["b4"])
''',
        "in-place relu_ and sigmoid_ on its own tensors": '''
def decode(z, params):
    h = linear(z, params["W3"], params["b3"]).relu_()
    out = linear(h, params["W4"], params["b4"])
    out.sigmoid_()
    return out
''',
    },
    "reconstruction_loss": {
        "F.mse_loss and F.binary_cross_entropy with reduction='sum', divided by N": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    n = len(x)
    if kind == "mse":
        return F.mse_loss(x_hat, x, reduction="sum") / n
    elif kind == "bce":
        return F.binary_cross_entropy(x_hat, x, reduction="sum") / n
    else:
        raise ValueError("unknown kind " + str(kind))
''',
        "per-image sums over the flattened pixels, then the mean": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    if kind not in ("mse", "bce"):
        raise ValueError(f"kind must be 'mse' or 'bce', not {kind}")
    x_hat_flat, x_flat = x_hat.flatten(start_dim=1), x.flatten(start_dim=1)
    if kind == "mse":
        per_image = ((x_hat_flat - x_flat) ** 2).sum(dim=1)
    else:
        log_p = torch.log(x_hat_flat).clamp(min=-100)
        log_q = torch.log(1 - x_hat_flat).clamp(min=-100)
        per_image = -(x_flat * log_p + (1 - x_flat) * log_q).sum(dim=1)
    return per_image.mean()
''',
        "a dict of loss functions, pixel sums over every non-batch dimension": '''
def _squared(x_hat, x):
    return (x_hat - x).pow(2)


def _cross_entropy(x_hat, x):
    return -(x * torch.clamp_min(torch.log(x_hat), -100.0) + (1 - x) * torch.clamp_min(torch.log1p(-x_hat), -100.0))


def reconstruction_loss(x_hat, x, kind="mse"):
    losses = {"mse": _squared, "bce": _cross_entropy}
    if kind not in losses:
        raise ValueError(kind)
    per_pixel = losses[kind](x_hat, x)
    dims = tuple(range(1, x.dim()))
    return per_pixel.sum(dim=dims).mean()
''',
        "a Python loop over the images": '''
def reconstruction_loss(x_hat, x, kind="mse"):
    if kind != "mse" and kind != "bce":
        raise ValueError("kind should be mse or bce")
    total = 0
    for image_hat, image in zip(x_hat, x):
        if kind == "mse":
            total = total + torch.sum((image_hat - image) ** 2)
        else:
            total = total + F.binary_cross_entropy(image_hat, image, reduction="sum")
    return total / x.shape[0]
''',
    },
    "add_noise": {
        "x.add(...).clamp(0, 1)": '''
def add_noise(x, std, generator):
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
    return x.add(noise, alpha=std).clamp(0, 1)
''',
        "in-place clamp_ on its own noisy copy": '''
def add_noise(x, std, generator):
    noisy = x + std * torch.randn(x.size(), generator=generator, dtype=x.dtype, device=x.device)
    noisy.clamp_(0.0, 1.0)
    return noisy
''',
        "x.clone() then add_ in place, torch.clip": '''
def add_noise(x, std, generator):
    eps = torch.randn(*x.shape, generator=generator, dtype=x.dtype, device=x.device)
    out = x.clone()
    out.add_(std * eps)
    return torch.clip(out, 0, 1)
''',
        "torch.minimum / torch.maximum as the clamp": '''
def add_noise(x, std, generator):
    eps = torch.randn(tuple(x.shape), generator=generator, dtype=x.dtype, device=x.device)
    noisy = x + eps * std
    return torch.minimum(torch.maximum(noisy, torch.zeros_like(noisy)), torch.ones_like(noisy))
''',
    },
    "train_autoencoder": {
        "own nn.Module of two nn.Sequential halves, Adam 3e-3, F.mse_loss(reduction='sum') / N": '''
class MyAutoencoder(nn.Module):
    def __init__(self, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, 128), nn.ReLU(), nn.Linear(128, 64), nn.Sigmoid())

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


def train_autoencoder(X_train, latent_dim, device, seed, kind="mse", noise_std=0.0):
    torch.manual_seed(seed)
    model = MyAutoencoder(latent_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    X = X_train.to(device)
    order = torch.Generator().manual_seed(seed)
    noise = torch.Generator(device=device).manual_seed(seed)
    for epoch in range(60):
        perm = torch.randperm(X.shape[0], generator=order)
        for batch in perm.split(64):
            xb = X[batch.to(device)]
            inputs = add_noise(xb, noise_std, noise) if noise_std > 0 else xb
            x_hat = model(inputs)
            if kind == "mse":
                loss = F.mse_loss(x_hat, xb, reduction="sum") / len(xb)
            else:
                loss = F.binary_cross_entropy(x_hat, xb, reduction="sum") / len(xb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return model
''',
        "SGD with momentum 0.9 at 0.01, a DataLoader with batches of 32": '''
def train_autoencoder(X_train, latent_dim, device, seed, kind="mse", noise_std=0.0):
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(seed)
    model = Autoencoder(64, 128, latent_dim).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(TensorDataset(X_train.to(device)), batch_size=32, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    noise = torch.Generator(device=device).manual_seed(seed)
    model.train()
    for epoch in range(60):
        for (xb,) in loader:
            inputs = add_noise(xb, noise_std, noise) if noise_std > 0 else xb
            loss = reconstruction_loss(model(inputs), xb, kind)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
        "Adam 1e-3 (the notebook's recipe with a smaller rate)": '''
def train_autoencoder(X_train, latent_dim, device, seed, kind="mse", noise_std=0.0):
    torch.manual_seed(seed)
    X = X_train.to(device)
    model = Autoencoder(X.shape[1], 128, latent_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.Generator().manual_seed(seed)
    noise = torch.Generator(device=device).manual_seed(seed)
    for epoch in range(60):
        perm = torch.randperm(len(X), generator=order).to(device)
        for start in range(0, len(X), 64):
            xb = X[perm[start:start + 64]]
            inputs = add_noise(xb, noise_std, noise) if noise_std > 0 else xb
            loss = reconstruction_loss(model(inputs), xb, kind)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
        "AdamW 1e-2, batches of 128, 80 epochs, a while loop over the minibatches": '''
def train_autoencoder(X_train, latent_dim, device, seed, kind="mse", noise_std=0.0):
    torch.manual_seed(seed)
    X = X_train.to(device)
    model = Autoencoder(d_in=64, hidden=128, latent_dim=latent_dim).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(seed)
    noise = torch.Generator(device=device).manual_seed(seed)
    n, batch_size = X.shape[0], 128
    for epoch in range(80):
        perm = torch.randperm(n, generator=g).to(device)
        i = 0
        while i < n:
            xb = X[perm[i:i + batch_size]]
            i += batch_size
            noisy = add_noise(xb, noise_std, noise) if noise_std > 0 else xb
            optimizer.zero_grad()
            loss = reconstruction_loss(model(noisy), xb, kind=kind)
            loss.backward()
            optimizer.step()
    return model.eval()
''',
    },
}
