"""Hidden cases of lab 11: a character-level language model of names.

Vocabulary, encoding and context windows are compared exactly with the reference (strings, dicts,
int64 tensors); ``perplexity`` gets float64 logits on the grading device and the default judge.
``sample`` runs with a small fixed-weight model (``_fixed_model``) on the grading device and a
``torch.Generator`` on that device seeded identically for the student and the reference: the same
draws must give the same name.

``train_mlp_lm`` is run once on the context windows (block size 3) of the notebook's training names
with a fixed seed on the grading device, timed after a warm-up on one CPU thread, and scored by its
perplexity on the windows of the held-out names: a fixed, seeded 10 % of the corpus
(``solutions.language_model.names_split("held-out")``) that no notebook cell uses. The kernel reports
the model's logits on those windows (:func:`train_and_predict`); the grading process computes
the perplexity with the reference's ``perplexity`` (:func:`held_out_score`).
"""
from __future__ import annotations

import numpy as np

from autograder.cases import Case, Spec, given_file, register
from autograder.torch_grading import grading_device, tensor

LAB = "lab11_language_model"
_LETTERS = list("abcdefghijklmnopqrstuvwxyz")


def _random_words(rng, n, alphabet=_LETTERS, lo=1, hi=9):
    return ["".join(rng.choice(alphabet, size=int(rng.integers(lo, hi)))) for _ in range(n)]


def _judge_exact(got, expected, case, path="output"):
    """Exact structural equality (str, int, list, tuple, dict); never shows the expected value."""
    from autograder.compare import to_numpy

    if isinstance(expected, str):
        if not isinstance(got, str):
            return f"{path} should be a str, got {type(got).__name__}"
        return None if got == expected else f"{path} is {got!r}, which is not the expected string of length {len(expected)}"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{path} should be a dict, got {type(got).__name__}"
        if set(got) != set(expected):
            return f"{path} has keys {sorted(map(str, got))[:30]}, not the expected {len(expected)} keys"
        for k in expected:
            m = _judge_exact(got[k], expected[k], case, f"{path}[{k!r}]")
            if m:
                return m
        return None
    if isinstance(expected, (list, tuple)):
        got = to_numpy(got)
        if isinstance(got, np.ndarray) and got.ndim == 1:
            got = got.tolist()
        if not isinstance(got, (list, tuple)):
            return f"{path} should be a {type(expected).__name__} of {len(expected)} items, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"{path} should have {len(expected)} items, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            m = _judge_exact(g, e, case, f"{path}[{i}]")
            if m:
                return m
        return None
    if isinstance(expected, (int, np.integer)):
        g = to_numpy(got)
        try:
            ok = int(g) == int(expected) and float(g) == float(int(g))
        except (TypeError, ValueError):
            return f"{path} should be an int, got {type(got).__name__}"
        return None if ok else f"{path} is {int(g)}, not the expected index"
    from autograder.compare import compare

    return compare(got, expected, path=path)


# ------------------------------------------------------------------------------- build_vocab
def _vocab_cases(rng):
    return [
        Case("three names", (["emma", "olivia", "ava"],)),
        Case("one name with repeated letters", (["anna"],)),
        Case("unsorted input, letters first seen in reverse order", (["zoe", "yara", "xena", "bob"],)),
        Case("a single one-letter name", (["q"],)),
        Case("all 26 letters", (["".join(rng.permutation(_LETTERS))],)),
        Case("random names over a 7-letter alphabet", (_random_words(rng, 12, _LETTERS[3:10]),)),
        Case("random names over the full alphabet", (_random_words(rng, 30),)),
        Case("a name given twice", (["liam", "liam", "mia"],)),
    ]


# ------------------------------------------------------------------------------ encode / decode
def _stoi(words):
    return _vocabulary(words)


def _encode_cases(rng):
    cases = []
    for name, word, corpus in [
        ("'emma' in the full alphabet", "emma", _LETTERS),
        ("one letter", "a", _LETTERS),
        ("the empty word (an empty list)", "", _LETTERS),
        ("'zz' (the last index)", "zz", _LETTERS),
        ("a small vocabulary where indices are not letter positions", "dab", ["bad", "dab"]),
    ]:
        cases.append(Case(name, (word, _stoi(corpus)[0])))
    for k in range(3):
        corpus = _random_words(rng, 6, _LETTERS[int(rng.integers(0, 10)):])
        word = corpus[int(rng.integers(0, len(corpus)))]
        cases.append(Case(f"random {k + 1}: '{word}' in a vocabulary of {len(set(''.join(corpus))) + 1}",
                          (word, _stoi(corpus)[0])))
    return cases


def _run_decode(fn, case, uses):
    ids, itos, as_tensor = case.args
    import torch

    if as_tensor:
        ids = torch.tensor(ids, dtype=torch.int64, device=grading_device())
    return fn(ids, list(itos))


