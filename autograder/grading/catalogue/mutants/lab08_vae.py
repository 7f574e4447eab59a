"""Plausible student bugs in lab 8 (each value is the full source of a buggy solution cell).

The ``train_vae`` mutants are the notebook's reference cell (``_TRAIN_CELL``: the VAE class and the
training function) with one bug edited in.
"""


def _edit(source: str, old: str, new: str) -> str:
    """``source`` with the one occurrence of ``old`` replaced by ``new`` (fails loudly if it is not there)."""
    if source.count(old) != 1:
        raise AssertionError(f"mutant edit: {old!r} occurs {source.count(old)} times in the reference cell")
    return source.replace(old, new)


_TRAIN_CELL = '''
class VAE(nn.Module):
    """Encoder 64 -> 128 (ReLU) -> mu, logvar (latent_dim each); decoder latent_dim -> 128 (ReLU) -> 64 (sigmoid)."""

    def __init__(self, latent_dim, n_in=64, hidden=128):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, n_in), nn.Sigmoid())

    def encode(self, x):
        """x (N, 64) -> (mu, logvar), each (N, latent_dim)."""
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z):
        """z (N, latent_dim) -> x_hat (N, 64) with values in (0, 1)."""
        return self.decoder(z)

    def forward(self, x):
        """x (N, 64) -> (x_hat, mu, logvar), decoding z = mu + sigma * eps with fresh eps ~ N(0, I)."""
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z), mu, logvar


def train_vae(X_train, latent_dim, device, seed, beta=1.0):
    """Train a VAE on X_train (float32, (N, 64), values in [0, 1]) by minimising vae_loss.

    latent_dim: D; device: a torch.device; seed: for torch.manual_seed; beta: the KL weight of vae_loss.
    Adam (lr 2e-3), minibatches of 50, 100 epochs. Returns the trained VAE on `device`, in eval mode,
    with model.history = {"loss": [...], "recon": [...], "kl": [...]} (mean training values per epoch).
    """
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train, dtype=torch.float32).to(device)
    model = VAE(latent_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    history = {"loss": [], "recon": [], "kl": []}
    model.train()
    for epoch in range(100):
        order = torch.randperm(len(X), device=device)
        sums = torch.zeros(3, device=device)
        for start in range(0, len(X), 50):
            xb = X[order[start:start + 50]]
            x_hat, mu, logvar = model(xb)
            loss, recon, kl = vae_loss(x_hat, xb, mu, logvar, beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sums += torch.stack([loss, recon, kl]).detach() * len(xb)
        for key, value in zip(history, (sums / len(X)).tolist()):
            history[key].append(value)
    model.history = history
    return model.eval()
'''

