"""Character-level language models of names (lab 11): vocabulary, context windows, perplexity,
sampling, a bigram count model and a Bengio-style MLP language model.

Corpus: the first names of the US census lists shipped in the ``names`` package
(``dist.male.first`` and ``dist.female.first``), lower-case, letters only, unique, sorted.
The split (:func:`names_split`) is a fixed permutation: 10 % held out for grading
(``autograder/grading/cases/lab11_language_model.py``), the other 90 % split into the notebook's
"train" (90 %) and "val" (10 %) parts. The notebook holds a copy of :func:`load_names` and
:func:`names_split` in a given cell (tested to agree).

Index 0 of every vocabulary is the boundary / padding token ``"."``: it pads the context before
the first letter, marks the end of a word, and pads sequences of unequal length.
"""
from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BOUNDARY = "."
SPLIT_SEED = 11


# ---------------------------------------------------------------------------------- the corpus
def load_names() -> list[str]:
    """The census first names (male and female lists): lower-case, letters a–z only, unique, sorted."""
    import names

    folder = os.path.dirname(names.__file__)
    words = set()
    for file in ("dist.male.first", "dist.female.first"):
        with open(os.path.join(folder, file)) as f:
            for line in f:
                parts = line.split()
                if parts:
                    word = "".join(c for c in parts[0].lower() if "a" <= c <= "z")
                    if word:
                        words.add(word)
    return sorted(words)


def names_split(part: str) -> list[str]:
    """``"train"`` (81 %), ``"val"`` (9 %) or ``"held-out"`` (10 %, grading only) of :func:`load_names`."""
    words = load_names()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(words))
    n_held = len(words) // 10
    rest = order[n_held:]
    n_val = len(rest) // 10
    idx = {"held-out": order[:n_held], "val": rest[:n_val], "train": rest[n_val:]}[part]
    return [words[i] for i in idx]


# ------------------------------------------------------------------------- vocabulary, encoding
def build_vocab(words):
    """``(stoi, itos)``: itos = ["."] + the sorted distinct characters of ``words``; stoi = its inverse."""
    itos = [BOUNDARY] + sorted(set("".join(words)) - {BOUNDARY})
    stoi = {ch: i for i, ch in enumerate(itos)}
    return stoi, itos


def encode(word, stoi):
    """The list of indices of the characters of ``word``."""
    return [stoi[ch] for ch in word]


def decode(ids, itos):
    """The string of ``ids`` (ints or a 1-D tensor), stopping at the first "." (index 0) token."""
    out = []
    for i in ids:
        ch = itos[int(i)]
        if ch == BOUNDARY:
            break
        out.append(ch)
    return "".join(out)


def make_context_windows(words, stoi, block_size):
    """Training pairs of a fixed-context language model.

    Each word w becomes s = "." * block_size + w + "."; for t = 0 … len(w), the window
    s[t : t + block_size] predicts s[t + block_size]. X: int64 (M, block_size), Y: int64 (M,),
    M = Σ (len(w) + 1); windows in the order of ``words`` and then of t.
    """
    X, Y = [], []
    for w in words:
        ids = [0] * block_size + encode(w, stoi) + [0]
        for t in range(len(w) + 1):
            X.append(ids[t:t + block_size])
            Y.append(ids[t + block_size])
    return (torch.tensor(X, dtype=torch.int64).reshape(-1, block_size),
            torch.tensor(Y, dtype=torch.int64).reshape(-1))


# ----------------------------------------------------------------------------------- perplexity
def perplexity(logits, targets, pad_index=None):
    """exp of the mean token cross-entropy: PPL = exp(−(1/|S|) Σ_{i∈S} log softmax(z_i)[y_i]).

    logits (N, V) with targets (N,), or (N, T, V) with (N, T). S: all positions, or those with
    targets ≠ pad_index when pad_index is given. Returns a 0-d tensor.
    """
    V = logits.shape[-1]
    z = logits.reshape(-1, V)
    y = targets.reshape(-1)
    if pad_index is not None:           # drop padded positions first: pad_index may lie outside 0..V-1
        keep = y != pad_index
        z, y = z[keep], y[keep]
    nll = -z.log_softmax(dim=-1).gather(1, y.unsqueeze(1)).squeeze(1)
    return nll.mean().exp()


# ------------------------------------------------------------------------------------- sampling
@torch.no_grad()
def sample(model, itos, block_size, temperature, generator, max_len=20):
    """One name drawn from ``model``: start from the all-"." context, draw the next index from
    softmax(logits / temperature) with ``torch.multinomial(probs, 1, generator=generator)``, shift it
    into the context, stop at "." (not included) or after ``max_len`` characters.

    ``model`` maps an int64 (1, block_size) context to logits (1, V); the context lives on the
    device of the model's parameters, the probabilities on the generator's device.
    """
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


# ---------------------------------------------------------------------------------------- models
def bigram_counts(words, stoi, alpha=1.0):
    """Bigram model P[a, b] = (count(a→b) + α) / Σ_b' (count(a→b') + α), "." at both ends of each word."""
    V = len(stoi)
    counts = torch.zeros(V, V, dtype=torch.float64)
    for w in words:
        ids = [0] + encode(w, stoi) + [0]
        for a, b in zip(ids[:-1], ids[1:]):
            counts[a, b] += 1
    counts += alpha
    return counts / counts.sum(dim=1, keepdim=True)


class MLPLanguageModel(nn.Module):
    """Bengio et al. (2003): embed each of the block_size context characters (C: V × d), concatenate,
    h = tanh(W1 e + b1), logits = W2 h + b2. X int64 (N, block_size) → logits (N, V)."""

    def __init__(self, vocab_size, block_size, embed_dim=10, hidden=128):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.hidden = nn.Linear(block_size * embed_dim, hidden)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(self, X):
        e = self.embedding(X).flatten(1)
        return self.out(torch.tanh(self.hidden(e)))


def train_mlp_lm(X_train, Y_train, vocab_size, block_size, device, seed):
    """Train an :class:`MLPLanguageModel` (Adam, η = 0.01 then 0.003, minibatches of 256, 12 epochs)."""
    torch.manual_seed(seed)
    X = torch.as_tensor(X_train).to(device=device, dtype=torch.int64)
    Y = torch.as_tensor(Y_train).to(device=device, dtype=torch.int64)
    model = MLPLanguageModel(vocab_size, block_size).to(device)
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