def _decode_cases(rng):
    itos = _stoi(_LETTERS)[1]
    small = _stoi(["bad", "dab"])[1]
    rand = [int(v) for v in rng.integers(1, 27, size=7)]
    return [
        Case("[5, 13, 13, 1] ('emma')", ([5, 13, 13, 1], itos, False)),
        Case("stops at the first '.': [1, 14, 14, 0, 1] ('ann')", ([1, 14, 14, 0, 1], itos, False)),
        Case("starts with '.' (the empty string)", ([0, 5, 6], itos, False)),
        Case("empty list", ([], itos, False)),
        Case("a 1-D int64 tensor on the grading device", ([12, 9, 1, 13, 0], itos, True)),
        Case("small vocabulary ['.', 'a', 'b', 'd']", ([3, 1, 2], small, False)),
        Case("random letters, no '.'", (rand, itos, False)),
        Case("random letters then '.' then more", (rand[:3] + [0] + rand[3:], itos, True)),
    ]


# ------------------------------------------------------------------------ make_context_windows
def _windows_cases(rng):
    cases = [
        Case("['emma'], block_size 3", (["emma"], _stoi(_LETTERS)[0], 3)),
        Case("['ava', 'bo'], block_size 1 (bigrams)", (["ava", "bo"], _stoi(_LETTERS)[0], 1)),
        Case("one-letter name, block_size 4", (["x"], _stoi(_LETTERS)[0], 4)),
        Case("block_size longer than the names: 6", (["ann", "li"], _stoi(_LETTERS)[0], 6)),
        Case("small vocabulary ['.', 'a', 'b', 'd'], block_size 2", (["bad", "dab", "a"], _stoi(["bad", "dab"])[0], 2)),
        Case("no words (shapes (0, 3) and (0,))", ([], _stoi(_LETTERS)[0], 3)),
    ]
    for k in range(3):
        words = _random_words(rng, int(rng.integers(2, 7)))
        bs = int(rng.integers(1, 6))
        cases.append(Case(f"random {k + 1}: {len(words)} names, block_size {bs}", (words, _stoi(_LETTERS)[0], bs)))
    return cases


# ----------------------------------------------------------------------------------- perplexity
def _run_ppl(fn, case, uses):
    logits, targets = case.args
    import torch

    return fn(tensor(logits), tensor(targets, dtype=torch.int64), **dict(case.kwargs))


def _ppl_cases(rng):
    V = 7
    return [
        Case("(N, V) = (12, 7) random logits", (rng.normal(size=(12, V)), rng.integers(0, V, 12))),
        Case("uniform logits (perplexity = V = 5)", (np.zeros((6, 5)), rng.integers(0, 5, 6))),
        Case("(N, T, V) = (3, 5, 7) without padding", (rng.normal(size=(3, 5, V)) * 2, rng.integers(0, V, (3, 5)))),
        Case("(N, T, V) = (4, 6, 7), pad_index 0, padded tails",
             (rng.normal(size=(4, 6, V)), np.array([[3, 1, 4, 0, 0, 0], [2, 6, 5, 1, 0, 0],
                                                    [5, 5, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6]])), {"pad_index": 0}),
        Case("(N, V), pad_index 3 (not 0)",
             (rng.normal(size=(10, V)), np.array([3, 1, 3, 3, 0, 6, 2, 3, 5, 4])), {"pad_index": 3}),
        Case("pad_index given but never a target", (rng.normal(size=(8, V)), rng.integers(1, V, 8)), {"pad_index": 0}),
        Case("large logits (±300): needs a stable log-softmax",
             (rng.normal(size=(9, V)) * 300, rng.integers(0, V, 9))),
        Case("confident and right (perplexity near 1)",
             (np.eye(V)[np.arange(V)] * 20, np.arange(V))),
        Case("(N, T, V) = (3, 4, 7), pad_index -1 (outside the vocabulary, like ignore_index)",
             (rng.normal(size=(3, 4, V)), np.array([[2, 0, -1, -1], [5, 6, 0, -1], [1, -1, -1, -1]])),
             {"pad_index": -1}),
        Case("(N, T, V) = (2, 3, 2), pad_index 1, one real token each",
             (rng.normal(size=(2, 3, 2)), np.array([[0, 1, 1], [1, 0, 1]])), {"pad_index": 1}),
    ]


# --------------------------------------------------------------------------------------- sample
def _fixed_model(vocab_size, block_size, scale, seed, device):
    """A tiny MLP language model with weights from a NumPy generator (float64, eval mode)."""
    import torch
    from torch import nn

    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Embedding(vocab_size, 4), nn.Flatten(), nn.Linear(4 * block_size, 16), nn.Tanh(),
                          nn.Linear(16, vocab_size)).to(device=device, dtype=torch.float64)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.as_tensor(rng.normal(size=tuple(p.shape)) * scale, dtype=torch.float64))
        model[-1].bias[0] += 2.0   # "." more likely: names of a few letters, some cut at max_len
    return model.eval()


