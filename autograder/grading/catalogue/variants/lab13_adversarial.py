"""Correct implementations of lab 13's graded functions, written the ways students write them.

Each value is the full source of a solution cell; it runs with np, math, torch, nn, F and the lab's
reference functions in scope (a variant of ``pgd`` or ``adversarial_training_loss`` may call
``fgsm``, as the notebook's calls the student's). The ``train_robust_cnn`` variants build the
notebook's ``digits_cnn()`` network inline (the notebook gives it; the hidden test loads the trained
parameters into it) and are the family of recipes the tiers of
``autograder/grading/cases/lab13_adversarial.py`` were set from (``bench/trained_tiers.py``).
"""

VARIANTS = {
    "fgsm": {
        "a zero perturbation delta that requires grad": '''
def fgsm(model, x, y, eps):
    delta = torch.zeros_like(x, requires_grad=True)
    loss = F.cross_entropy(model(x + delta), y)
    (grad,) = torch.autograd.grad(loss, delta)
    return torch.clamp(x + eps * torch.sign(grad), 0.0, 1.0).detach()
''',
        "summed cross-entropy (the sign of the gradient is the same)": '''
def fgsm(model, x, y, eps):
    x_in = x.clone().detach().requires_grad_(True)
    loss = F.cross_entropy(model(x_in), y, reduction="sum")
    grad = torch.autograd.grad(loss, [x_in])[0]
    return (x_in.detach() + eps * grad.sign()).clamp(min=0, max=1)
''',
        "clamp with torch.min / torch.max against ones and zeros": '''
def fgsm(model, x, y, eps):
    x0 = x.detach().requires_grad_()
    grad, = torch.autograd.grad(F.cross_entropy(model(x0), y), x0)
    x_adv = x0.detach() + eps * grad.sign()
    return torch.max(torch.min(x_adv, torch.ones_like(x_adv)), torch.zeros_like(x_adv))
''',
    },
    "pgd": {
        "torch.clamp with tensor bounds": '''
def pgd(model, x, y, eps, alpha, steps, generator):
    x = x.detach()
    noise = (2 * torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype) - 1) * eps
    x_adv = torch.clamp(x + noise, 0, 1)
    for _ in range(steps):
        x_adv.requires_grad_(True)
        grad, = torch.autograd.grad(F.cross_entropy(model(x_adv), y), x_adv)
        x_adv = torch.clamp(x_adv.detach() + alpha * grad.sign(), min=x - eps, max=x + eps).clamp(0, 1)
    return x_adv.detach()
''',
        "the perturbation delta clamped to [-eps, eps]": '''
def pgd(model, x, y, eps, alpha, steps, generator):
    x = x.detach()
    u = torch.rand(*x.shape, generator=generator, dtype=x.dtype, device=x.device)
    x_adv = (x + eps * (2 * u - 1)).clamp(0, 1)
    for step in range(steps):
        x_var = x_adv.clone().requires_grad_(True)
        loss = F.cross_entropy(model(x_var), y)
        g = torch.autograd.grad(loss, x_var)[0]
        delta = (x_var.detach() + alpha * g.sign() - x).clamp(-eps, eps)
        x_adv = (x + delta).clamp(0, 1)
    return x_adv
''',
        "each step an fgsm step of size alpha, then the projection": '''
def pgd(model, x, y, eps, alpha, steps, generator):
    x = x.detach()
    start = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    x_adv = torch.clamp(x + (start * 2 - 1) * eps, 0.0, 1.0)
    lower, upper = x - eps, x + eps
    for _ in range(steps):
        x_adv = fgsm(model, x_adv, y, alpha)              # clamp(x_adv + alpha sign(grad), 0, 1)
        x_adv = torch.min(torch.max(x_adv, lower), upper).clamp(0.0, 1.0)
    return x_adv.detach()
''',
    },
    "adversarial_training_loss": {
        "the mean of the two losses": '''
def adversarial_training_loss(model, x, y, eps):
    x_adv = fgsm(model, x, y, eps)
    return (F.cross_entropy(model(x), y) + F.cross_entropy(model(x_adv), y)) / 2
''',
        "one cross-entropy over the clean and adversarial batch together": '''
def adversarial_training_loss(model, x, y, eps):
    x_adv = fgsm(model, x, y, eps)
    return F.cross_entropy(model(torch.cat([x, x_adv])), torch.cat([y, y]))
''',
        "the FGSM images computed inline": '''
def adversarial_training_loss(model, x, y, eps):
    x_in = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model(x_in), y), x_in)
    x_adv = (x + eps * g.sign()).clamp(0, 1).detach()
    losses = torch.stack([F.cross_entropy(model(x), y), F.cross_entropy(model(x_adv), y)])
    return losses.mean()
''',
    },
    # Recipes: the notebook fixes the signature, digits_cnn(), the half-clean half-FGSM loss at eps in
    # every step and what is returned; the optimiser, its rate, the batch size and the number of
    # epochs are free (within the time budget).
    "train_robust_cnn": {
        "Adam at 1e-3, 40 epochs (a tenth of the rate needs more steps)": '''
def train_robust_cnn(X_train, y_train, eps, device, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 2 * 2, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for epoch in range(40):
        for idx in torch.randperm(len(X_train), device=device).split(64):
            loss = adversarial_training_loss(model, X_train[idx], y_train[idx], eps)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
        "SGD with momentum 0.9 at 0.05, minibatches of 32, 15 epochs": '''
def train_robust_cnn(X_train, y_train, eps, device, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10),
    ).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    n = X_train.shape[0]
    for epoch in range(15):
        model.train()
        perm = torch.randperm(n, device=device)
        for i in range(0, n, 32):
            xb, yb = X_train[perm[i:i + 32]], y_train[perm[i:i + 32]]
            optimizer.zero_grad()
            adversarial_training_loss(model, xb, yb, eps).backward()
            optimizer.step()
    model.eval()
    return model
''',
        "Adam 3e-3, minibatches of 128, 30 epochs": '''
def train_robust_cnn(X_train, y_train, eps, device, seed):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train, dtype=torch.float32, device=device)
    y = torch.as_tensor(y_train, dtype=torch.int64, device=device)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64, 10)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for epoch in range(30):
        order = torch.randperm(len(X), device=device)
        for start in range(0, len(X), 128):
            idx = order[start:start + 128]
            loss = adversarial_training_loss(model, X[idx], y[idx], eps)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
    },
}