MUTANTS = {
    "reparameterize": {
        "variance as the standard deviation (exp(logvar))": '''
def reparameterize(mu, logvar, eps):
    return mu + torch.exp(logvar) * eps
''',
        "logvar used as the standard deviation": '''
def reparameterize(mu, logvar, eps):
    return mu + logvar * eps
''',
        "draws its own noise instead of using eps": '''
def reparameterize(mu, logvar, eps):
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
''',
        "divides by sigma (exp(-logvar / 2))": '''
def reparameterize(mu, logvar, eps):
    return mu + torch.exp(-0.5 * logvar) * eps
''',
        "detached from the graph (no gradient to mu, logvar)": '''
def reparameterize(mu, logvar, eps):
    with torch.no_grad():
        z = mu + torch.exp(0.5 * logvar) * eps
    return z
''',
    },
    "kl_divergence": {
        "summed over the batch instead of averaged": '''
def kl_divergence(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu ** 2 - torch.exp(logvar))
''',
        "averaged over the latent dimensions too": '''
def kl_divergence(mu, logvar):
    return -0.5 * torch.mean(1 + logvar - mu ** 2 - torch.exp(logvar))
''',
        "missing the +1": '''
def kl_divergence(mu, logvar):
    return (-0.5 * torch.sum(logvar - mu ** 2 - torch.exp(logvar), dim=1)).mean()
''',
        "wrong sign (+1/2)": '''
def kl_divergence(mu, logvar):
    return (0.5 * torch.sum(1 + logvar - mu ** 2 - torch.exp(logvar), dim=1)).mean()
''',
        "sigma instead of sigma^2 (exp(logvar / 2))": '''
def kl_divergence(mu, logvar):
    return (-0.5 * torch.sum(1 + logvar - mu ** 2 - torch.exp(0.5 * logvar), dim=1)).mean()
''',
        "returns one value per example": '''
def kl_divergence(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu ** 2 - torch.exp(logvar), dim=1)
''',
        "returns a Python float (.item() cuts the graph)": '''
def kl_divergence(mu, logvar):
    return (-0.5 * torch.sum(1 + logvar - mu ** 2 - torch.exp(logvar), dim=1)).mean().item()
''',
    },
    "vae_loss": {
        "mean BCE over all pixels": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.binary_cross_entropy(x_hat, x, reduction="mean")
    kl = kl_divergence(mu, logvar)
    return recon + beta * kl, recon, kl
''',
        "BCE summed over the batch, not averaged per image": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.binary_cross_entropy(x_hat, x, reduction="sum")
    kl = kl_divergence(mu, logvar)
    return recon + beta * kl, recon, kl
''',
        "beta weighs the reconstruction": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.binary_cross_entropy(x_hat, x, reduction="sum") / x.shape[0]
    kl = kl_divergence(mu, logvar)
    return beta * recon + kl, recon, kl
''',
        "beta ignored": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.binary_cross_entropy(x_hat, x, reduction="sum") / x.shape[0]
    kl = kl_divergence(mu, logvar)
    return recon + kl, recon, kl
''',
        "KL subtracted": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.binary_cross_entropy(x_hat, x, reduction="sum") / x.shape[0]
    kl = kl_divergence(mu, logvar)
    return recon - beta * kl, recon, kl
''',
        "squared error instead of BCE": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.mse_loss(x_hat, x, reduction="sum") / x.shape[0]
    kl = kl_divergence(mu, logvar)
    return recon + beta * kl, recon, kl
''',
        "input and target swapped in the BCE": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.binary_cross_entropy(x, x_hat, reduction="sum") / x.shape[0]
    kl = kl_divergence(mu, logvar)
    return recon + beta * kl, recon, kl
''',
        "sums over dim 1 only (wrong for image-shaped x)": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.binary_cross_entropy(x_hat, x, reduction="none").sum(dim=1).mean()
    kl = kl_divergence(mu, logvar)
    return recon + beta * kl, recon, kl
''',
        "returns (recon, kl, loss)": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    recon = F.binary_cross_entropy(x_hat, x, reduction="sum") / x.shape[0]
    kl = kl_divergence(mu, logvar)
    return recon, kl, recon + beta * kl
''',
    },
    "train_vae": {
        "no optimizer.zero_grad() (gradients accumulate)": _edit(_TRAIN_CELL, "            optimizer.zero_grad()\n", ""),
        "no optimizer.step() (never updates)": _edit(_TRAIN_CELL, "            optimizer.step()\n", ""),
        "KL subtracted from the loss it minimises": _edit(_TRAIN_CELL, "loss.backward()", "(recon - beta * kl).backward()"),
        "one epoch instead of 100": _edit(_TRAIN_CELL, "range(100)", "range(1)"),
        "learning rate far too small (1e-5)": _edit(_TRAIN_CELL, "lr=2e-3", "lr=1e-5"),
        "latent_dim ignored (always 2)": _edit(_TRAIN_CELL, "VAE(latent_dim)", "VAE(2)"),
        "decoder without the sigmoid": _edit(_TRAIN_CELL, "nn.Linear(hidden, n_in), nn.Sigmoid())", "nn.Linear(hidden, n_in))"),
        "forward pass under torch.no_grad()": _edit(
            _TRAIN_CELL, "            x_hat, mu, logvar = model(xb)\n",
            "            with torch.no_grad():\n                x_hat, mu, logvar = model(xb)\n"),
        "no KL term (reconstruction only)": _edit(_TRAIN_CELL, "vae_loss(x_hat, xb, mu, logvar, beta)", "vae_loss(x_hat, xb, mu, logvar, 0.0)"),
    },
}

NOTEBOOK_SAMPLE = ["reparameterize:variance as the standard deviation (exp(logvar))"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab08_vae.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'reparameterize': dict(contradicts='lab08_vae.ipynb § Part 1 — The reparameterisation trick'),
    'kl_divergence': dict(contradicts='lab08_vae.ipynb § Part 2 — The KL term in closed form'),
    'vae_loss': dict(contradicts='lab08_vae.ipynb § Part 3 — The negative ELBO'),
    'train_vae': dict(contradicts='lab08_vae.ipynb § Part 4 — Train a VAE', diagnosable=False),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'reparameterize:draws its own noise instead of using eps': dict(diagnosable=False),
    'reparameterize:detached from the graph (no gradient to mu, logvar)': dict(diagnosable=False),
    'kl_divergence:returns a Python float (.item() cuts the graph)': dict(diagnosable=False),
}
