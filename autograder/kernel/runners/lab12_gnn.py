"""Lab 12 (graph convolutional networks), kernel side: how the graded functions are run.

``karate_adjacency()`` takes no input: the case names the part of its output to report (the
adjacency, the factions, or the degrees). The building blocks get every NumPy argument of a case as
a float64 tensor on the grading device; ``message_passing_sparse`` gets its ``edge_index`` as int64.

``train_gcn`` trains once with seed :data:`GRADING_SEED` on the grading device on a stochastic
block model graph (:func:`sbm_graph`: three blocks of 40 nodes, p_in 0.15, p_out 0.03, networkx seed
2026, identity features, three labelled nodes per block, the other labels set to -1), timed after a
warm-up on one CPU thread (:func:`train_and_predict`); the kernel reports the predicted block of
every node and the grading process scores the unlabelled ones.
"""
from __future__ import annotations

import numpy as np

from autograder.kernel.runners import Runner
from autograder.kernel.runners.training import timed, training_conditions, warm_up
from autograder.kernel.torch_grading import grading_device, tensor

#: The grading run of ``train_gcn`` (the tiers were set on this graph with this seed).
GRADING_SEED = 0
SBM_SIZES = (40, 40, 40)
SBM_P_IN, SBM_P_OUT = 0.15, 0.03
SBM_SEED = 2026
LABELS_PER_CLASS = 3


# --------------------------------------------------------------------------- karate_adjacency
def _run_karate(fn, case, uses):
    """Call ``fn()`` and return the part named by ``case.args[0]``: "A", "faction" or "degrees"."""
    out = fn()
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"karate_adjacency() should return a tuple (A, faction), got {type(out).__name__}")
    A, faction = out
    return {"A": A, "faction": faction, "degrees": A.sum(dim=1) if hasattr(A, "sum") else A}[case.args[0]]


# ------------------------------------------------------------------------------ building blocks
def _run_tensors(fn, case, uses):
    """Every NumPy argument as a float64 tensor on the grading device."""
    args = tuple(tensor(a) if isinstance(a, np.ndarray) else a for a in case.args)
    return fn(*args, **dict(case.kwargs))


def _run_sparse(fn, case, uses):
    """case.args = (H, edge_index, edge_weight, num_nodes), NumPy; edge_index becomes int64."""
    import torch

    H, edge_index, weight, num_nodes = case.args
    return fn(tensor(H), tensor(edge_index, dtype=torch.int64), tensor(weight), int(num_nodes))


# ------------------------------------------------------------------------------------ train_gcn
def sbm_graph(sizes=SBM_SIZES, p_in=SBM_P_IN, p_out=SBM_P_OUT, seed=SBM_SEED, per_class=LABELS_PER_CLASS):
    """A stochastic block model graph (networkx): ``(A, X, y, train_mask)`` as NumPy arrays.

    A (n, n) binary float64, X = identity (n, n), y (n,) the blocks, train_mask (n,) bool with
    ``per_class`` labelled nodes per block (drawn with NumPy's generator seeded with ``seed``).
    """
    import networkx as nx

    k = len(sizes)
    P = [[p_in if a == b else p_out for b in range(k)] for a in range(k)]
    G = nx.stochastic_block_model(list(sizes), P, seed=seed)
    n = sum(sizes)
    A = nx.to_numpy_array(G, nodelist=range(n), weight=None)
    y = np.repeat(np.arange(k), sizes)
    rng = np.random.default_rng(seed)
    mask = np.zeros(n, dtype=bool)
    for c in range(k):
        mask[rng.choice(np.flatnonzero(y == c), per_class, replace=False)] = True
    return A, np.eye(n), y, mask


def _tiny_gcn(device):
    """A tiny two-layer GCN on an 8-node graph (for :func:`warm_up`: cuBLAS handles, first kernel launches)."""
    import torch
    import torch.nn.functional as F

    A = torch.eye(8, device=device)
    W1 = torch.zeros(8, 4, device=device, requires_grad=True)
    W2 = torch.zeros(4, 2, device=device, requires_grad=True)
    y = torch.zeros(8, dtype=torch.int64, device=device)
    return [W1, W2], lambda: F.cross_entropy((A @ torch.relu(A @ W1)) @ W2, y)


def train_and_predict(fn, seed=GRADING_SEED, device=None) -> dict:
    """Train with ``fn`` on the grading graph; ``{"predicted": the predicted block of every node
    (int64, (n,)), "seconds": training seconds}``. Raises TypeError/ValueError (with a message for
    the student) when ``fn`` does not return logits of shape (n, 3)."""
    import torch

    device = grading_device() if device is None else torch.device(device)
    A, X, y, mask = sbm_graph()
    labels = np.where(mask, y, -1)
    args = (tensor(A, dtype=torch.float32, device=device), tensor(X, dtype=torch.float32, device=device),
            tensor(labels, dtype=torch.int64, device=device), tensor(mask, dtype=torch.bool, device=device))
    with training_conditions(device):
        warm_up(device, "gcn", _tiny_gcn)
        logits, seconds = timed(fn, *args, device, seed)
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"train_gcn should return a tensor of logits, got {type(logits).__name__}")
    if tuple(logits.shape) != (len(y), 3):
        raise ValueError(f"train_gcn returned logits of shape {tuple(logits.shape)}, expected ({len(y)}, 3)")
    return {"predicted": logits.detach().argmax(dim=1).cpu().numpy(), "seconds": seconds}


def _run_train(fn, case, uses):
    return train_and_predict(fn)


RUNNERS = {
    "karate_adjacency": Runner(run=_run_karate),
    "normalized_adjacency": Runner(run=_run_tensors),
    "gcn_layer": Runner(run=_run_tensors),
    "message_passing_dense": Runner(run=_run_tensors),
    "edge_index_from_adjacency": Runner(run=_run_tensors),
    "message_passing_sparse": Runner(run=_run_sparse),
    "train_gcn": Runner(run=_run_train),
}
