"""Plausible student bugs in lab 12 (each value is the full source of a buggy solution cell).

The sources run with np, math, torch, nn, F and the lab's reference functions in scope. Most
mutants are the notebook's solution with one change, made by :func:`_mutate` (which fails loudly if
the text to change is not there).
"""


def _mutate(source: str, old: str, new: str) -> str:
    if old not in source:
        raise AssertionError(f"mutant template does not contain {old!r}")
    return source.replace(old, new)


_KARATE = '''
def karate_adjacency():
    import networkx as nx
    G = nx.karate_club_graph()
    nodes = sorted(G.nodes)
    A = torch.as_tensor(nx.to_numpy_array(G, nodelist=nodes, weight=None), dtype=torch.float64)
    faction = torch.tensor([0 if G.nodes[v]["club"] == "Mr. Hi" else 1 for v in nodes], dtype=torch.int64)
    return A, faction
'''

_NORM = '''
def normalized_adjacency(A):
    A_tilde = A + torch.eye(A.shape[0], dtype=A.dtype, device=A.device)
    d_inv_sqrt = A_tilde.sum(dim=1).rsqrt()
    return d_inv_sqrt[:, None] * A_tilde * d_inv_sqrt[None, :]
'''

_GCN = '''
def gcn_layer(H, A_hat, W):
    return A_hat @ (H @ W)
'''

_DENSE = '''
def message_passing_dense(H, A_hat):
    return A_hat @ H
'''

_EDGES = '''
def edge_index_from_adjacency(A_hat):
    target, source = torch.nonzero(A_hat, as_tuple=True)
    return torch.stack([source, target]), A_hat[target, source]
'''

_SPARSE = '''
def message_passing_sparse(H, edge_index, edge_weight, num_nodes):
    source, target = edge_index
    messages = edge_weight[:, None] * H[source]
    out = H.new_zeros(num_nodes, H.shape[1])
    return out.index_add_(0, target, messages)
'''

_TRAIN = '''
def train_gcn(A, X, labels, train_mask, device, seed, hidden=16, return_embedding=False):
    torch.manual_seed(seed)
    A = torch.as_tensor(A).to(device=device, dtype=torch.float32)
    X = torch.as_tensor(X).to(device=device, dtype=torch.float32)
    labels = torch.as_tensor(labels).to(device=device, dtype=torch.int64)
    train_mask = torch.as_tensor(train_mask).to(device=device, dtype=torch.bool)
    A_hat = normalized_adjacency(A)
    classes = int(labels[train_mask].max()) + 1
    W1 = nn.Parameter(nn.init.xavier_uniform_(torch.empty(X.shape[1], hidden, device=device)))
    W2 = nn.Parameter(nn.init.xavier_uniform_(torch.empty(hidden, classes, device=device)))
    optimizer = torch.optim.Adam([W1, W2], lr=0.01, weight_decay=5e-4)
    for step in range(200):
        logits = gcn_layer(torch.relu(gcn_layer(X, A_hat, W1)), A_hat, W2)
        loss = F.cross_entropy(logits[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        embedding = gcn_layer(X, A_hat, W1)
        logits = gcn_layer(torch.relu(embedding), A_hat, W2)
    return (embedding, logits) if return_embedding else logits
'''

