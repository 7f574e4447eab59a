"""Plausible student bugs in lab 10 (each value is the full source of a buggy solution cell).

The sources run with np, math, torch, nn, F and the lab's reference functions in scope. Most mutants
are the notebook's solution with one change, made by :func:`_mutate` (which fails loudly if the text
to change is not there).
"""


def _mutate(source: str, old: str, new: str) -> str:
    if old not in source:
        raise AssertionError(f"mutant template does not contain {old!r}")
    return source.replace(old, new)


_FREEZE = '''
def freeze(module):
    for p in module.parameters():
        p.requires_grad = False
    return module
'''

_COUNT = '''
def count_trainable(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
'''

_REVERSE = '''
class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.lam * grad_output, None


def grad_reverse(x, lam=1.0):
    return GradReverse.apply(x, lam)
'''

_DANN = '''
def dann_domain_loss(domain_logits_source, domain_logits_target):
    logits = torch.cat([domain_logits_source.reshape(-1), domain_logits_target.reshape(-1)])
    labels = torch.cat([torch.zeros_like(domain_logits_source.reshape(-1)),
                        torch.ones_like(domain_logits_target.reshape(-1))])
    return F.binary_cross_entropy_with_logits(logits, labels)
'''

_FINETUNE = '''
def finetune(pretrained, X_train, y_train, device, seed, *, freeze_features=False, lr_features=0.003,
             lr_head=0.01):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.float32)
    y = torch.as_tensor(y_train).to(device=device, dtype=torch.int64)
    model = copy.deepcopy(pretrained).to(device)
    model[-1] = nn.Linear(model[-1].in_features, 5).to(device)
    if freeze_features:
        freeze(model[:-1])
    optimizer = torch.optim.Adam([
        {"params": model[:-1].parameters(), "lr": lr_features},
        {"params": model[-1].parameters(), "lr": lr_head},
    ])
    model.train()
    for step in range(60):
        loss = F.cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()
'''
_FINETUNE = "import copy\n" + _FINETUNE