def _run_sample(fn, case, uses):
    import torch

    vocab_size, block_size, scale, model_seed, gen_seed, n = case.args
    device = grading_device()
    model = _fixed_model(vocab_size, block_size, scale, model_seed, device)
    itos = (["."] + _LETTERS)[:vocab_size]
    generator = torch.Generator(device=device).manual_seed(gen_seed)
    return [fn(model, list(itos), block_size, generator=generator, **dict(case.kwargs)) for _ in range(n)]


def _sample_cases(rng):
    seeds = [int(s) for s in rng.integers(0, 2**31, size=6)]
    return [
        Case("27 characters, block_size 3, temperature 1, 5 names", (27, 3, 0.8, 1, seeds[0], 5), {"temperature": 1.0}),
        Case("temperature 0.5 (sharper)", (27, 3, 0.8, 2, seeds[1], 5), {"temperature": 0.5}),
        Case("temperature 2 (flatter)", (27, 3, 0.8, 3, seeds[2], 5), {"temperature": 2.0}),
        Case("block_size 1, 6 characters", (6, 1, 1.0, 4, seeds[3], 6), {"temperature": 1.0}),
        Case("block_size 5, max_len 4 (names cut at 4 letters)", (27, 5, 0.5, 5, seeds[4], 5),
             {"temperature": 1.0, "max_len": 4}),
        Case("temperature 1.5, block_size 2, 10 names", (12, 2, 1.0, 6, seeds[5], 10), {"temperature": 1.5}),
    ]


# --------------------------------------------------------------------------------- train_mlp_lm
# Reference (solutions/language_model.py: embedding 10, tanh hidden 128, Adam η = 0.01 → 0.003 after
# 8 epochs, 12 epochs of minibatches of 256) on the 29 274 windows (block size 3) of the notebook's
# 4183 training names, scored on the 3594 windows of the 516 held-out names, float32, CPU, one thread:
#   seed         0       1       2       3       4
#   perplexity   7.713   7.746   7.632   7.679   7.700      median 7.700
# Baseline (not graded): the add-one bigram count model of the training names: 10.61.
# Rule: tiers at 1.33× and 1.1× the median, rounded up to 0.01: ≤ 10.25 and ≤ 8.48 (the bigram
# model fails both). tests/solutions/test_language_model.py re-runs the five seeds and asserts both.
GRADING_SEED = 0
BLOCK_SIZE = 3
SEEDS = (0, 1, 2, 3, 4)
TIERS = [10.25, 8.48]
# Budget: the reference trains in 1.1–1.2 s of CPU time here (one thread, after the warm-up below);
# 5 s is about 4× that: room for a slower or busy machine and a somewhat larger model or more epochs,
# while a recipe five or more times as long does not fit.
BUDGET_S = 5.0


WINDOWS_FILE = "lab11_windows.npz"


def _vocabulary(words):
    """``(stoi, itos)`` of the letters in ``words`` with "." at 0: the inputs of the encode/decode cases."""
    chars = set("".join(words))
    itos = ["."] + [c for c in _LETTERS if c in chars]
    return {ch: i for i, ch in enumerate(itos)}, itos


def _given_windows() -> dict:
    """Grading process: the training windows and the held-out *contexts* (no targets), built by the
    reference, for a sandboxed kernel (which cannot import ``solutions``); see ``Spec.given``."""
    import io

    buffer = io.BytesIO()
    (X, Y), (X_held, _) = _reference_windows("train"), _reference_windows("held-out")
    np.savez(buffer, train_X=X.numpy(), train_Y=Y.numpy(), held_out_X=X_held.numpy())
    return {WINDOWS_FILE: buffer.getvalue()}


def _reference_windows(part: str):
    from solutions.language_model import build_vocab, load_names, make_context_windows, names_split

    stoi, _ = build_vocab(load_names())
    return make_context_windows(names_split(part), stoi, BLOCK_SIZE)


def windows(part: str):
    """``X`` int64 (M, 3), ``Y`` int64 (M,) (torch, CPU) of "train" or "held-out", with the vocabulary
    of the whole corpus (". a … z"). In a sandboxed kernel from the grader's given file (held-out:
    ``Y`` is ``None`` there, the targets stay with the grader), elsewhere from the reference."""
    import torch

    path = given_file(WINDOWS_FILE)
    if path is None:
        return _reference_windows(part)
    key = part.replace("-", "_")
    with np.load(path, allow_pickle=False) as data:
        X = torch.as_tensor(data[f"{key}_X"])
        Y = torch.as_tensor(data[f"{key}_Y"]) if f"{key}_Y" in data else None
    return X, Y


