"""Plausible student bugs in lab 11 (each value is the full source of a buggy solution cell).

The sources run with np, math, torch, nn, F and the lab's reference functions in scope. Mutants of
the longer functions are the notebook's solution with one change, made by :func:`_mutate` (which
fails loudly if the text to change is not there).
"""


def _mutate(source: str, old: str, new: str) -> str:
    if old not in source:
        raise AssertionError(f"mutant template does not contain {old!r}")
    return source.replace(old, new)


_VOCAB = '''
def build_vocab(words):
    itos = ["."] + sorted(set("".join(words)))
    stoi = {ch: i for i, ch in enumerate(itos)}
    return stoi, itos
'''

_DECODE = '''
def decode(ids, itos):
    out = []
    for i in ids:
        ch = itos[int(i)]
        if ch == ".":
            break
        out.append(ch)
    return "".join(out)
'''

_WINDOWS = '''
def make_context_windows(words, stoi, block_size):
    X, Y = [], []
    for w in words:
        ids = [0] * block_size + encode(w, stoi) + [0]
        for t in range(len(w) + 1):
            X.append(ids[t:t + block_size])
            Y.append(ids[t + block_size])
    X = torch.tensor(X, dtype=torch.int64).reshape(-1, block_size)
    Y = torch.tensor(Y, dtype=torch.int64).reshape(-1)
    return X, Y
'''

_PPL = '''
def perplexity(logits, targets, pad_index=None):
    V = logits.shape[-1]
    z = logits.reshape(-1, V)
    y = targets.reshape(-1)
    if pad_index is not None:
        keep = y != pad_index
        z, y = z[keep], y[keep]
    nll = -z.log_softmax(dim=-1).gather(1, y.unsqueeze(1)).squeeze(1)
    return nll.mean().exp()
'''

_SAMPLE = '''
@torch.no_grad()
def sample(model, itos, block_size, temperature, generator, max_len=20):
    device = next(model.parameters()).device
    context = [0] * block_size
    out = []
    for _ in range(max_len):
        logits = model(torch.tensor([context], dtype=torch.int64, device=device))
        probs = F.softmax(logits[0] / temperature, dim=-1)
        ix = int(torch.multinomial(probs.to(generator.device), 1, generator=generator))
        if ix == 0:
            break
        out.append(itos[ix])
        context = context[1:] + [ix]
    return "".join(out)
'''

_TRAIN = '''
def train_mlp_lm(X_train, Y_train, vocab_size, block_size, device, seed):
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.int64)
    Y = torch.as_tensor(Y_train).to(device=device, dtype=torch.int64)
    embed_dim, hidden = 10, 128
    model = nn.Sequential(
        nn.Embedding(vocab_size, embed_dim), nn.Flatten(),
        nn.Linear(block_size * embed_dim, hidden), nn.Tanh(),
        nn.Linear(hidden, vocab_size),
    ).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    epochs, batch_size = 12, 256
    n = len(X)
    for epoch in range(epochs):
        if epoch == 8:
            for group in optimizer.param_groups:
                group["lr"] = 0.003
        order = torch.randperm(n, device=device)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(X[idx]), Y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
'''