MUTANTS = {
    "karate_adjacency": {
        "weighted adjacency (networkx's edge weights kept)": _mutate(_KARATE, "weight=None", "weight='weight'"),
        "factions swapped (Mr. Hi is 1)": _mutate(_KARATE, '== "Mr. Hi" else 1', '== "Mr. Hi" else 0').replace(
            "[0 if", "[1 if"),
        "self-loops added to A": _mutate(_KARATE, "dtype=torch.float64)\n    faction",
                                         "dtype=torch.float64) + torch.eye(34, dtype=torch.float64)\n    faction"),
        "faction as float": _mutate(_KARATE, "else 1 for v in nodes], dtype=torch.int64)",
                                    "else 1 for v in nodes], dtype=torch.float64)"),
    },
    "normalized_adjacency": {
        "no self-loops (D^-1/2 A D^-1/2)": '''
def normalized_adjacency(A):
    d_inv_sqrt = A.sum(dim=1).clamp(min=1).rsqrt()
    return d_inv_sqrt[:, None] * A * d_inv_sqrt[None, :]
''',
        "row normalisation D^-1 (A + I)": _mutate(_NORM, "return d_inv_sqrt[:, None] * A_tilde * d_inv_sqrt[None, :]",
                                                   "return d_inv_sqrt[:, None] ** 2 * A_tilde"),
        "degrees of A, not of A + I": '''
def normalized_adjacency(A):
    A_tilde = A + torch.eye(A.shape[0], dtype=A.dtype, device=A.device)
    d_inv_sqrt = A.sum(dim=1).clamp(min=1).rsqrt()
    return d_inv_sqrt[:, None] * A_tilde * d_inv_sqrt[None, :]
''',
        "D^-1/2 applied on the left only": _mutate(_NORM, " * d_inv_sqrt[None, :]", ""),
        "raw A + I, no normalisation": _mutate(_NORM, "return d_inv_sqrt[:, None] * A_tilde * d_inv_sqrt[None, :]",
                                                "return A_tilde"),
    },
    "gcn_layer": {
        "Â transposed (H W Â order of a non-symmetric Â)": _mutate(_GCN, "A_hat @ (H @ W)", "A_hat.T @ (H @ W)"),
        "ReLU applied inside the layer": _mutate(_GCN, "A_hat @ (H @ W)", "torch.relu(A_hat @ (H @ W))"),
        "no aggregation (H W)": _mutate(_GCN, "A_hat @ (H @ W)", "H @ W"),
        "elementwise Â ⊙ (H W) broadcast": '''
def gcn_layer(H, A_hat, W):
    return (A_hat.sum(dim=1, keepdim=True)) * (H @ W)
''',
    },
    "message_passing_dense": {
        "Â transposed": _mutate(_DENSE, "A_hat @ H", "A_hat.T @ H"),
        "self-loop added again (Â H + H)": _mutate(_DENSE, "A_hat @ H", "A_hat @ H + H"),
        "mean of the neighbours' features (rows of Â renormalised)": _mutate(
            _DENSE, "A_hat @ H", "(A_hat / A_hat.sum(dim=1, keepdim=True)) @ H"),
    },
    "edge_index_from_adjacency": {
        "[target; source] swapped": _mutate(_EDGES, "torch.stack([source, target])", "torch.stack([target, source])"),
        "self-loops dropped": '''
def edge_index_from_adjacency(A_hat):
    off = A_hat * (1 - torch.eye(A_hat.shape[0], dtype=A_hat.dtype, device=A_hat.device))
    target, source = torch.nonzero(off, as_tuple=True)
    return torch.stack([source, target]), A_hat[target, source]
''',
        "weights of the transposed entries": _mutate(_EDGES, "A_hat[target, source]", "A_hat[source, target]"),
        "all n² entries kept (zeros included)": '''
def edge_index_from_adjacency(A_hat):
    n = A_hat.shape[0]
    target, source = torch.meshgrid(torch.arange(n, device=A_hat.device), torch.arange(n, device=A_hat.device),
                                    indexing="ij")
    target, source = target.reshape(-1), source.reshape(-1)
    return torch.stack([source, target]), A_hat[target, source]
''',
    },
    "message_passing_sparse": {
        "scatters to the source instead of the target": _mutate(_SPARSE, "index_add_(0, target, messages)",
                                                                 "index_add_(0, source, messages)"),
        "edge weights ignored": _mutate(_SPARSE, "edge_weight[:, None] * H[source]", "H[source]"),
        "repeated edges overwrite (index_copy_ / assignment)": '''
def message_passing_sparse(H, edge_index, edge_weight, num_nodes):
    source, target = edge_index
    messages = edge_weight[:, None] * H[source]
    out = H.new_zeros(num_nodes, H.shape[1])
    out[target] = messages
    return out
''',
        "output sized by H, not num_nodes": _mutate(_SPARSE, "H.new_zeros(num_nodes, H.shape[1])",
                                                    "H.new_zeros(H.shape[0], H.shape[1])"),
    },
    "train_gcn": {
        # (A missing optimizer.zero_grad() is not among them: with full-graph Adam on this graph the
        # piled-up gradients act like heavy momentum and reach the reference's accuracy.)
        "graph ignored (Â = I: an MLP on the identity features)": _mutate(
            _TRAIN, "A_hat = normalized_adjacency(A)", "A_hat = torch.eye(A.shape[0], device=device)"),
        "learning rate far too small (1e-5)": _mutate(_TRAIN, "lr=0.01", "lr=1e-5"),
        "no training at all": _mutate(_TRAIN, "range(200)", "range(0)"),
        "far too few steps (3)": _mutate(_TRAIN, "range(200)", "range(3)"),
        "loss on the wrong nodes (the unlabelled ones, labels -1 → error)": _mutate(
            _TRAIN, "F.cross_entropy(logits[train_mask], labels[train_mask])",
            "F.cross_entropy(logits[~train_mask], labels[~train_mask].clamp(min=0))"),
        "wrong loss (MSE on the class index)": _mutate(
            _TRAIN, "F.cross_entropy(logits[train_mask], labels[train_mask])",
            "F.mse_loss(logits[train_mask].sum(dim=1), labels[train_mask].float())"),
        "far too many steps (over the time budget)": _mutate(_TRAIN, "range(200)", "range(6000)"),
    },
}

NOTEBOOK_SAMPLE = ["message_passing_sparse:scatters to the source instead of the target"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab12_gnn.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'karate_adjacency': dict(contradicts='lab12_gnn.ipynb § Part 1 — The karate club as a matrix'),
    'normalized_adjacency': dict(contradicts='lab12_gnn.ipynb § Part 2 — The normalised adjacency matrix'),
    'gcn_layer': dict(contradicts='lab12_gnn.ipynb § Part 3 — One graph convolution'),
    'message_passing_dense': dict(contradicts='lab12_gnn.ipynb § Part 4 — Message passing, dense and sparse'),
    'edge_index_from_adjacency': dict(contradicts='lab12_gnn.ipynb § Part 4 — Message passing, dense and sparse'),
    'message_passing_sparse': dict(contradicts='lab12_gnn.ipynb § Part 4 — Message passing, dense and sparse'),
    'train_gcn': dict(contradicts='lab12_gnn.ipynb § Part 5 — A two-layer GCN, trained semi-supervised', diagnosable=False),
    # not diagnosable: the mistake only raises on the failing cases, draws from a generator other than
    # the case's, or is one the outputs do not show (a forbidden call giving correct values, a lost graph)
    'message_passing_sparse:output sized by H, not num_nodes': dict(diagnosable=False),
}
