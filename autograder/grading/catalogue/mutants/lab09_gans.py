"""Plausible student bugs in lab 9 (each value is the full source of a buggy solution cell).

The sources run with np, math, torch, nn, F and the lab's reference functions in scope (so a buggy
``train_gan`` calls the reference losses). Mutants of ``gradient_penalty`` and ``train_gan`` are the
notebook's solution with one change, made by :func:`_mutate` (which fails loudly if the text to
change is not there).
"""


def _mutate(source: str, old: str, new: str) -> str:
    if old not in source:
        raise AssertionError(f"mutant template does not contain {old!r}")
    return source.replace(old, new)


GP = '''
def gradient_penalty(critic, real, fake, generator=None, lam=10.0):
    n = real.shape[0]
    alpha = torch.rand(n, *([1] * (real.dim() - 1)), generator=generator, device=real.device, dtype=real.dtype)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norms = grad.reshape(n, -1).norm(2, dim=1)
    return lam * ((norms - 1) ** 2).mean()
'''

TRAIN = '''
def train_gan(X_train, device, seed, epochs=60, generator_loss=generator_loss_nonsaturating, after_epoch=None):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32).reshape(-1, 64) * 2 - 1
    latent = 16
    G = nn.Sequential(nn.Linear(latent, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                      nn.Linear(128, 64), nn.Tanh()).to(device)
    D = nn.Sequential(nn.Linear(64, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                      nn.Linear(128, 1)).to(device)
    G.latent_dim = latent
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    n, batch_size = len(X), 64
    for epoch in range(1, epochs + 1):
        order = torch.randperm(n, device=device)
        losses = []
        for start in range(0, n, batch_size):
            real = X[order[start:start + batch_size]]
            z = torch.randn(len(real), latent, device=device)
            fake = G(z)
            loss_d = discriminator_loss(D(real), D(fake.detach()))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = generator_loss(D(fake))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            losses.append(torch.stack([loss_d.detach(), loss_g.detach()]))
        if after_epoch is not None:
            mean_d, mean_g = torch.stack(losses).mean(dim=0).tolist()
            after_epoch(epoch, G, mean_d, mean_g)
    return G.eval()
'''

DCGAN = '''
def train_dcgan(X_train, device, seed, epochs=30):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32).reshape(-1, 1, 8, 8) * 2 - 1
    latent, c = 16, 16
    G = nn.Sequential(
        nn.Linear(latent, 2 * c * 2 * 2), nn.Unflatten(1, (2 * c, 2, 2)), nn.BatchNorm2d(2 * c), nn.ReLU(),
        nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU(),     # (c, 4, 4)
        nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1), nn.Tanh(),                             # (1, 8, 8)
    ).to(device)
    G.latent_dim = latent
    D = nn.Sequential(
        nn.Conv2d(1, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),                              # (c, 4, 4)
        nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2),   # (2c, 2, 2)
        nn.Flatten(), nn.Linear(2 * c * 2 * 2, 1),
    ).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    n = len(X)
    for epoch in range(epochs):
        order = torch.randperm(n, device=device)
        for start in range(0, n, 64):
            real = X[order[start:start + 64]]
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
'''

