"""A generated cohort of lab 1 for the viva tests: who copied, who did not, who has bugs.

=====  =========================================================================================
ada    the reference solutions (every function correct)
bob    his own, correct code, written differently from the reference (loops, masks, ``np.dot``)
cat    bob's code with every local variable renamed, comments added, and seven solution cells
       moved up to just after the imports (a copy that should be flagged with bob)
ben    the release handed in unchanged: nothing but the scaffold (must never be flagged)
dee    the reference with three bugs from the catalogue's mutants (huber_grad, one_hot,
       cross_entropy_from_logits), handed in 36 hours after the due date
eve    (similarity tests only) her own code for six functions, the other fourteen left as the
       stubs: with ben she shares only the scaffold, fourteen identical stubs of it
=====  =========================================================================================

ada and dee both hand in the reference code, so they share code too; the tests say so.
"""
from __future__ import annotations

import io
import tokenize
from datetime import datetime, timedelta
from pathlib import Path

import nbformat

from autograder.course import notebook_path
from autograder.course.submissions import build_submission, grade_id, is_solution_cell, solution_code
from autograder.grading import catalogue

LAB = "lab01_neurons_losses"
STUDENTS = ("ada", "ben", "bob", "cat", "dee")
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"
DUE = datetime(2026, 11, 20, 17, 0, 0)  # naive UTC, as nbgrader stores it
ON_TIME = DUE - timedelta(hours=3)
LATE_HOURS = 36
MOVED_UP = ("cross_entropy_from_logits", "cross_entropy", "huber_grad", "mae_grad", "mse_grad", "huber", "mae")

# Bob's function bodies (each goes where the stub's two lines were; signature and docstring kept).
BOB = {
    "linear_neuron": """
    inputs = np.array(X, dtype=np.float64)
    weights = np.array(w, dtype=np.float64)
    out = np.dot(inputs, weights)
    return out + b
""",
    "fit_least_squares": """
    X = np.array(X, dtype=np.float64)
    targets = np.array(y_o, dtype=np.float64)
    design = np.hstack([np.ones((X.shape[0], 1)), X])  # ones first: the bias is params[0]
    params, *_ = np.linalg.lstsq(design, targets, rcond=None)
    bias = params[0]
    if targets.ndim == 1:
        bias = float(bias)
    return params[1:], bias
""",
    "sigmoid": """
    x = np.array(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out
""",
    "sigmoid_derivative": """
    sig = sigmoid(x)
    return sig - sig ** 2
""",
    "tanh": """
    x = np.array(x, dtype=np.float64)
    return 2.0 * sigmoid(2.0 * x) - 1.0
""",
    "tanh_derivative": """
    th = np.tanh(np.array(x, dtype=np.float64))
    return 1.0 - th ** 2
""",
    "relu": """
    x = np.array(x, dtype=np.float64)
    return np.where(x > 0, x, 0.0)
""",
    "relu_derivative": """
    x = np.array(x, dtype=np.float64)
    return np.where(x > 0, 1.0, 0.0)
""",
    "leaky_relu": """
    x = np.array(x, dtype=np.float64)
    slope = np.where(x > 0, 1.0, m)
    return slope * x
""",
    "leaky_relu_derivative": """
    x = np.array(x, dtype=np.float64)
    grad = np.full(x.shape, float(m))
    grad[x > 0] = 1.0
    return grad
""",
    "softmax": """
    logits = np.array(y, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    expo = np.exp(shifted)
    return expo / expo.sum(axis=-1, keepdims=True)
""",
    "one_hot": """
    labels = np.array(labels).astype(int)
    encoded = np.zeros((len(labels), num_classes), dtype=np.float64)
    for row, label in enumerate(labels):
        encoded[row, label] = 1.0
    return encoded
""",
    "mse": """
    diff = np.array(y, dtype=np.float64) - np.array(y_o, dtype=np.float64)
    return float((diff * diff).sum() / diff.size)
""",
    "mae": """
    diff = np.array(y, dtype=np.float64) - np.array(y_o, dtype=np.float64)
    return float(np.abs(diff).sum() / diff.size)
""",
    "huber": """
    r = np.array(y, dtype=np.float64) - np.array(y_o, dtype=np.float64)
    small = np.abs(r) <= delta
    loss = np.zeros_like(r)
    loss[small] = 0.5 * r[small] ** 2
    loss[~small] = delta * np.abs(r[~small]) - 0.5 * delta ** 2
    return float(loss.sum() / r.size)
""",
    "mse_grad": """
    diff = np.array(y, dtype=np.float64) - np.array(y_o, dtype=np.float64)
    return diff * (2.0 / diff.size)
""",
    "mae_grad": """
    diff = np.array(y, dtype=np.float64) - np.array(y_o, dtype=np.float64)
    return np.sign(diff) * (1.0 / diff.size)
""",
    "huber_grad": """
    r = np.array(y, dtype=np.float64) - np.array(y_o, dtype=np.float64)
    return np.clip(r, -delta, delta) / r.size
""",
    "cross_entropy": """
    p = np.array(p, dtype=np.float64)
    t = np.array(y_o, dtype=np.float64)
    total = 0.0
    for i in range(p.shape[0]):
        for k in range(p.shape[1]):
            if t[i, k] > 0:
                total -= t[i, k] * np.log(p[i, k])
    return float(total / p.shape[0])
""",
    "cross_entropy_from_logits": """
    z = np.array(z, dtype=np.float64)
    labels = np.array(labels).astype(int)
    losses = np.empty(z.shape[0])
    for i in range(z.shape[0]):
        top = np.max(z[i])
        log_norm = top + np.log(np.sum(np.exp(z[i] - top)))
        losses[i] = log_norm - z[i, labels[i]]
    return float(losses.mean())
""",
}

