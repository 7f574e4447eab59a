"""Correct implementations of lab 10's graded functions, written the ways students write them.

Each value is the full source of a solution cell; it runs with np, math, torch, nn, F and the lab's
reference functions in scope (a variant of ``finetune`` calls the reference ``freeze``, as the
notebook's calls the student's; ``copy`` is imported by the cell itself where it is used, the
notebook imports it at the top). The ``finetune`` variants are the family of recipes the tiers of
``autograder/grading/cases/lab10_transfer_learning.py`` were set from (``bench/trained_tiers.py``).
"""

VARIANTS = {
    "freeze": {
        "requires_grad attribute over named_parameters": '''
def freeze(module):
    for name, p in module.named_parameters():
        p.requires_grad = False
    return module
''',
        "Module.requires_grad_(False)": '''
def freeze(module):
    return module.requires_grad_(False)
''',
        "each submodule's own parameters (recurse=False)": '''
def freeze(module):
    for m in module.modules():
        for p in m.parameters(recurse=False):
            p.requires_grad_(False)
    return module
''',
    },
    "count_trainable": {
        "loop with np.prod of the shapes": '''
def count_trainable(module):
    total = 0
    for p in module.parameters():
        if p.requires_grad:
            total += int(np.prod(p.shape))
    return total
''',
        "math.prod over named_parameters": '''
import math


def count_trainable(module):
    return sum(math.prod(p.shape) for _, p in module.named_parameters() if p.requires_grad)
''',
        "nelement() of the filtered list, summed by NumPy (a NumPy int)": '''
def count_trainable(module):
    trainable = list(filter(lambda p: p.requires_grad, module.parameters()))
    return np.sum([p.nelement() for p in trainable], dtype=np.int64)
''',
    },
    "grad_reverse": {
        "a hook on a copy of x": '''
def grad_reverse(x, lam=1.0):
    out = x.clone()
    if out.requires_grad:
        out.register_hook(lambda grad: -lam * grad)
    return out
''',
        "the detach trick: (1 + lam) x detached minus lam x": '''
def grad_reverse(x, lam=1.0):
    return ((1 + lam) * x).detach() - lam * x
''',
        "an autograd.Function with lam as a 0-d tensor, x.clone() forward": '''
class ReverseGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.save_for_backward(torch.tensor(float(lam), dtype=x.dtype, device=x.device))
        return x.clone()

    @staticmethod
    def backward(ctx, grad_output):
        (lam,) = ctx.saved_tensors
        return grad_output.neg() * lam, None


def grad_reverse(x, lam=1.0):
    return ReverseGrad.apply(x, lam)
''',
    },
    "dann_domain_loss": {
        "BCE with logits on the concatenation": '''
def dann_domain_loss(domain_logits_source, domain_logits_target):
    logits = torch.cat([domain_logits_source.reshape(-1), domain_logits_target.reshape(-1)])
    labels = torch.cat([torch.zeros(domain_logits_source.numel()), torch.ones(domain_logits_target.numel())])
    return F.binary_cross_entropy_with_logits(logits, labels.to(logits))
''',
        "the two domain means weighted by their sizes": '''
def dann_domain_loss(domain_logits_source, domain_logits_target):
    n_s, n_t = domain_logits_source.numel(), domain_logits_target.numel()
    mean_s = F.softplus(domain_logits_source).mean()
    mean_t = F.softplus(-domain_logits_target).mean()
    return (n_s * mean_s + n_t * mean_t) / (n_s + n_t)
''',
        "logsigmoid sums": '''
def dann_domain_loss(domain_logits_source, domain_logits_target):
    zs, zt = domain_logits_source.flatten(), domain_logits_target.flatten()
    return -(F.logsigmoid(-zs).sum() + F.logsigmoid(zt).sum()) / (len(zs) + len(zt))
''',
        "nn.BCEWithLogitsLoss module": '''
def dann_domain_loss(domain_logits_source, domain_logits_target):
    z = torch.cat([domain_logits_source.view(-1), domain_logits_target.view(-1)])
    d = torch.cat([torch.zeros_like(domain_logits_source.view(-1)), torch.ones_like(domain_logits_target.view(-1))])
    return nn.BCEWithLogitsLoss()(z, d)
''',
    },
    # Recipes: the notebook fixes the signature, the copy, the new 5-way head and the three options;
    # the optimiser, its rates, the number of steps and minibatches are free (within the time budget).
    "finetune": {
        "one Adam rate (1e-3 for everything) as the defaults, 100 steps": '''
import copy


def finetune(pretrained, X_train, y_train, device, seed, *, freeze_features=False, lr_features=1e-3,
             lr_head=1e-3):
    torch.manual_seed(seed)
    X, y = X_train.to(device), y_train.to(device)
    model = copy.deepcopy(pretrained).to(device)
    model[-1] = nn.Linear(model[-1].in_features, 5).to(device)
    groups = [{"params": model[-1].parameters(), "lr": lr_head}]
    if freeze_features:
        freeze(model[:-1])
    else:
        groups.append({"params": model[:-1].parameters(), "lr": lr_features})
    optimizer = torch.optim.Adam(groups)
    model.train()
    for _ in range(100):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    model.eval()
    return model
''',
        "SGD with momentum 0.9 (defaults: features 0.01, head 0.05), 80 steps": '''
import copy


def finetune(pretrained, X_train, y_train, device, seed, *, freeze_features=False, lr_features=0.01,
             lr_head=0.05):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train, dtype=torch.float32, device=device)
    y = torch.as_tensor(y_train, dtype=torch.int64, device=device)
    model = copy.deepcopy(pretrained).to(device)
    in_features = model[-1].in_features
    model[-1] = nn.Linear(in_features, 5).to(device)
    if freeze_features:
        freeze(model[:-1])
    groups = [{"params": [p for p in model[:-1].parameters() if p.requires_grad], "lr": lr_features},
              {"params": list(model[-1].parameters()), "lr": lr_head}]
    optimizer = torch.optim.SGD([g for g in groups if g["params"]], momentum=0.9)
    model.train()
    for step in range(80):
        loss = F.cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()
''',
        "minibatches of 16 for 20 epochs, named parameter groups": '''
import copy


def finetune(pretrained, X_train, y_train, device, seed, *, freeze_features=False, lr_features=0.003,
             lr_head=0.01):
    torch.manual_seed(seed)
    X = X_train.to(device=device, dtype=torch.float32)
    y = y_train.to(device=device, dtype=torch.int64)
    model = copy.deepcopy(pretrained)
    model[-1] = nn.Linear(model[-1].in_features, 5)
    model = model.to(device)
    head_index = str(len(model) - 1)
    if freeze_features:
        for name, p in model.named_parameters():
            if not name.startswith(head_index + "."):
                p.requires_grad_(False)
    features = [p for n, p in model.named_parameters() if not n.startswith(head_index + ".")]
    head = [p for n, p in model.named_parameters() if n.startswith(head_index + ".")]
    optimizer = torch.optim.Adam([{"params": features, "lr": lr_features}, {"params": head, "lr": lr_head}])
    model.train()
    for epoch in range(20):
        for idx in torch.randperm(len(X), device=device).split(16):
            loss = F.cross_entropy(model(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
    },
}
