"""Correct implementations of lab 9's graded functions, written the ways students write them.

Each value is the full source of a solution cell; it runs with np, math, torch, nn, F and the lab's
reference functions in scope (so a variant of ``train_gan`` calls the reference losses, as the
notebook's calls the student's). The training variants are the family of reasonable recipes that the
tiers of ``autograder/grading/cases/lab09_gans.py`` were set from (``bench/trained_tiers.py`` prints
their scores per seed).
"""

VARIANTS = {
    "discriminator_loss": {
        "BCE with logits against ones and zeros": '''
def discriminator_loss(real_logits, fake_logits):
    bce = F.binary_cross_entropy_with_logits
    return bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))
''',
        "logsigmoid of both signs": '''
def discriminator_loss(real_logits, fake_logits):
    return -F.logsigmoid(real_logits).mean() - F.logsigmoid(-fake_logits).mean()
''',
        "stable softplus by hand: max(u, 0) + log1p(exp(-|u|))": '''
def discriminator_loss(real_logits, fake_logits):
    def softplus(u):
        return torch.clamp(u, min=0) + torch.log1p(torch.exp(-u.abs()))
    return softplus(-real_logits).sum() / real_logits.numel() + softplus(fake_logits).sum() / fake_logits.numel()
''',
        "nn.BCEWithLogitsLoss module on flattened logits": '''
def discriminator_loss(real_logits, fake_logits):
    criterion = nn.BCEWithLogitsLoss()
    real, fake = real_logits.reshape(-1), fake_logits.reshape(-1)
    return criterion(real, torch.ones_like(real)) + criterion(fake, torch.zeros_like(fake))
''',
    },
    "generator_loss_minimax": {
        "minus BCE against zeros": '''
def generator_loss_minimax(fake_logits):
    return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
''',
        "log(1 - sigmoid(l)) as logsigmoid(-l)": '''
def generator_loss_minimax(fake_logits):
    return F.logsigmoid(-fake_logits).mean()
''',
        "stable softplus by hand, torch.mean": '''
def generator_loss_minimax(fake_logits):
    softplus = torch.clamp(fake_logits, min=0) + torch.log1p(torch.exp(-torch.abs(fake_logits)))
    return -torch.mean(softplus)
''',
        "nn.Softplus module": '''
def generator_loss_minimax(fake_logits):
    return -nn.Softplus()(fake_logits).mean()
''',
    },
    "generator_loss_nonsaturating": {
        "BCE with logits against ones": '''
def generator_loss_nonsaturating(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
''',
        "minus logsigmoid": '''
def generator_loss_nonsaturating(fake_logits):
    return -F.logsigmoid(fake_logits).mean()
''',
        "stable softplus(-l) by hand, sum over numel": '''
def generator_loss_nonsaturating(fake_logits):
    u = -fake_logits
    return (torch.relu(u) + torch.log1p(torch.exp(-u.abs()))).sum() / u.numel()
''',
        "nn.BCEWithLogitsLoss module": '''
def generator_loss_nonsaturating(fake_logits):
    return nn.BCEWithLogitsLoss()(fake_logits, torch.ones_like(fake_logits))
''',
    },
    "lsgan_discriminator_loss": {
        "F.mse_loss against ones and zeros": '''
def lsgan_discriminator_loss(real_scores, fake_scores):
    return 0.5 * F.mse_loss(real_scores, torch.ones_like(real_scores)) + \\
        0.5 * F.mse_loss(fake_scores, torch.zeros_like(fake_scores))
''',
        "sums of squares over 2 N": '''
def lsgan_discriminator_loss(real_scores, fake_scores):
    return (real_scores - 1).pow(2).sum() / (2 * real_scores.numel()) + \\
        (fake_scores * fake_scores).sum() / (2 * fake_scores.numel())
''',
        "nn.MSELoss module, halves": '''
def lsgan_discriminator_loss(real_scores, fake_scores):
    mse = nn.MSELoss()
    return (mse(real_scores, torch.ones_like(real_scores)) + mse(fake_scores, torch.zeros_like(fake_scores))) / 2
''',
    },
    "lsgan_generator_loss": {
        "F.mse_loss against ones, halved": '''
def lsgan_generator_loss(fake_scores):
    return F.mse_loss(fake_scores, torch.ones_like(fake_scores)) / 2
''',
        "torch.square and torch.mean": '''
def lsgan_generator_loss(fake_scores):
    return 0.5 * torch.mean(torch.square(fake_scores - 1))
''',
        "sum of squares over 2 N, flattened": '''
def lsgan_generator_loss(fake_scores):
    s = fake_scores.reshape(-1)
    return ((s - 1) ** 2).sum() / (2 * len(s))
''',
    },
    "hinge_discriminator_loss": {
        "torch.clamp(min=0)": '''
def hinge_discriminator_loss(real_scores, fake_scores):
    return torch.clamp(1 - real_scores, min=0).mean() + torch.clamp(1 + fake_scores, min=0).mean()
''',
        "torch.maximum with zeros": '''
def hinge_discriminator_loss(real_scores, fake_scores):
    zero_r, zero_f = torch.zeros_like(real_scores), torch.zeros_like(fake_scores)
    return torch.maximum(zero_r, 1 - real_scores).mean() + torch.maximum(zero_f, 1 + fake_scores).mean()
''',
        "minus the minimum (as BigGAN writes it)": '''
def hinge_discriminator_loss(real_scores, fake_scores):
    return -torch.mean(torch.clamp(real_scores - 1, max=0)) - torch.mean(torch.clamp(-fake_scores - 1, max=0))
''',
    },
    "hinge_generator_loss": {
        "torch.mean, negated": '''
def hinge_generator_loss(fake_scores):
    return -torch.mean(fake_scores)
''',
        "sum over numel": '''
def hinge_generator_loss(fake_scores):
    return -fake_scores.sum() / fake_scores.numel()
''',
        "torch.neg of the flattened mean": '''
def hinge_generator_loss(fake_scores):
    return torch.neg(fake_scores.reshape(-1).mean())
''',
    },
    "wasserstein_critic_loss": {
        "torch.mean of each": '''
def wasserstein_critic_loss(real_scores, fake_scores):
    return torch.mean(fake_scores) - torch.mean(real_scores)
''',
        "minus the Wasserstein estimate": '''
def wasserstein_critic_loss(real_scores, fake_scores):
    estimate = real_scores.mean() - fake_scores.mean()
    return -estimate
''',
        "sums over numel": '''
def wasserstein_critic_loss(real_scores, fake_scores):
    return fake_scores.sum() / fake_scores.numel() - real_scores.sum() / real_scores.numel()
''',
    },
    "gradient_penalty": {
        "WGAN-GP paper's code: grad_outputs of ones, torch.linalg.vector_norm": '''
def gradient_penalty(critic, real, fake, generator=None, lam=10.0):
    n = real.shape[0]
    shape = (n,) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, generator=generator, device=real.device, dtype=real.dtype)
    interpolates = alpha * real + (1 - alpha) * fake
    interpolates.requires_grad_(True)
    scores = critic(interpolates)
    gradients = torch.autograd.grad(outputs=scores, inputs=interpolates, grad_outputs=torch.ones_like(scores),
                                    create_graph=True, retain_graph=True)[0]
    gradients = gradients.view(n, -1)
    return lam * ((torch.linalg.vector_norm(gradients, dim=1) - 1) ** 2).mean()
''',
        "torch.lerp between fake and real": '''
def gradient_penalty(critic, real, fake, generator=None, lam=10.0):
    alpha = torch.rand(real.shape[0], *([1] * (real.dim() - 1)), generator=generator, device=real.device,
                       dtype=real.dtype)
    x_hat = torch.lerp(fake, real, alpha).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = grad.flatten(start_dim=1).norm(dim=1)
    return lam * torch.mean((norms - 1) ** 2)
''',
        "alpha drawn as (N,) and reshaped; norm as sqrt of the sum of squares": '''
def gradient_penalty(critic, real, fake, generator=None, lam=10.0):
    n = real.shape[0]
    alpha = torch.rand(n, generator=generator, device=real.device, dtype=real.dtype)
    alpha = alpha.reshape(n, *([1] * (real.dim() - 1)))
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_()
    out = critic(x_hat).reshape(-1)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    norms = torch.sqrt((grad.reshape(n, -1) ** 2).sum(dim=1))
    return lam * ((norms - 1) ** 2).sum() / n
''',
    },
    # Recipes: each changes what the notebook leaves free (sizes, optimiser, rate, batch size) and
    # keeps what it fixes (the signature, generator_loss in the G step, after_epoch, latent_dim, tanh).
    "train_gan": {
        "Adam at 1e-3 (beta1 0.5), nn.Module classes": '''
class Generator(nn.Module):
    def __init__(self, latent_dim=16):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = nn.Sequential(nn.Linear(latent_dim, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128),
                                 nn.LeakyReLU(0.2), nn.Linear(128, 64), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                                 nn.Linear(128, 1))

    def forward(self, x):
        return self.net(x)


def train_gan(X_train, device, seed, epochs=60, generator_loss=generator_loss_nonsaturating, after_epoch=None):
    torch.manual_seed(seed)
    X = X_train.to(device).float().reshape(len(X_train), 64) * 2 - 1
    G, D = Generator().to(device), Discriminator().to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    for epoch in range(1, epochs + 1):
        d_sum = g_sum = 0.0
        batches = 0
        for idx in torch.randperm(len(X), device=device).split(64):
            real = X[idx]
            fake = G(torch.randn(len(real), G.latent_dim, device=device))
            opt_d.zero_grad()
            loss_d = discriminator_loss(D(real), D(fake.detach()))
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()
            loss_g = generator_loss(D(fake))
            loss_g.backward()
            opt_g.step()
            d_sum += loss_d.item()
            g_sum += loss_g.item()
            batches += 1
        if after_epoch:
            after_epoch(epoch, G, d_sum / batches, g_sum / batches)
    G.eval()
    return G
''',
        "wider (256 units), minibatches of 128, Adam 2e-3": '''
def train_gan(X_train, device, seed, epochs=60, generator_loss=generator_loss_nonsaturating, after_epoch=None):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train, dtype=torch.float32, device=device).reshape(-1, 64)
    X = 2 * X - 1
    hidden, latent = 256, 16
    G = nn.Sequential(nn.Linear(latent, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                      nn.Linear(hidden, 64), nn.Tanh()).to(device)
    D = nn.Sequential(nn.Linear(64, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2),
                      nn.Linear(hidden, 1)).to(device)
    G.latent_dim = latent
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for epoch in range(epochs):
        perm = torch.randperm(X.shape[0], device=device)
        d_losses, g_losses = [], []
        for i in range(0, X.shape[0], 128):
            real = X[perm[i:i + 128]]
            z = torch.randn(real.shape[0], latent, device=device)
            fake = G(z)
            loss_d = discriminator_loss(D(real), D(fake.detach()))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = generator_loss(D(fake))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            d_losses.append(loss_d.item())
            g_losses.append(loss_g.item())
        if after_epoch is not None:
            after_epoch(epoch + 1, G, float(np.mean(d_losses)), float(np.mean(g_losses)))
    return G.eval()
''',
        "minibatches of 32, 40 epochs, Adam 1e-3, a fresh z for the G step": '''
def train_gan(X_train, device, seed, epochs=40, generator_loss=generator_loss_nonsaturating, after_epoch=None):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32).reshape(-1, 64) * 2 - 1
    latent = 16
    G = nn.Sequential(nn.Linear(latent, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                      nn.Linear(128, 64), nn.Tanh()).to(device)
    D = nn.Sequential(nn.Linear(64, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                      nn.Linear(128, 1)).to(device)
    G.latent_dim = latent
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    n = len(X)
    for epoch in range(1, epochs + 1):
        total_d = total_g = 0.0
        steps = 0
        order = torch.randperm(n, device=device)
        for start in range(0, n, 32):
            real = X[order[start:start + 32]]
            fake = G(torch.randn(len(real), latent, device=device)).detach()
            loss_d = discriminator_loss(D(real), D(fake))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = generator_loss(D(G(torch.randn(len(real), latent, device=device))))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            total_d, total_g, steps = total_d + loss_d.item(), total_g + loss_g.item(), steps + 1
        if after_epoch is not None:
            after_epoch(epoch, G, total_d / steps, total_g / steps)
    return G.eval()
''',
    },
    "train_dcgan": {
        "nn.Module classes, Adam 1e-3": '''
class DCGenerator(nn.Module):
    def __init__(self, latent_dim=16, c=16):
        super().__init__()
        self.latent_dim = latent_dim
        self.project = nn.Linear(latent_dim, 2 * c * 2 * 2)
        self.c = c
        self.body = nn.Sequential(
            nn.BatchNorm2d(2 * c), nn.ReLU(),
            nn.ConvTranspose2d(2 * c, c, kernel_size=4, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.ConvTranspose2d(c, 1, kernel_size=4, stride=2, padding=1), nn.Tanh())

    def forward(self, z):
        return self.body(self.project(z).view(-1, 2 * self.c, 2, 2))


class DCDiscriminator(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, c, kernel_size=4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(c, 2 * c, kernel_size=4, stride=2, padding=1), nn.BatchNorm2d(2 * c),
            nn.LeakyReLU(0.2, inplace=True))
        self.out = nn.Linear(2 * c * 4, 1)

    def forward(self, x):
        return self.out(self.features(x).flatten(1)).squeeze(1)


def train_dcgan(X_train, device, seed, epochs=30):
    torch.manual_seed(seed)
    X = X_train.to(device=device, dtype=torch.float32).view(-1, 1, 8, 8) * 2 - 1
    G, D = DCGenerator().to(device), DCDiscriminator().to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    for epoch in range(epochs):
        for idx in torch.randperm(len(X), device=device).split(64):
            real = X[idx]
            fake = G(torch.randn(len(real), G.latent_dim, device=device))
            opt_d.zero_grad()
            discriminator_loss(D(real), D(fake.detach())).backward()
            opt_d.step()
            opt_g.zero_grad()
            generator_loss_nonsaturating(D(fake)).backward()
            opt_g.step()
    return G.eval(), D.eval()
''',
        "projection to 4x4 and one transposed convolution, kernel-3 strided convolutions in D": '''
def train_dcgan(X_train, device, seed, epochs=30):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train, dtype=torch.float32, device=device).reshape(-1, 1, 8, 8)
    X = X * 2 - 1
    latent, c = 16, 16
    G = nn.Sequential(nn.Linear(latent, c * 4 * 4), nn.Unflatten(1, (c, 4, 4)), nn.BatchNorm2d(c), nn.ReLU(),
                      nn.ConvTranspose2d(c, c, 4, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
                      nn.Conv2d(c, 1, 3, padding=1), nn.Tanh()).to(device)
    G.latent_dim = latent
    D = nn.Sequential(nn.Conv2d(1, c, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                      nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2),
                      nn.Flatten(), nn.Linear(2 * c * 2 * 2, 1)).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    n = X.shape[0]
    for epoch in range(epochs):
        perm = torch.randperm(n, device=device)
        for i in range(0, n, 64):
            real = X[perm[i:i + 64]]
            z = torch.randn(real.shape[0], latent, device=device)
            fake = G(z)
            loss_d = discriminator_loss(D(real), D(fake.detach()))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = generator_loss_nonsaturating(D(fake))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
    G.eval()
    D.eval()
    return G, D
''',
        "more channels (32), minibatches of 128, 40 epochs": '''
def train_dcgan(X_train, device, seed, epochs=40):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).float().to(device).reshape(-1, 1, 8, 8) * 2 - 1
    latent, c = 16, 32
    G = nn.Sequential(
        nn.Linear(latent, 2 * c * 4), nn.Unflatten(1, (2 * c, 2, 2)), nn.BatchNorm2d(2 * c), nn.ReLU(),
        nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
        nn.ConvTranspose2d(c, 1, 4, 2, 1), nn.Tanh()).to(device)
    D = nn.Sequential(
        nn.Conv2d(1, c, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(2 * c * 4, 1)).to(device)
    G.latent_dim = latent
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for _ in range(epochs):
        order = torch.randperm(len(X), device=device)
        for start in range(0, len(X), 128):
            real = X[order[start:start + 128]]
            fake = G(torch.randn(len(real), latent, device=device))
            loss_d = discriminator_loss(D(real), D(fake.detach()))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = generator_loss_nonsaturating(D(fake))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
    return G.eval(), D.eval()
''',
    },
}