# Eve's bodies: six functions in a third style; the rest stay stubs.
EVE = {
    "linear_neuron": """
    return np.einsum("nd,d...->n...", np.asarray(X, float), np.asarray(w, float)) + b
""",
    "sigmoid": """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))
""",
    "relu": """
    out = np.asarray(x, dtype=float).copy()
    out[out < 0] = 0.0
    return out
""",
    "softmax": """
    z = np.asarray(y, dtype=float)
    e = np.exp(z - np.amax(z, axis=-1)[..., None])
    return e / e.sum(-1)[..., None]
""",
    "mse": """
    r = np.subtract(y, y_o, dtype=float).ravel()
    return float(np.dot(r, r) / len(r))
""",
    "mae": """
    total = sum(abs(a - b) for a, b in zip(np.ravel(y), np.ravel(y_o)))
    return float(total / np.size(y))
""",
}

# Cat's renaming of bob's local variables (parameters stay: they are the scaffold's signature).
RENAMES = {
    "inputs": "feats", "weights": "W", "out": "result", "targets": "Y", "design": "M", "params": "coef",
    "bias": "intercept", "pos": "nonneg", "ex": "e_neg", "sig": "s", "th": "t_val", "slope": "factor",
    "grad": "dydx", "logits": "scores", "shifted": "stable", "expo": "num", "encoded": "onehot",
    "row": "i_row", "label": "lab", "diff": "resid", "r": "res", "small": "inside", "loss": "per_elem",
    "t": "target", "total": "acc", "i": "j", "k": "c", "losses": "per_row", "top": "zmax",
    "log_norm": "lse",
}


def rename(code: str, mapping: dict[str, str] = RENAMES) -> str:
    """``code`` with every NAME token in ``mapping`` renamed (not attributes, not keyword names)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    out, depth = [], 0
    for i, tok in enumerate(tokens):
        depth += tok.string in "([{" and tok.type == tokenize.OP
        depth -= tok.string in ")]}" and tok.type == tokenize.OP
        prev = tokens[i - 1].string if i else ""
        keyword = depth > 0 and i + 1 < len(tokens) and tokens[i + 1].string == "="
        if tok.type == tokenize.NAME and tok.string in mapping and prev != "." and not keyword:
            tok = tok._replace(string=mapping[tok.string])
        out.append(tok)
    return tokenize.untokenize(out)


def stubs() -> dict[str, str]:
    """The release's solution cells of the lab: ``{function: stub source}``."""
    from autograder.course import RELEASE

    nb = nbformat.read(notebook_path(RELEASE.parent, "release", LAB), as_version=4)
    return {grade_id(c): c.source for c in nb.cells if is_solution_cell(c)}


def bob_fills() -> dict[str, str]:
    out = {}
    for name, stub in stubs().items():
        assert STUB in stub, name
        out[name] = stub.replace(STUB, BOB[name].strip("\n"))
    return out


def eve_fills() -> dict[str, str]:
    return {name: stub.replace(STUB, EVE[name].strip("\n")) for name, stub in stubs().items() if name in EVE}


def cat_fills() -> dict[str, str]:
    out = {}
    for name, code in bob_fills().items():
        doc_end = code.rindex('"""') + 3  # the scaffold's signature and docstring stay as they are
        out[name] = code[:doc_end] + "\n    # my version" + rename(code[doc_end:])
    return out


def dee_fills() -> dict[str, str]:
    fills = dict(solution_code(LAB))
    table = catalogue.mutants(LAB)
    for function, bug in catalogue.notebook_sample(LAB):
        fills[function] = table[function][bug].source.strip("\n")
    return fills


def dee_bugs() -> dict[str, str]:
    return dict(catalogue.notebook_sample(LAB))


def cohort_fills() -> dict[str, dict[str, str]]:
    return {"ada": solution_code(LAB), "ben": {}, "bob": bob_fills(), "cat": cat_fills(), "dee": dee_fills()}


def _move_up(path: Path, names) -> None:
    """Move the solution cells ``names`` to just after the imports cell, in that order (each cell's
    tests still come after it, so the notebook grades the same)."""
    nb = nbformat.read(path, as_version=4)
    moved = sorted((c for c in nb.cells if is_solution_cell(c) and grade_id(c) in names),
                   key=lambda c: names.index(grade_id(c)))
    rest = [c for c in nb.cells if c not in moved]
    at = next(i for i, c in enumerate(rest) if grade_id(c) == "imports") + 1
    nb.cells = rest[:at] + moved + rest[at:]
    nbformat.write(nb, path)


def build_cohort(root: Path, release_root: Path | None = None, with_eve: bool = False) -> dict[str, Path]:
    """Write ``submitted/<student>/lab01_neurons_losses/`` for every student of the cohort under ``root``
    (eve too with ``with_eve``). ``release_root`` holds ``release/<lab>/<lab>.ipynb`` (default: ``root``).
    """
    release = notebook_path(release_root or root, "release", LAB)
    paths = {}
    fills_of = cohort_fills() | ({"eve": eve_fills()} if with_eve else {})
    for student, fills in fills_of.items():
        dest = build_submission(release, notebook_path(root, "submitted", LAB, student), fills)
        when = DUE + timedelta(hours=LATE_HOURS) if student == "dee" else ON_TIME
        (dest.parent / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC\n"))
        paths[student] = dest
    _move_up(paths["cat"], MOVED_UP)
    return paths
