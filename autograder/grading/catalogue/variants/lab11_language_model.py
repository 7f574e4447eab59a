"""Correct implementations of lab 11's graded functions, written the ways students write them.

Each value is the full source of a solution cell; it runs with np, math, torch, nn, F and the lab's
reference functions in scope (a variant of ``make_context_windows`` may call ``encode``, as the
notebook's calls the student's). The ``train_mlp_lm`` variants are the family of recipes the tiers of
``autograder/grading/cases/lab11_language_model.py`` were set from (``bench/trained_tiers.py``).
"""

VARIANTS = {
    "build_vocab": {
        "set comprehension, dict(zip(...))": '''
def build_vocab(words):
    chars = sorted({ch for word in words for ch in word})
    itos = ["."] + chars
    stoi = dict(zip(itos, range(len(itos))))
    return stoi, itos
''',
        "loop collecting new characters, then sort": '''
def build_vocab(words):
    seen = []
    for word in words:
        for ch in word:
            if ch not in seen and ch != ".":
                seen.append(ch)
    seen.sort()
    itos = ["."]
    itos.extend(seen)
    stoi = {}
    for i, ch in enumerate(itos):
        stoi[ch] = i
    return stoi, itos
''',
        "collections.Counter of the joined words": '''
def build_vocab(words):
    from collections import Counter

    counts = Counter("".join(words))
    counts.pop(".", None)
    itos = ["."] + sorted(counts)
    return {ch: i for i, ch in enumerate(itos)}, itos
''',
    },
    "encode": {
        "map over stoi.__getitem__": '''
def encode(word, stoi):
    return list(map(stoi.__getitem__, word))
''',
        "loop with append": '''
def encode(word, stoi):
    ids = []
    for ch in word:
        ids.append(int(stoi[ch]))
    return ids
''',
        "a list of NumPy ints": '''
def encode(word, stoi):
    return [np.int64(stoi[ch]) for ch in word]
''',
        "through a NumPy array, tolist()": '''
def encode(word, stoi):
    return np.array([stoi[c] for c in word], dtype=np.int64).tolist()
''',
    },
    "decode": {
        "join everything, cut at the first '.'": '''
def decode(ids, itos):
    text = "".join(itos[int(i)] for i in ids)
    return text.split(".")[0]
''',
        "tolist() for tensors, then index of 0": '''
def decode(ids, itos):
    ids = ids.tolist() if hasattr(ids, "tolist") else list(ids)
    if 0 in ids:
        ids = ids[:ids.index(0)]
    return "".join(itos[i] for i in ids)
''',
        "itertools.takewhile": '''
def decode(ids, itos):
    from itertools import takewhile

    return "".join(itos[i] for i in takewhile(lambda i: i != 0, (int(v) for v in ids)))
''',
        "while loop with an index": '''
def decode(ids, itos):
    out, k = "", 0
    while k < len(ids) and int(ids[k]) != 0:
        out += itos[int(ids[k])]
        k += 1
    return out
''',
    },
    "make_context_windows": {
        "a rolling context, as makemore writes it": '''
def make_context_windows(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + ".":
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return (torch.tensor(X, dtype=torch.long).view(-1, block_size), torch.tensor(Y, dtype=torch.long))
''',
        "Tensor.unfold over each padded word": '''
def make_context_windows(words, stoi, block_size):
    xs, ys = [torch.zeros(0, block_size, dtype=torch.int64)], [torch.zeros(0, dtype=torch.int64)]
    for w in words:
        ids = torch.tensor([0] * block_size + encode(w, stoi) + [0], dtype=torch.int64)
        xs.append(ids.unfold(0, block_size, 1)[:len(w) + 1])
        ys.append(ids[block_size:])
    return torch.cat(xs), torch.cat(ys)
''',
        "NumPy arrays, torch.from_numpy": '''
def make_context_windows(words, stoi, block_size):
    rows, targets = [], []
    for w in words:
        s = np.array([0] * block_size + [stoi[c] for c in w] + [0], dtype=np.int64)
        for t in range(len(w) + 1):
            rows.append(s[t:t + block_size])
            targets.append(s[t + block_size])
    X = np.array(rows, dtype=np.int64).reshape(-1, block_size)
    Y = np.array(targets, dtype=np.int64).reshape(-1)
    return torch.from_numpy(X), torch.from_numpy(Y)
''',
    },
    "perplexity": {
        "F.cross_entropy with ignore_index (the torch helper)": '''
def perplexity(logits, targets, pad_index=None):
    V = logits.shape[-1]
    ignore = -100 if pad_index is None else pad_index
    return torch.exp(F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), ignore_index=ignore))
''',
        "logsumexp minus the target logit, masked mean": '''
def perplexity(logits, targets, pad_index=None):
    V = logits.shape[-1]
    z, y = logits.reshape(-1, V), targets.reshape(-1)
    keep = torch.ones_like(y, dtype=torch.bool) if pad_index is None else y != pad_index
    safe = torch.where(keep, y, torch.zeros_like(y))
    nll = torch.logsumexp(z, dim=1) - z[torch.arange(len(y)), safe]
    return torch.exp((nll * keep).sum() / keep.sum())
''',
        "F.nll_loss of log_softmax after dropping the padding": '''
def perplexity(logits, targets, pad_index=None):
    log_probs = F.log_softmax(logits, dim=-1).flatten(0, -2)
    y = targets.flatten()
    if pad_index is not None:
        log_probs, y = log_probs[y != pad_index], y[y != pad_index]
    return F.nll_loss(log_probs, y).exp()
''',
    },
    "sample": {
        "torch.softmax of the squeezed logits, .item()": '''
def sample(model, itos, block_size, temperature, generator, max_len=20):
    device = next(model.parameters()).device
    context = [0] * block_size
    name = ""
    with torch.no_grad():
        for _ in range(max_len):
            logits = model(torch.tensor(context, device=device).view(1, -1)).squeeze(0)
            probs = torch.softmax(logits / temperature, dim=0)
            ix = torch.multinomial(probs.to(generator.device), num_samples=1, generator=generator).item()
            if ix == 0:
                break
            name += itos[ix]
            context = context[1:] + [ix]
    return name
''',
        "context as a tensor shifted with torch.cat, probabilities kept (1, V)": '''
@torch.no_grad()
def sample(model, itos, block_size, temperature, generator, max_len=20):
    device = next(model.parameters()).device
    context = torch.zeros(1, block_size, dtype=torch.int64, device=device)
    chars = []
    while len(chars) < max_len:
        probs = F.softmax(model(context) / temperature, dim=-1)
        nxt = torch.multinomial(probs.to(generator.device), 1, generator=generator)
        ix = int(nxt[0, 0])
        if ix == 0:
            break
        chars.append(itos[ix])
        context = torch.cat([context[:, 1:], torch.tensor([[ix]], device=device)], dim=1)
    return "".join(chars)
''',
        "decode the drawn ids at the end (stop at '.')": '''
def sample(model, itos, block_size, temperature, generator, max_len=20):
    device = next(model.parameters()).device
    ids, context = [], [0] * block_size
    with torch.no_grad():
        while len(ids) < max_len:
            logits = model(torch.tensor([context], dtype=torch.int64, device=device))[0]
            p = F.softmax(logits / temperature, dim=-1).to(generator.device)
            ix = int(torch.multinomial(p, 1, generator=generator))
            ids.append(ix)
            if ix == 0:
                break
            context = context[1:] + [ix]
    return decode(ids, itos)
''',
    },
    # Recipes: the notebook fixes the signature, the float32 model returned in eval mode mapping
    # (N, k) windows to (N, V) logits; the sizes, optimiser, rates, batch size and epochs are free.
    "train_mlp_lm": {
        "Adam at a constant 3e-3, 12 epochs": '''
def train_mlp_lm(X_train, Y_train, vocab_size, block_size, device, seed):
    torch.manual_seed(seed)
    X, Y = X_train.to(device), Y_train.to(device)
    model = nn.Sequential(nn.Embedding(vocab_size, 10), nn.Flatten(), nn.Linear(block_size * 10, 128), nn.Tanh(),
                          nn.Linear(128, vocab_size)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for epoch in range(12):
        for idx in torch.randperm(len(X), device=device).split(256):
            loss = F.cross_entropy(model(X[idx]), Y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
        "embedding table C as a Parameter, SGD with momentum 0.9 at 0.1 then 0.01": '''
class BengioLM(nn.Module):
    def __init__(self, vocab_size, block_size, d=12, hidden=150):
        super().__init__()
        self.C = nn.Parameter(torch.randn(vocab_size, d))
        self.W1 = nn.Linear(block_size * d, hidden)
        self.W2 = nn.Linear(hidden, vocab_size)

    def forward(self, X):
        emb = self.C[X]                                   # (N, k, d)
        return self.W2(torch.tanh(self.W1(emb.view(len(X), -1))))


def train_mlp_lm(X_train, Y_train, vocab_size, block_size, device, seed):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train, dtype=torch.int64).to(device)
    Y = torch.as_tensor(Y_train, dtype=torch.int64).to(device)
    model = BengioLM(vocab_size, block_size).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    n = len(X)
    for epoch in range(12):
        if epoch == 9:
            for group in optimizer.param_groups:
                group["lr"] = 0.01
        perm = torch.randperm(n, device=device)
        for i in range(0, n, 128):
            idx = perm[i:i + 128]
            loss = F.cross_entropy(model(X[idx]), Y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    return model
''',
        "bigger (embedding 16, 200 units), minibatches of 512, Adam 1e-2 with StepLR": '''
def train_mlp_lm(X_train, Y_train, vocab_size, block_size, device, seed):
    torch.manual_seed(seed)
    X = X_train.to(device=device, dtype=torch.int64)
    Y = Y_train.to(device=device, dtype=torch.int64)
    d, h = 16, 200
    model = nn.Sequential(nn.Embedding(vocab_size, d), nn.Flatten(start_dim=1), nn.Linear(block_size * d, h),
                          nn.Tanh(), nn.Linear(h, vocab_size)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=6, gamma=0.3)
    for epoch in range(10):
        order = torch.randperm(X.shape[0], device=device)
        for start in range(0, X.shape[0], 512):
            batch = order[start:start + 512]
            loss = F.cross_entropy(model(X[batch]), Y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scheduler.step()
    return model.eval()
''',
        "Adam at 1e-3, minibatches of 64, 6 epochs": '''
def train_mlp_lm(X_train, Y_train, vocab_size, block_size, device, seed):
    torch.manual_seed(seed)
    X, Y = X_train.to(device), Y_train.to(device)
    model = nn.Sequential(nn.Embedding(vocab_size, 10), nn.Flatten(), nn.Linear(block_size * 10, 128), nn.Tanh(),
                          nn.Linear(128, vocab_size)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(6):
        for idx in torch.randperm(len(X), device=device).split(64):
            loss = F.cross_entropy(model(X[idx]), Y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
''',
    },
}