MUTANTS = {
    "discriminator_loss": {
        "average of the two means instead of their sum": '''
def discriminator_loss(real_logits, fake_logits):
    return 0.5 * (F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean())
''',
        "labels swapped (real as 0, fake as 1)": '''
def discriminator_loss(real_logits, fake_logits):
    return F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()
''',
        "naive log(sigmoid) (inf for large logits)": '''
def discriminator_loss(real_logits, fake_logits):
    return -torch.log(torch.sigmoid(real_logits)).mean() - torch.log(1 - torch.sigmoid(fake_logits)).mean()
''',
        "one mean over the concatenated batch": '''
def discriminator_loss(real_logits, fake_logits):
    return torch.cat([F.softplus(-real_logits).reshape(-1), F.softplus(fake_logits).reshape(-1)]).mean() * 2
''',
    },
    "generator_loss_minimax": {
        "sign flipped (+softplus)": '''
def generator_loss_minimax(fake_logits):
    return F.softplus(fake_logits).mean()
''',
        "the non-saturating loss instead": '''
def generator_loss_minimax(fake_logits):
    return F.softplus(-fake_logits).mean()
''',
        "naive log(1 - sigmoid) (-inf for large logits)": '''
def generator_loss_minimax(fake_logits):
    return torch.log(1 - torch.sigmoid(fake_logits)).mean()
''',
        "sum instead of mean": '''
def generator_loss_minimax(fake_logits):
    return -F.softplus(fake_logits).sum()
''',
    },
    "generator_loss_nonsaturating": {
        "minus log(1 - D) (the wrong label)": '''
def generator_loss_nonsaturating(fake_logits):
    return F.softplus(fake_logits).mean()
''',
        "naive -log(sigmoid) (inf for very negative logits)": '''
def generator_loss_nonsaturating(fake_logits):
    return -torch.log(torch.sigmoid(fake_logits)).mean()
''',
        "sign flipped": '''
def generator_loss_nonsaturating(fake_logits):
    return -F.softplus(-fake_logits).mean()
''',
        "sigmoid of the logits instead of softplus": '''
def generator_loss_nonsaturating(fake_logits):
    return (1 - torch.sigmoid(fake_logits)).mean()
''',
    },
    "lsgan_discriminator_loss": {
        "no factor 1/2": '''
def lsgan_discriminator_loss(real_scores, fake_scores):
    return ((real_scores - 1) ** 2).mean() + (fake_scores ** 2).mean()
''',
        "targets swapped": '''
def lsgan_discriminator_loss(real_scores, fake_scores):
    return 0.5 * (real_scores ** 2).mean() + 0.5 * ((fake_scores - 1) ** 2).mean()
''',
        "sigmoid applied to the scores": '''
def lsgan_discriminator_loss(real_scores, fake_scores):
    return 0.5 * ((torch.sigmoid(real_scores) - 1) ** 2).mean() + 0.5 * (torch.sigmoid(fake_scores) ** 2).mean()
''',
        "fake target -1": '''
def lsgan_discriminator_loss(real_scores, fake_scores):
    return 0.5 * ((real_scores - 1) ** 2).mean() + 0.5 * ((fake_scores + 1) ** 2).mean()
''',
    },
    "lsgan_generator_loss": {
        "no factor 1/2": '''
def lsgan_generator_loss(fake_scores):
    return ((fake_scores - 1) ** 2).mean()
''',
        "target 0 (the discriminator's)": '''
def lsgan_generator_loss(fake_scores):
    return 0.5 * (fake_scores ** 2).mean()
''',
        "absolute instead of squared error": '''
def lsgan_generator_loss(fake_scores):
    return 0.5 * (fake_scores - 1).abs().mean()
''',
    },
    "hinge_discriminator_loss": {
        "no relu (the Wasserstein loss plus 2)": '''
def hinge_discriminator_loss(real_scores, fake_scores):
    return (1 - real_scores).mean() + (1 + fake_scores).mean()
''',
        "margins swapped": '''
def hinge_discriminator_loss(real_scores, fake_scores):
    return F.relu(1 + real_scores).mean() + F.relu(1 - fake_scores).mean()
''',
        "relu outside the mean": '''
def hinge_discriminator_loss(real_scores, fake_scores):
    return F.relu(1 - real_scores.mean()) + F.relu(1 + fake_scores.mean())
''',
        "margin 0": '''
def hinge_discriminator_loss(real_scores, fake_scores):
    return F.relu(-real_scores).mean() + F.relu(fake_scores).mean()
''',
    },
    "hinge_generator_loss": {
        "sign flipped": '''
def hinge_generator_loss(fake_scores):
    return fake_scores.mean()
''',
        "hinge for the generator too": '''
def hinge_generator_loss(fake_scores):
    return F.relu(1 - fake_scores).mean()
''',
        "sum instead of mean": '''
def hinge_generator_loss(fake_scores):
    return -fake_scores.sum()
''',
    },
    "wasserstein_critic_loss": {
        "sign flipped (real − fake)": '''
def wasserstein_critic_loss(real_scores, fake_scores):
    return real_scores.mean() - fake_scores.mean()
''',
        "sigmoid applied to the scores": '''
def wasserstein_critic_loss(real_scores, fake_scores):
    return torch.sigmoid(fake_scores).mean() - torch.sigmoid(real_scores).mean()
''',
        "mean of paired differences (wrong for batches of different sizes)": '''
def wasserstein_critic_loss(real_scores, fake_scores):
    n = min(len(real_scores), len(fake_scores))
    return (fake_scores[:n] - real_scores[:n]).mean()
''',
    },
    "gradient_penalty": {
        "one alpha for the whole batch": _mutate(
            GP, "torch.rand(n, *([1] * (real.dim() - 1)),", "torch.rand(1, *([1] * (real.dim() - 1)),"),
        "no create_graph (the penalty does not train the critic)": _mutate(
            GP, "create_graph=True)\n", "create_graph=False)\n    grad = grad.detach()\n"),
        "penalises the squared norm minus 1 (‖∇‖² − 1)": _mutate(
            GP, "norm(2, dim=1)", "pow(2).sum(dim=1)"),
        "alpha weights the fake samples": _mutate(
            GP, "alpha * real + (1 - alpha) * fake", "alpha * fake + (1 - alpha) * real"),
        "lam ignored (always 10)": _mutate(GP, "return lam *", "return 10.0 *"),
        "norm over the last dimension only": _mutate(
            GP, "grad.reshape(n, -1).norm(2, dim=1)", "grad.norm(2, dim=-1).reshape(n, -1).mean(dim=1)"),
    },
    "train_gan": {
        "fakes not detached in the D step": _mutate(TRAIN, "D(fake.detach())", "D(fake)"),
        "no zero_grad for the generator": _mutate(TRAIN, "            opt_g.zero_grad()\n", ""),
        "generator trained towards the fake label (BCE(fake, 0))": _mutate(
            TRAIN, "loss_g = generator_loss(D(fake))", "loss_g = -generator_loss_minimax(D(fake))"),
        # trains as well as the non-saturating loss here (see autograder/grading/cases/lab09_gans.py): only the
        # generator-loss check catches these two
        "saturating (minimax) loss in the G step, generator_loss ignored": _mutate(
            TRAIN, "loss_g = generator_loss(D(fake))", "loss_g = generator_loss_minimax(D(fake))"),
        "saturating (minimax) loss as generator_loss's default": _mutate(
            TRAIN, "generator_loss=generator_loss_nonsaturating", "generator_loss=generator_loss_minimax"),
        "far too few epochs (2)": _mutate(TRAIN, "for epoch in range(1, epochs + 1):", "for epoch in range(1, 3):"),
        "discriminator never stepped": _mutate(TRAIN, "            opt_d.step()\n", ""),
    },
    "train_dcgan": {
        "an MLP GAN (no convolutions)": _mutate(_mutate(
            DCGAN, """    G = nn.Sequential(
        nn.Linear(latent, 2 * c * 2 * 2), nn.Unflatten(1, (2 * c, 2, 2)), nn.BatchNorm2d(2 * c), nn.ReLU(),
        nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU(),     # (c, 4, 4)
        nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1), nn.Tanh(),                             # (1, 8, 8)
    ).to(device)""", """    G = nn.Sequential(nn.Linear(latent, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2),
                      nn.Linear(128, 64), nn.Tanh(), nn.Unflatten(1, (1, 8, 8))).to(device)"""),
            """    D = nn.Sequential(
        nn.Conv2d(1, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),                              # (c, 4, 4)
        nn.Conv2d(c, 2 * c, 4, stride=2, padding=1), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2),   # (2c, 2, 2)
        nn.Flatten(), nn.Linear(2 * c * 2 * 2, 1),
    ).to(device)""", """    D = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128),
                      nn.LeakyReLU(0.2), nn.Linear(128, 1)).to(device)"""),
        "max-pooling in D instead of a strided convolution": _mutate(
            DCGAN, "nn.Conv2d(1, c, 4, stride=2, padding=1), nn.LeakyReLU(0.2),",
            "nn.Conv2d(1, c, 3, padding=1), nn.LeakyReLU(0.2), nn.MaxPool2d(2),"),
        "no batch norm in G": _mutate(_mutate(
            DCGAN, "nn.Unflatten(1, (2 * c, 2, 2)), nn.BatchNorm2d(2 * c), nn.ReLU(),", "nn.Unflatten(1, (2 * c, 2, 2)), nn.ReLU(),"),
            "nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU(),",
            "nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.ReLU(),"),
        "fakes not detached in the D step": _mutate(DCGAN, "D(fake.detach())", "D(fake)"),
        "far too few epochs (2)": _mutate(DCGAN, "for epoch in range(epochs):", "for epoch in range(2):"),
        "discriminator never stepped": _mutate(DCGAN, "            opt_d.step()\n", ""),
    },
}

