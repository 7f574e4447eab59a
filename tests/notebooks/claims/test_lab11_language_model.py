"""Lab 11's stated outcomes, on the reference (solutions/language_model.py) and the notebook's LSTM code.

What the text of source/lab11_language_model/lab11_language_model.ipynb says: on the validation names the
bigram model (add-1 smoothing) scores a perplexity of about 10.6, the MLP of k = 3 characters about 7.7,
and the LSTM that reads the whole prefix lower still (the ordering that question 5 asks to explain); all
are far below the uniform guess of 27. A temperature below 1 sharpens softmax(z / τ), above 1 flattens it,
τ → 0 is the argmax. Counting the padded positions as "." targets reports a different number.
"""
import nbformat
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.course import SOURCE
from labkit.device import seed_everything
from solutions.language_model import (bigram_counts, build_vocab, encode, load_names, make_context_windows,
                                      names_split, perplexity, train_mlp_lm)

LAB = "lab11_language_model"


@pytest.fixture(scope="module")
def data():
    words = load_names()
    stoi, itos = build_vocab(words)
    return stoi, itos, names_split("train"), names_split("val")


@pytest.fixture(scope="module")
def one_thread():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def _bigram(data):
    stoi, _, train, val = data
    P = bigram_counts(train, stoi, alpha=1.0)
    Xb, Yb = make_context_windows(val, stoi, 1)
    return float(perplexity(P[Xb[:, 0]].log(), Yb))


def _mlp(data, seed):
    stoi, itos, train, val = data
    X, Y = make_context_windows(train, stoi, 3)
    model = train_mlp_lm(X, Y, len(itos), 3, torch.device("cpu"), seed)
    Xv, Yv = make_context_windows(val, stoi, 3)
    with torch.no_grad():
        return float(perplexity(model(Xv).double(), Yv))


def _lstm(data):
    """The notebook's LSTM experiment (its own code: padded batches, 10 epochs of Adam), seed 0."""
    stoi, itos, train, val = data
    cell = next(c.source for c in nbformat.read(SOURCE / LAB / f"{LAB}.ipynb", as_version=4).cells
                if "class LSTMLM" in c.source)
    ns = {"torch": torch, "nn": nn, "F": F, "np": np, "encode": encode, "perplexity": perplexity,
          "seed_everything": seed_everything, "device": torch.device("cpu"), "train_names": train,
          "val_names": val, "stoi": stoi, "itos": itos, "time": __import__("time"), "print": lambda *a, **k: None}
    exec(cell.split("\n", 1)[1], ns)
    return ns["ppl_lstm"], ns["ppl_lstm_pad_counted"]


def test_bigram_mlp_lstm_perplexities_fall_in_that_order(data, one_thread):
    bigram = _bigram(data)
    assert bigram == pytest.approx(10.6, abs=0.3) and bigram < 27
    mlps = [_mlp(data, seed) for seed in (0, 1)]
    assert all(abs(m - 7.7) < 0.5 for m in mlps), mlps
    assert max(mlps) < bigram - 2, (mlps, bigram)
    lstm, pad_counted = _lstm(data)
    assert lstm < min(mlps), (lstm, mlps)
    assert abs(pad_counted - lstm) > 0.1


def test_temperature_sharpens_below_one_and_flattens_above():
    logits = torch.randn(100, 27, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2
    entropy = lambda tau: float(-(F.softmax(logits / tau, -1) * F.log_softmax(logits / tau, -1)).sum(-1).mean())
    assert entropy(0.5) < entropy(1.0) < entropy(1.5) < np.log(27)
    assert torch.equal(F.softmax(logits / 1e-3, -1).argmax(-1), logits.argmax(-1))
    assert float(F.softmax(logits / 1e-3, -1).max(-1).values.min()) > 0.99     # τ → 0: the argmax, surely
    assert entropy(1e3) == pytest.approx(np.log(27), abs=1e-3)                  # τ → ∞: uniform