MUTANTS = {
    "build_vocab": {
        "no boundary token": _mutate(_VOCAB, '["."] + sorted', 'sorted'),
        "boundary token last": _mutate(_VOCAB, '["."] + sorted(set("".join(words)))', 'sorted(set("".join(words))) + ["."]'),
        "characters in order of first appearance": _mutate(
            _VOCAB, 'sorted(set("".join(words)))', 'list(dict.fromkeys("".join(words)))'),
        "stoi counts from 1 (off by one)": _mutate(_VOCAB, "enumerate(itos)", "enumerate(itos, start=1)"),
    },
    "encode": {
        "letter positions instead of the vocabulary": '''
def encode(word, stoi):
    return [ord(ch) - ord("a") + 1 for ch in word]
''',
        "adds the boundary tokens": '''
def encode(word, stoi):
    return [0] + [stoi[ch] for ch in word] + [0]
''',
        "reversed": '''
def encode(word, stoi):
    return [stoi[ch] for ch in reversed(word)]
''',
    },
    "decode": {
        "skips '.' instead of stopping": _mutate(_DECODE, "break", "continue"),
        "keeps the '.'": _mutate(_DECODE, '''        if ch == ".":
            break
        out.append(ch)''', '''        out.append(ch)
        if ch == ".":
            break'''),
        "off by one (itos[i - 1])": _mutate(_DECODE, "itos[int(i)]", "itos[int(i) - 1]"),
    },
    "make_context_windows": {
        "no end token (the last window is missing)": _mutate(_WINDOWS, "range(len(w) + 1)", "range(len(w))"),
        "target is the last context character": _mutate(_WINDOWS, "ids[t + block_size])", "ids[t + block_size - 1])"),
        "only one '.' of padding": _mutate(_WINDOWS, "[0] * block_size + encode", "[0] + encode"),
        "float windows": _mutate(_WINDOWS, "X = torch.tensor(X, dtype=torch.int64)", "X = torch.tensor(X, dtype=torch.float32)"),
    },
    "perplexity": {
        "returns the cross-entropy (no exp)": _mutate(_PPL, "nll.mean().exp()", "nll.mean()"),
        "ignores pad_index": _mutate(_PPL, "z, y = z[keep], y[keep]", "pass"),
        "padding zeroed but still counted in the mean": _mutate(_PPL, """        z, y = z[keep], y[keep]
    nll = -z.log_softmax(dim=-1).gather(1, y.unsqueeze(1)).squeeze(1)""", """    nll = -z.log_softmax(dim=-1).gather(1, y.clamp(0, z.shape[-1] - 1).unsqueeze(1)).squeeze(1)
    if pad_index is not None:
        nll = nll * keep"""),
        "picks the targets before masking (fails for pad_index -1)": _mutate(_PPL, """    if pad_index is not None:
        keep = y != pad_index
        z, y = z[keep], y[keep]
    nll = -z.log_softmax(dim=-1).gather(1, y.unsqueeze(1)).squeeze(1)""", """    nll = -z.log_softmax(dim=-1).gather(1, y.unsqueeze(1)).squeeze(1)
    if pad_index is not None:
        nll = nll[y != pad_index]"""),
        "exp of the sum, not the mean": _mutate(_PPL, "nll.mean().exp()", "nll.sum().exp()"),
        "naive softmax (overflows for large logits)": _mutate(
            _PPL, "-z.log_softmax(dim=-1)", "-(z.exp() / z.exp().sum(dim=-1, keepdim=True)).log()"),
    },
    "sample": {
        "multiplies by the temperature": _mutate(_SAMPLE, "logits[0] / temperature", "logits[0] * temperature"),
        "ignores the generator": _mutate(_SAMPLE, ", generator=generator))", "))"),
        "context never shifted": _mutate(_SAMPLE, "context = context[1:] + [ix]", "pass"),
        "does not stop at '.'": _mutate(_SAMPLE, '''        if ix == 0:
            break
        out.append(itos[ix])''', '''        if ix != 0:
            out.append(itos[ix])'''),
    },
    "train_mlp_lm": {
        "no optimizer.zero_grad()": _mutate(_TRAIN, "            optimizer.zero_grad()\n", ""),
        "far too few steps (one minibatch)": _mutate(_TRAIN, "epochs, batch_size = 12, 256", "epochs, batch_size = 1, 29274"),
        "predicts the last context character": _mutate(_TRAIN, "F.cross_entropy(model(X[idx]), Y[idx])",
                                                       "F.cross_entropy(model(X[idx]), X[idx, -1])"),
        "never trained": _mutate(_TRAIN, "    for epoch in range(epochs):", "    for epoch in range(0):"),
    },
}

NOTEBOOK_SAMPLE = ["perplexity:returns the cross-entropy (no exp)"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab11_language_model.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'build_vocab': dict(contradicts='lab11_language_model.ipynb § Part 1 — Vocabulary and encoding'),
    'encode': dict(contradicts='lab11_language_model.ipynb § Part 1 — Vocabulary and encoding'),
    'decode': dict(contradicts='lab11_language_model.ipynb § Part 1 — Vocabulary and encoding'),
    'make_context_windows': dict(contradicts='lab11_language_model.ipynb § Part 2 — Context windows'),
    'perplexity': dict(contradicts='lab11_language_model.ipynb § Part 3 — Perplexity'),
    'sample': dict(contradicts='lab11_language_model.ipynb § Part 4 — Sampling'),
    'train_mlp_lm': dict(contradicts='lab11_language_model.ipynb § Part 5 — Training the MLP language model', diagnosable=False),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    "make_context_windows:only one '.' of padding": dict(diagnosable=False),
    'perplexity:picks the targets before masking (fails for pad_index -1)': dict(diagnosable=False),
    'sample:ignores the generator': dict(diagnosable=False),
}
