"""Plausible student bugs in lab 13 (each value is the full source of a buggy solution cell).

The sources run with np, math, torch, nn, F and the lab's reference functions in scope (so the
mutants of ``adversarial_training_loss`` and ``train_robust_cnn`` call the reference ``fgsm``).
Each mutant is the notebook's solution with one change, made by :func:`_mutate`.
"""


def _mutate(source: str, old: str, new: str) -> str:
    if old not in source:
        raise AssertionError(f"mutant template does not contain {old!r}")
    return source.replace(old, new)


_FGSM = '''
def fgsm(model, x, y, eps):
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    x_adv = x + eps * grad.sign()
    return x_adv.clamp(0.0, 1.0).detach()
'''

_PGD = '''
def pgd(model, x, y, eps, alpha, steps, generator):
    x = x.detach()
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    x_adv = (x + (2 * u - 1) * eps).clamp(0.0, 1.0)
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        loss = F.cross_entropy(model(x_adv), y)
        (grad,) = torch.autograd.grad(loss, x_adv)
        step = x_adv.detach() + alpha * grad.sign()
        x_adv = torch.minimum(torch.maximum(step, x - eps), x + eps).clamp(0.0, 1.0)
    return x_adv.detach()
'''

_LOSS = '''
def adversarial_training_loss(model, x, y, eps):
    x_adv = fgsm(model, x, y, eps)
    return 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x_adv), y)
'''

_TRAIN = '''
def train_robust_cnn(X_train, y_train, eps, device, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10),
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    epochs, batch_size = 20, 64
    n = len(X_train)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(n, device=device)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = adversarial_training_loss(model, X_train[idx], y_train[idx], eps)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
'''

MUTANTS = {
    "fgsm": {
        "no sign (raw gradient step)": _mutate(_FGSM, "eps * grad.sign()", "eps * grad"),
        "no clamp to [0, 1]": _mutate(_FGSM, "x_adv.clamp(0.0, 1.0).detach()", "x_adv.detach()"),
        "minus sign (descends the loss)": _mutate(_FGSM, "x + eps * grad.sign()", "x - eps * grad.sign()"),
        "gradient of the summed logits, not of the loss (the wrong thing)": _mutate(
            _FGSM, "loss = F.cross_entropy(model(x), y)", "loss = model(x).sum()"),
        "loss.backward() leaves gradients in the parameters": _mutate(
            _FGSM, "    (grad,) = torch.autograd.grad(loss, x)\n", "    loss.backward()\n    grad = x.grad\n"),
        "returns a tensor still attached to the graph": _mutate(
            _FGSM, "x_adv.clamp(0.0, 1.0).detach()", "x_adv.clamp(0.0, 1.0)"),
    },
    "pgd": {
        "no projection onto the eps-ball": _mutate(
            _PGD, "torch.minimum(torch.maximum(step, x - eps), x + eps).clamp(0.0, 1.0)", "step.clamp(0.0, 1.0)"),
        "projection around the previous iterate": _mutate(
            _PGD, "torch.minimum(torch.maximum(step, x - eps), x + eps)",
            "torch.minimum(torch.maximum(step, x_adv.detach() - eps), x_adv.detach() + eps)"),
        "no [0, 1] clamp after the projection": _mutate(
            _PGD, "torch.minimum(torch.maximum(step, x - eps), x + eps).clamp(0.0, 1.0)",
            "torch.minimum(torch.maximum(step, x - eps), x + eps)"),
        "no random start": _mutate(_PGD, "x_adv = (x + (2 * u - 1) * eps).clamp(0.0, 1.0)", "x_adv = x.clone()"),
        "gradient sign flipped": _mutate(_PGD, "alpha * grad.sign()", "-alpha * grad.sign()"),
        "random start in [0, eps) (u not mapped to 2u - 1)": _mutate(_PGD, "(2 * u - 1) * eps", "u * eps"),
    },
    "adversarial_training_loss": {
        "adversarial term only": _mutate(
            _LOSS, "0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x_adv), y)",
            "F.cross_entropy(model(x_adv), y)"),
        "sum of the two terms (no halves)": _mutate(
            _LOSS, "0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x_adv), y)",
            "F.cross_entropy(model(x), y) + F.cross_entropy(model(x_adv), y)"),
        "clean loss twice (the attack is never used)": _mutate(_LOSS, "model(x_adv), y)", "model(x), y)"),
        "attack with the wrong sign": _mutate(_LOSS, "fgsm(model, x, y, eps)", "fgsm(model, x, y, -eps)"),
        "loss returned detached (.item-like, no graph)": _mutate(
            _LOSS, "    return 0.5", "    with torch.no_grad():\n        return 0.5"),
    },
    "train_robust_cnn": {
        "standard training (clean loss only)": _mutate(
            _TRAIN, "adversarial_training_loss(model, X_train[idx], y_train[idx], eps)",
            "F.cross_entropy(model(X_train[idx]), y_train[idx])"),
        "no optimizer.zero_grad() (gradients accumulate)": _mutate(_TRAIN, "            optimizer.zero_grad()\n", ""),
        "far too few steps (one full-batch step)": _mutate(_TRAIN, "epochs, batch_size = 20, 64",
                                                           "epochs, batch_size = 1, 1000"),
        "no optimizer.step() (never learns)": _mutate(_TRAIN, "            optimizer.step()\n", ""),
    },
}

NOTEBOOK_SAMPLE = ["pgd:no projection onto the eps-ball"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab13_adversarial.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'fgsm': dict(contradicts='lab13_adversarial.ipynb § Part 1 — The fast gradient sign method'),
    'pgd': dict(contradicts='lab13_adversarial.ipynb § Part 2 — Projected gradient descent'),
    'adversarial_training_loss': dict(contradicts='lab13_adversarial.ipynb § Part 3 — The adversarial training loss'),
    'train_robust_cnn': dict(contradicts='lab13_adversarial.ipynb § Part 4 — Training a robust CNN', diagnosable=False),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'fgsm:loss.backward() leaves gradients in the parameters': dict(diagnosable=False),
    'fgsm:returns a tensor still attached to the graph': dict(diagnosable=False),
    'adversarial_training_loss:loss returned detached (.item-like, no graph)': dict(diagnosable=False),
}
