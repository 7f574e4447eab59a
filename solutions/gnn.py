"""Graph convolutional networks (Kipf & Welling, 2017) on small graphs, in PyTorch.

Notation: a graph of n nodes has a dense adjacency matrix A (n, n), binary and symmetric; node
features are the rows of H (n, f). Edges for sparse message passing are an ``edge_index`` (2, E)
int64 tensor, row 0 the source j and row 1 the target i of each edge j → i, with weights
``edge_weight`` (E,). Every function accepts tensors on any device, in float64 or float32.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def karate_adjacency():
    """Zachary's karate club from networkx: ``(A, faction)``.

    A:       (34, 34) float64 tensor, binary (``weight=None``: the graph's edge weights are ignored),
             node order 0..33 as in networkx.
    faction: (34,) int64 tensor, 0 for the members of "Mr. Hi"'s club, 1 for "Officer"'s.
    Both on the CPU.
    """
    import networkx as nx

    G = nx.karate_club_graph()
    nodes = sorted(G.nodes)
    A = torch.as_tensor(nx.to_numpy_array(G, nodelist=nodes, weight=None), dtype=torch.float64)
    faction = torch.tensor([0 if G.nodes[v]["club"] == "Mr. Hi" else 1 for v in nodes], dtype=torch.int64)
    return A, faction


def normalized_adjacency(A):
    """Â = D̂^{-1/2} (A + I) D̂^{-1/2}, D̂ the diagonal degree matrix of A + I (D̂_ii = 1 + Σ_j A_ij).

    A: (n, n) binary symmetric adjacency without self-loops. Returns Â (n, n), same dtype and device:
    Â_ij = (A + I)_ij / sqrt(d̂_i d̂_j). Isolated nodes have d̂_i = 1 (their own self-loop).
    """
    A_tilde = A + torch.eye(A.shape[0], dtype=A.dtype, device=A.device)
    d_inv_sqrt = A_tilde.sum(dim=1).rsqrt()
    return d_inv_sqrt[:, None] * A_tilde * d_inv_sqrt[None, :]


def gcn_layer(H, A_hat, W):
    """One graph convolution without activation: Â H W.

    H: (n, f_in) node features; A_hat: (n, n) normalised adjacency; W: (f_in, f_out).
    Returns (n, f_out).
    """
    return A_hat @ (H @ W)


def message_passing_dense(H, A_hat):
    """Dense aggregation Â H: row i is Σ_j Â_ij H_j. H (n, f), A_hat (n, n); returns (n, f)."""
    return A_hat @ H


def edge_index_from_adjacency(A_hat):
    """The nonzero entries of ``A_hat`` (self-loops included) as weighted edges.

    A_hat: (n, n), any square matrix. Each nonzero Â_ij is an edge j → i (source j, target i) of
    weight Â_ij, so that message passing with these edges computes Â H.
    Returns ``(edge_index, edge_weight)``: (2, E) int64 [source; target] and (E,) with A_hat's dtype,
    both on A_hat's device, E the number of nonzeros (edge order: by target i, then source j).
    """
    target, source = torch.nonzero(A_hat, as_tuple=True)
    return torch.stack([source, target]), A_hat[target, source]


def message_passing_sparse(H, edge_index, edge_weight, num_nodes):
    """Sparse aggregation: out[i] = Σ over edges (j → i) of w_ji H[j]  (edges may repeat: they add up).

    H: (n_src, f) features of the source nodes; edge_index: (2, E) int64 [source; target];
    edge_weight: (E,); num_nodes: number of target nodes (rows of the output; nodes without incoming
    edges get zeros; E may be 0). Returns (num_nodes, f). Costs O(E f) instead of the O(n² f) of Â H.
    """
    source, target = edge_index
    messages = edge_weight[:, None] * H[source]                    # (E, f)
    out = H.new_zeros(num_nodes, H.shape[1])
    return out.index_add_(0, target, messages)


class GCN(nn.Module):
    """Two-layer GCN: logits = Â relu(Â X W₁) W₂ (no biases), Glorot-initialised weights."""

    def __init__(self, in_features: int, hidden: int, classes: int):
        super().__init__()
        self.W1 = nn.Parameter(nn.init.xavier_uniform_(torch.empty(in_features, hidden)))
        self.W2 = nn.Parameter(nn.init.xavier_uniform_(torch.empty(hidden, classes)))

    def forward(self, X, A_hat, return_hidden: bool = False):
        hidden = torch.relu(gcn_layer(X, A_hat, self.W1))
        logits = gcn_layer(hidden, A_hat, self.W2)
        return (hidden, logits) if return_hidden else logits


def train_gcn(A, X, labels, train_mask, device, seed, hidden=16, return_embedding=False):
    """Train a two-layer GCN semi-supervised on the labelled nodes; logits of all nodes.

    A: (n, n) binary symmetric adjacency; X: (n, f) node features; labels: (n,) int64, the class of
    each labelled node (the others hold -1: unknown); train_mask: (n,) bool, the labelled nodes.
    Adam (η = 0.01, weight decay 5·10⁻⁴), 200 full-graph steps of cross-entropy on the labelled nodes,
    ``hidden`` units (graded: 16), float32. Returns logits (n, classes) for all nodes, classes =
    labels.max() + 1; with ``return_embedding=True`` the pair (Â X W₁ before the ReLU (n, hidden), logits).
    A graph without edges (A = 0) gives Â = I: a model that ignores the graph.
    """
    torch.manual_seed(seed)
    A = torch.as_tensor(A).to(device=device, dtype=torch.float32)
    X = torch.as_tensor(X).to(device=device, dtype=torch.float32)
    labels = torch.as_tensor(labels).to(device=device, dtype=torch.int64)
    train_mask = torch.as_tensor(train_mask).to(device=device, dtype=torch.bool)
    A_hat = normalized_adjacency(A)
    classes = int(labels[train_mask].max()) + 1
    model = GCN(X.shape[1], hidden, classes).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    model.train()
    for step in range(200):
        loss = F.cross_entropy(model(X, A_hat)[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        logits = model(X, A_hat)
        return (gcn_layer(X, A_hat, model.W1), logits) if return_embedding else logits