MUTANTS = {
    "freeze": {
        "freezes only the first parameter": _mutate(
            _FREEZE, "    for p in module.parameters():\n        p.requires_grad = False",
            "    for p in module.parameters():\n        p.requires_grad = False\n        break"),
        "sets requires_grad = True (unfreezes)": _mutate(_FREEZE, "p.requires_grad = False", "p.requires_grad = True"),
        "returns None": _mutate(_FREEZE, "    return module\n", "    return None\n"),
        "zeroes the gradients instead of freezing": _mutate(
            _FREEZE, "p.requires_grad = False", "p.grad = None"),
        "module.eval() instead of freezing": '''
def freeze(module):
    return module.eval()
''',
        "freezes only the weights, not the biases": _mutate(
            _FREEZE, "    for p in module.parameters():\n        p.requires_grad = False",
            "    for name, p in module.named_parameters():\n        if 'weight' in name:\n"
            "            p.requires_grad = False"),
    },
    "count_trainable": {
        "counts frozen parameters too": _mutate(_COUNT, " if p.requires_grad", ""),
        "counts tensors, not scalars": _mutate(_COUNT, "p.numel()", "1"),
        "counts the state_dict (buffers included)": '''
def count_trainable(module):
    return sum(v.numel() for v in module.state_dict().values())
''',
        "counts the first dimension only": _mutate(_COUNT, "p.numel()", "p.shape[0]"),
        "counts the frozen ones": _mutate(_COUNT, "if p.requires_grad", "if not p.requires_grad"),
    },
    "grad_reverse": {
        "gradient not negated (λ·grad)": _mutate(_REVERSE, "return -ctx.lam * grad_output", "return ctx.lam * grad_output"),
        "gradient only negated (λ ignored)": _mutate(_REVERSE, "return -ctx.lam * grad_output", "return -grad_output"),
        "forward negated too": _mutate(_REVERSE, "return x.view_as(x)", "return -lam * x"),
        "forward scaled by −λ instead (no custom backward)": '''
def grad_reverse(x, lam=1.0):
    return -lam * x
''',
        "detaches (no gradient reaches x)": '''
def grad_reverse(x, lam=1.0):
    return x.detach()
''',
        "divides by λ": _mutate(_REVERSE, "return -ctx.lam * grad_output", "return -grad_output / max(ctx.lam, 1e-12)"),
    },
    "dann_domain_loss": {
        "labels swapped (source 1, target 0)": _mutate(
            _DANN, "torch.cat([torch.zeros_like(domain_logits_source.reshape(-1)),\n"
                   "                        torch.ones_like(domain_logits_target.reshape(-1))])",
            "torch.cat([torch.ones_like(domain_logits_source.reshape(-1)),\n"
            "                        torch.zeros_like(domain_logits_target.reshape(-1))])"),
        "mean of the two domain means": '''
def dann_domain_loss(domain_logits_source, domain_logits_target):
    s = F.binary_cross_entropy_with_logits(domain_logits_source, torch.zeros_like(domain_logits_source))
    t = F.binary_cross_entropy_with_logits(domain_logits_target, torch.ones_like(domain_logits_target))
    return (s + t) / 2
''',
        "sum instead of mean": _mutate(_DANN, "F.binary_cross_entropy_with_logits(logits, labels)",
                                       "F.binary_cross_entropy_with_logits(logits, labels, reduction='sum')"),
        "sigmoid then BCE (unstable for large logits)": _mutate(
            _DANN, "F.binary_cross_entropy_with_logits(logits, labels)",
            "-(labels * torch.log(torch.sigmoid(logits)) + (1 - labels) * torch.log(1 - torch.sigmoid(logits))).mean()"),
        "a stray constant added to the loss": _mutate(
            _DANN, "F.binary_cross_entropy_with_logits(logits, labels)",
            "F.binary_cross_entropy(torch.sigmoid(logits), labels) + 0.1"),
    },
    "finetune": {
        "no optimizer.step() (never learns, random head)": _mutate(_FINETUNE, "        optimizer.step()\n", ""),
        "far too few steps (one)": _mutate(_FINETUNE, "range(60)", "range(1)"),
        "labels shifted by one (y + 1 mod 5)": _mutate(_FINETUNE, "F.cross_entropy(model(X), y)",
                                                       "F.cross_entropy(model(X), (y + 1) % 5)"),
        "optimises only the old head (the new head stays random)": _mutate(
            _FINETUNE, '''    optimizer = torch.optim.Adam([
        {"params": model[:-1].parameters(), "lr": lr_features},
        {"params": model[-1].parameters(), "lr": lr_head},
    ])''', '''    old_head = pretrained[-1]
    optimizer = torch.optim.Adam(list(model[:-1].parameters()) + list(old_head.parameters()), lr=0.0)'''),
        "learning rate far too large (lr 5)": _mutate(
            _FINETUNE, "lr_features=0.003,\n             lr_head=0.01", "lr_features=5.0,\n             lr_head=5.0"),
    },
}

NOTEBOOK_SAMPLE = ["dann_domain_loss:labels swapped (source 1, target 0)"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab10_transfer_learning.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'freeze': dict(contradicts='lab10_transfer_learning.ipynb § Part 1 — Freezing parameters'),
    'count_trainable': dict(contradicts='lab10_transfer_learning.ipynb § Part 1 — Freezing parameters'),
    'grad_reverse': dict(contradicts='lab10_transfer_learning.ipynb § Part 2 — The gradient reversal layer'),
    'dann_domain_loss': dict(contradicts="lab10_transfer_learning.ipynb § Part 3 — DANN's domain loss"),
    'finetune': dict(contradicts='lab10_transfer_learning.ipynb § Part 4 — Pretraining on digits 0–4, fine-tuning on digits 5–9', diagnosable=False),
    # equivalent on the course's cases: their outputs coincide, so diagnosis names them together
    'freeze:zeroes the gradients instead of freezing': dict(equivalent_to='sets requires_grad = True (unfreezes)'),
    'freeze:module.eval() instead of freezing': dict(equivalent_to='sets requires_grad = True (unfreezes)'),
    'grad_reverse:forward scaled by −λ instead (no custom backward)': dict(equivalent_to='forward negated too'),
}