NOTEBOOK_SAMPLE = ["hinge_discriminator_loss:margins swapped", "train_dcgan:max-pooling in D instead of a strided convolution"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab09_gans.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'discriminator_loss': dict(contradicts="lab09_gans.ipynb § Part 1 — The discriminator's loss and two generator losses"),
    'lsgan_discriminator_loss': dict(contradicts='lab09_gans.ipynb § Part 2 — Other adversarial losses'),
    'hinge_discriminator_loss': dict(contradicts='lab09_gans.ipynb § Part 2 — Other adversarial losses'),
    'wasserstein_critic_loss': dict(contradicts='lab09_gans.ipynb § Part 2 — Other adversarial losses'),
    'generator_loss_minimax': dict(contradicts="lab09_gans.ipynb § Part 1 — The discriminator's loss and two generator losses"),
    'generator_loss_nonsaturating': dict(contradicts="lab09_gans.ipynb § Part 1 — The discriminator's loss and two generator losses"),
    'lsgan_generator_loss': dict(contradicts='lab09_gans.ipynb § Part 2 — Other adversarial losses'),
    'hinge_generator_loss': dict(contradicts='lab09_gans.ipynb § Part 2 — Other adversarial losses'),
    'gradient_penalty': dict(contradicts='lab09_gans.ipynb § The gradient penalty (WGAN-GP)'),
    'train_gan': dict(contradicts='lab09_gans.ipynb § Part 3 — Training a GAN on the digits', diagnosable=False),
    'train_dcgan': dict(contradicts='lab09_gans.ipynb § Part 4 — A deep convolutional GAN (DCGAN)', diagnosable=False),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'gradient_penalty:no create_graph (the penalty does not train the critic)': dict(diagnosable=False),
}