def held_out_logits(model, device) -> np.ndarray:
    """Kernel side: the logits (M, 27) of ``model`` (eval mode, no gradients) on the held-out windows,
    float64 if the model computes in float64, else float32. Raises ValueError (with a message for the
    student) when they do not have the shape (M, 27)."""
    import torch

    X, _ = windows("held-out")
    model.eval()
    with torch.no_grad():
        logits = model(X.to(device))
    if tuple(logits.shape) != (len(X), 27):
        raise ValueError(f"the model maps {len(X)} contexts to an output of shape {tuple(logits.shape)}, "
                         f"expected logits of shape ({len(X)}, 27)")
    logits = logits.detach().cpu()
    return logits.numpy() if logits.dtype == torch.float64 else logits.float().numpy()


def held_out_score(got) -> float:
    """Grading process: the perplexity (reference ``perplexity``, float64) of the reported logits on
    the held-out targets (loaded here). The report is untrusted: a missing or misshapen array raises
    ValueError with a message."""
    import torch

    from autograder.cases.lab06_cnn import described
    from solutions.language_model import perplexity

    _, Y = _reference_windows("held-out")
    logits = got.get("logits") if isinstance(got, dict) else None
    if not isinstance(logits, np.ndarray) or logits.dtype not in (np.float32, np.float64) \
            or logits.shape != (len(Y), 27):
        raise ValueError(f"the reported logits should be a float array of shape ({len(Y)}, 27), "
                         f"got {described(logits)}")
    return float(perplexity(torch.as_tensor(logits).double(), Y))


def held_out_perplexity(model, device) -> float:
    """Both halves in one process: perplexity of ``model`` on the held-out windows."""
    return held_out_score({"logits": held_out_logits(model, device)})


_WARMED_UP: set = set()


def _warm_up(device):
    """Two Adam steps of a tiny embedding MLP on ``device`` before the clock starts (one-off set-up)."""
    if str(device) in _WARMED_UP:
        return
    import torch
    import torch.nn.functional as F
    from torch import nn

    model = nn.Sequential(nn.Embedding(27, 2), nn.Flatten(), nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 27)).to(device)
    optimizer = torch.optim.Adam(model.parameters())
    x = torch.zeros(4, 3, dtype=torch.int64, device=device)
    y = torch.zeros(4, dtype=torch.int64, device=device)
    for _ in range(2):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    _WARMED_UP.add(str(device))


def train_and_predict(fn, seed=GRADING_SEED, device=None) -> dict:
    """Kernel side: train with ``fn`` on the notebook's training windows; ``{"logits": held-out logits,
    "seconds": training seconds}``."""
    import torch

    from autograder.trained_models import timed, training_conditions

    device = grading_device() if device is None else torch.device(device)
    X, Y = windows("train")
    X, Y = X.to(device), Y.to(device)
    with training_conditions(device):
        _warm_up(device)
        model, seconds = timed(fn, X, Y, 27, BLOCK_SIZE, device, seed)
    return {"logits": held_out_logits(model, device), "seconds": seconds}


def run_training(fn, seed=GRADING_SEED, device=None):
    """Both halves in one process (for the tier tests): held-out perplexity and training seconds."""
    got = train_and_predict(fn, seed, device)
    return {"score": held_out_score(got), "seconds": got["seconds"]}


def _run_train(fn, case, uses):
    return train_and_predict(fn)


def _judge_train(got, expected, case):
    from autograder.cases.lab06_cnn import reported_seconds
    from autograder.trained_models import threshold_checks

    return threshold_checks(held_out_score(got), reported_seconds(got), metric="perplexity", tiers=TIERS,
                            budget_s=BUDGET_S, higher_is_better=False)


def _train_cases(rng):
    return [Case(f"training windows of the notebook's names, block size {BLOCK_SIZE}, seed {GRADING_SEED}, "
                 f"scored on held-out names", checks=len(TIERS) + 1)]


register(Spec(f"{LAB}.build_vocab", _vocab_cases, judge=_judge_exact))
register(Spec(f"{LAB}.encode", _encode_cases, judge=_judge_exact))
register(Spec(f"{LAB}.decode", _decode_cases, run=_run_decode, judge=_judge_exact))
register(Spec(f"{LAB}.make_context_windows", _windows_cases))
register(Spec(f"{LAB}.perplexity", _ppl_cases, run=_run_ppl))
register(Spec(f"{LAB}.sample", _sample_cases, run=_run_sample, judge=_judge_exact))
register(Spec(f"{LAB}.train_mlp_lm", _train_cases, run=_run_train, judge=_judge_train, reference_needed=False,
              given=_given_windows))
