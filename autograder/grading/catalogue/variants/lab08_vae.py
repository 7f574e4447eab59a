"""Correct implementations of lab 8's graded functions, in the styles students write them.

Each value is the full source of a solution cell; it runs with np, torch, nn, F and the lab's
other graded functions in scope (``reparameterize``, ``kl_divergence``, ``vae_loss``, as a notebook's
own would be). The ``train_vae`` cell holds the ``VAE`` class too, as the notebook's does. Every
variant must pass the visible checks and earn full marks under both grading paths.
"""

_HISTORY_AND_RETURN = '''
    model.history = history
    return model.eval()
'''

VARIANTS = {
    "reparameterize": {
        "eps.mul(std).add(mu) with std = logvar.mul(0.5).exp()": '''
def reparameterize(mu, logvar, eps):
    std = logvar.mul(0.5).exp()
    return eps.mul(std).add(mu)
''',
        "sigma as the square root of the variance": '''
def reparameterize(mu, logvar, eps):
    sigma = torch.sqrt(torch.exp(logvar))
    return mu + sigma * eps
''',
        "torch.addcmul": '''
def reparameterize(mu, logvar, eps):
    return torch.addcmul(mu, eps, torch.exp(logvar / 2))
''',
        "the mean added in place to its own product": '''
def reparameterize(mu, logvar, eps):
    z = eps * torch.exp(0.5 * logvar)
    z += mu
    return z
''',
    },
    "kl_divergence": {
        "one sum over everything, divided by the batch size": '''
def kl_divergence(mu, logvar):
    n = mu.shape[0]
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
''',
        "torch.distributions' closed-form KL of two Normals": '''
def kl_divergence(mu, logvar):
    import torch.distributions as D

    q = D.Normal(mu, torch.exp(0.5 * logvar))
    prior = D.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return D.kl_divergence(q, prior).sum(dim=1).mean()
''',
        "a loop over the latent dimensions": '''
def kl_divergence(mu, logvar):
    total = torch.zeros(mu.shape[0], dtype=mu.dtype, device=mu.device)
    for d in range(mu.shape[1]):
        m, lv = mu[:, d], logvar[:, d]
        total = total + 0.5 * (m ** 2 + torch.exp(lv) - 1 - lv)
    return total.mean()
''',
        "the positive form 1/2 (sigma^2 + mu^2 - 1 - log sigma^2)": '''
def kl_divergence(mu, logvar):
    var = logvar.exp()
    per_image = 0.5 * (var + mu * mu - 1.0 - logvar).sum(dim=-1)
    return per_image.mean()
''',
    },
    "vae_loss": {
        "the BCE written out, each log clamped at -100": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    n = x.shape[0]
    log_p = torch.clamp(torch.log(x_hat), min=-100)
    log_1mp = torch.clamp(torch.log(1 - x_hat), min=-100)
    recon = -(x * log_p + (1 - x) * log_1mp).sum() / n
    kl = kl_divergence(mu, logvar)
    loss = recon + beta * kl
    return loss, recon, kl
''',
        "reduction='none', per-image sums over the flattened pixels": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    per_pixel = F.binary_cross_entropy(x_hat, x, reduction="none")
    recon = per_pixel.reshape(len(x), -1).sum(dim=1).mean()
    kl = kl_divergence(mu, logvar)
    return (recon + beta * kl, recon, kl)
''',
        "flattened images and the KL term inline": '''
def vae_loss(x_hat, x, mu, logvar, beta=1.0):
    batch = x.size(0)
    recon = F.binary_cross_entropy(x_hat.flatten(1), x.flatten(1), reduction="sum") / batch
    kl = torch.mean(-0.5 * torch.sum(1 + logvar - mu ** 2 - torch.exp(logvar), dim=1))
    total = recon + kl * beta
    return total, recon, kl
''',
    },
    "train_vae": {
        "torch.from_numpy, Adam 1e-3, the notebook's architecture": '''
class VAE(nn.Module):
    def __init__(self, latent_dim, n_in=64, hidden=128):
        super().__init__()
        self.fc1 = nn.Linear(n_in, hidden)
        self.fc_mu = nn.Linear(hidden, latent_dim)
        self.fc_logvar = nn.Linear(hidden, latent_dim)
        self.fc2 = nn.Linear(latent_dim, hidden)
        self.fc3 = nn.Linear(hidden, n_in)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc_mu(h), self.fc_logvar(h)

    def decode(self, z):
        return torch.sigmoid(self.fc3(F.relu(self.fc2(z))))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, torch.randn_like(mu))
        return self.decode(z), mu, logvar


def train_vae(X_train, latent_dim, device, seed, beta=1.0):
    torch.manual_seed(seed)
    X = torch.from_numpy(X_train).float().to(device)
    model = VAE(latent_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = {"loss": [], "recon": [], "kl": []}
    for epoch in range(100):
        model.train()
        perm = torch.randperm(X.shape[0], device=device)
        totals = [0.0, 0.0, 0.0]
        for idx in perm.split(50):
            xb = X[idx]
            x_hat, mu, logvar = model(xb)
            loss, recon, kl = vae_loss(x_hat, xb, mu, logvar, beta=beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            for k, v in enumerate((loss, recon, kl)):
                totals[k] += v.item() * len(xb)
        for key, total in zip(("loss", "recon", "kl"), totals):
            history[key].append(total / len(X))
''' + _HISTORY_AND_RETURN,
        "one encoder head of 2D numbers split into mu and logvar, SGD with momentum 0.9 at 0.01": '''
class VAE(nn.Module):
    def __init__(self, latent_dim, n_in=64, hidden=128):
        super().__init__()
        self.latent_dim = latent_dim
        self.enc = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent_dim))
        self.dec = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, n_in), nn.Sigmoid())

    def encode(self, x):
        mu, logvar = self.enc(x).chunk(2, dim=-1)
        return mu, logvar

    def decode(self, z):
        return self.dec(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        eps = torch.randn_like(mu)
        return self.decode(mu + eps * torch.exp(0.5 * logvar)), mu, logvar


def train_vae(X_train, latent_dim, device, seed, beta=1.0):
    torch.manual_seed(seed)
    X = torch.tensor(X_train, dtype=torch.float32, device=device)
    model = VAE(latent_dim).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    history = {"loss": [], "recon": [], "kl": []}
    model.train()
    for epoch in range(100):
        order = torch.randperm(len(X), device=device)
        epoch_sums = torch.zeros(3, device=device)
        for start in range(0, len(X), 50):
            xb = X[order[start:start + 50]]
            out = model(xb)
            loss, recon, kl = vae_loss(out[0], xb, out[1], out[2], beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_sums += torch.stack([loss.detach(), recon.detach(), kl.detach()]) * xb.shape[0]
        means = (epoch_sums / len(X)).tolist()
        history["loss"].append(means[0])
        history["recon"].append(means[1])
        history["kl"].append(means[2])
''' + _HISTORY_AND_RETURN,
        "a DataLoader with batches of 128, Adam 1e-2, 150 epochs": '''
class VAE(nn.Module):
    """Encoder 64 -> 128 (ReLU) -> mu, logvar; decoder latent_dim -> 128 (ReLU) -> 64 (sigmoid)."""

    def __init__(self, latent_dim, n_in=64, hidden=128):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, n_in), nn.Sigmoid())

    def encode(self, x):
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar, torch.randn_like(mu))), mu, logvar


def train_vae(X_train, latent_dim, device, seed, beta=1.0):
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(seed)
    data = TensorDataset(torch.as_tensor(X_train, dtype=torch.float32))
    loader = DataLoader(data, batch_size=128, shuffle=True)
    model = VAE(latent_dim).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = {"loss": [], "recon": [], "kl": []}
    for epoch in range(150):
        model.train()
        sums, count = {"loss": 0.0, "recon": 0.0, "kl": 0.0}, 0
        for (xb,) in loader:
            xb = xb.to(device)
            x_hat, mu, logvar = model(xb)
            loss, recon, kl = vae_loss(x_hat, xb, mu, logvar, beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            for key, value in (("loss", loss), ("recon", recon), ("kl", kl)):
                sums[key] += float(value) * len(xb)
            count += len(xb)
        for key in history:
            history[key].append(sums[key] / count)
''' + _HISTORY_AND_RETURN,
    },
}
