"""Correct implementations of lab 12's graded functions, written the ways students write them.

Each value is the full source of a solution cell; it runs with np, math, torch, nn, F and the lab's
reference functions in scope (a variant of ``train_gcn`` calls the reference ``normalized_adjacency``
and ``gcn_layer``, as the notebook's calls the student's); a cell that needs networkx or SciPy
imports it itself (the notebook imports networkx at the top). The ``train_gcn`` variants are the
family of recipes the tiers of ``autograder/grading/cases/lab12_gnn.py`` were set from
(``bench/trained_tiers.py``).
"""

VARIANTS = {
    "karate_adjacency": {
        "a loop over the edges": '''
def karate_adjacency():
    import networkx as nx

    G = nx.karate_club_graph()
    n = G.number_of_nodes()
    A = torch.zeros(n, n, dtype=torch.float64)
    for i, j in G.edges():
        A[i, j] = 1.0
        A[j, i] = 1.0
    faction = torch.zeros(n, dtype=torch.int64)
    for v, club in G.nodes(data="club"):
        faction[v] = 0 if club == "Mr. Hi" else 1
    return A, faction
''',
        "a SciPy sparse array without weights": '''
def karate_adjacency():
    import networkx as nx

    G = nx.karate_club_graph()
    nodes = sorted(G.nodes)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=None).toarray()
    clubs = nx.get_node_attributes(G, "club")
    faction = np.array([clubs[v] == "Officer" for v in nodes], dtype=np.int64)
    return torch.from_numpy(A.astype(np.float64)), torch.from_numpy(faction)
''',
        "weighted matrix made binary with (A > 0)": '''
def karate_adjacency():
    import networkx as nx

    G = nx.karate_club_graph()
    W = torch.tensor(nx.to_numpy_array(G, nodelist=range(34)))
    A = (W > 0).to(torch.float64)
    faction = torch.tensor([int(G.nodes[v]["club"] != "Mr. Hi") for v in range(34)])
    return A, faction
''',
    },
    "normalized_adjacency": {
        "D^-1/2 as a diagonal matrix, two products": '''
def normalized_adjacency(A):
    A_tilde = A + torch.eye(A.shape[0], dtype=A.dtype, device=A.device)
    D_inv_sqrt = torch.diag(A_tilde.sum(dim=1) ** -0.5)
    return D_inv_sqrt @ A_tilde @ D_inv_sqrt
''',
        "divide by the square root of the outer product of the degrees": '''
def normalized_adjacency(A):
    n = A.size(0)
    A_tilde = A + torch.eye(n, dtype=A.dtype, device=A.device)
    d = A_tilde.sum(1)
    return A_tilde / torch.sqrt(torch.outer(d, d))
''',
        "self-loops added in place on a copy, degrees from 1 + row sums": '''
def normalized_adjacency(A):
    A_tilde = A.clone()
    A_tilde.diagonal().add_(1.0)
    d_hat = 1.0 + A.sum(dim=1)
    scale = 1.0 / torch.sqrt(d_hat)
    return scale.unsqueeze(1) * A_tilde * scale.unsqueeze(0)
''',
    },
    "gcn_layer": {
        "aggregate first: (A_hat @ H) @ W": '''
def gcn_layer(H, A_hat, W):
    return (A_hat @ H) @ W
''',
        "torch.einsum": '''
def gcn_layer(H, A_hat, W):
    return torch.einsum("ij,jf,fo->io", A_hat, H, W)
''',
        "torch.linalg.multi_dot": '''
def gcn_layer(H, A_hat, W):
    return torch.linalg.multi_dot([A_hat, H, W])
''',
        "torch.mm twice": '''
def gcn_layer(H, A_hat, W):
    support = torch.mm(H, W)
    return torch.mm(A_hat, support)
''',
    },
    "message_passing_dense": {
        "torch.matmul": '''
def message_passing_dense(H, A_hat):
    return torch.matmul(A_hat, H)
''',
        "torch.einsum": '''
def message_passing_dense(H, A_hat):
    return torch.einsum("ij,jf->if", A_hat, H)
''',
        "broadcast messages and sum over the sources": '''
def message_passing_dense(H, A_hat):
    return (A_hat[:, :, None] * H[None, :, :]).sum(dim=1)
''',
    },
    "edge_index_from_adjacency": {
        "nonzero() pairs, flipped to [source; target]": '''
def edge_index_from_adjacency(A_hat):
    pairs = A_hat.nonzero()                         # (E, 2): (row = target, column = source)
    edge_index = pairs.flip(1).t().contiguous()
    return edge_index, A_hat[pairs[:, 0], pairs[:, 1]]
''',
        "boolean mask and torch.where": '''
def edge_index_from_adjacency(A_hat):
    mask = A_hat != 0
    target, source = torch.where(mask)
    return torch.stack((source, target)).long(), A_hat[mask]
''',
        "Python loops over the entries": '''
def edge_index_from_adjacency(A_hat):
    sources, targets, weights = [], [], []
    n = A_hat.shape[0]
    for i in range(n):
        for j in range(n):
            if A_hat[i, j] != 0:
                sources.append(j)
                targets.append(i)
                weights.append(float(A_hat[i, j]))
    edge_index = torch.tensor([sources, targets], dtype=torch.int64, device=A_hat.device).reshape(2, -1)
    return edge_index, torch.tensor(weights, dtype=A_hat.dtype, device=A_hat.device)
''',
        "SciPy's COO matrix": '''
def edge_index_from_adjacency(A_hat):
    import scipy.sparse

    coo = scipy.sparse.coo_matrix(A_hat.detach().cpu().numpy())
    edge_index = torch.as_tensor(np.stack([coo.col, coo.row]), dtype=torch.int64, device=A_hat.device)
    return edge_index, torch.as_tensor(coo.data, dtype=A_hat.dtype, device=A_hat.device)
''',
    },
    "message_passing_sparse": {
        "scatter_add_ with an expanded index": '''
def message_passing_sparse(H, edge_index, edge_weight, num_nodes):
    source, target = edge_index[0], edge_index[1]
    messages = H[source] * edge_weight.unsqueeze(-1)
    out = torch.zeros(num_nodes, H.shape[1], dtype=H.dtype, device=H.device)
    return out.scatter_add_(0, target.unsqueeze(-1).expand_as(messages), messages)
''',
        "a sparse COO matrix times H": '''
def message_passing_sparse(H, edge_index, edge_weight, num_nodes):
    source, target = edge_index
    M = torch.sparse_coo_tensor(torch.stack([target, source]), edge_weight, (num_nodes, H.shape[0]))
    return torch.sparse.mm(M, H)
''',
        "index_put_ with accumulate=True": '''
def message_passing_sparse(H, edge_index, edge_weight, num_nodes):
    out = H.new_zeros((num_nodes, H.shape[1]))
    out.index_put_((edge_index[1],), edge_weight[:, None] * H[edge_index[0]], accumulate=True)
    return out
''',
        "a loop over the edges": '''
def message_passing_sparse(H, edge_index, edge_weight, num_nodes):
    out = torch.zeros((num_nodes, H.shape[1]), dtype=H.dtype, device=H.device)
    for e in range(edge_index.shape[1]):
        j, i = int(edge_index[0, e]), int(edge_index[1, e])
        out[i] += edge_weight[e] * H[j]
    return out
''',
    },
    # Recipes: the notebook fixes the signature, float32, the two graph convolutions with Â, the
    # labelled nodes only in the loss, and what is returned; initialisation, optimiser, rate, weight
    # decay, dropout and the number of full-graph steps are free (within the time budget).
    "train_gcn": {
        "nn.Linear layers without bias, dropout 0.5, Adam 0.01": '''
def train_gcn(A, X, labels, train_mask, device, seed, hidden=16, return_embedding=False):
    torch.manual_seed(seed)
    A = A.to(device=device, dtype=torch.float32)
    X = X.to(device=device, dtype=torch.float32)
    labels, train_mask = labels.to(device), train_mask.to(device)
    A_hat = normalized_adjacency(A)
    classes = int(labels[train_mask].max()) + 1
    layer1 = nn.Linear(X.shape[1], hidden, bias=False).to(device)
    layer2 = nn.Linear(hidden, classes, bias=False).to(device)
    optimizer = torch.optim.Adam([*layer1.parameters(), *layer2.parameters()], lr=0.01, weight_decay=5e-4)

    def forward(training):
        h = gcn_layer(F.dropout(X, 0.5, training), A_hat, layer1.weight.T)
        z = gcn_layer(F.dropout(torch.relu(h), 0.5, training), A_hat, layer2.weight.T)
        return h, z

    for _ in range(200):
        _, logits = forward(True)
        loss = F.cross_entropy(logits[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        embedding, logits = forward(False)
    if return_embedding:
        return embedding, logits
    return logits
''',
        "Adam 0.05 without weight decay, 100 steps, randn / sqrt(f) weights": '''
def train_gcn(A, X, labels, train_mask, device, seed, hidden=16, return_embedding=False):
    torch.manual_seed(seed)
    A = torch.as_tensor(A, dtype=torch.float32, device=device)
    X = torch.as_tensor(X, dtype=torch.float32, device=device)
    labels = torch.as_tensor(labels, device=device).long()
    train_mask = torch.as_tensor(train_mask, device=device).bool()
    A_hat = normalized_adjacency(A)
    c = int(labels[train_mask].max().item()) + 1
    W0 = (torch.randn(X.shape[1], hidden, device=device) / X.shape[1] ** 0.5).requires_grad_()
    W1 = (torch.randn(hidden, c, device=device) / hidden ** 0.5).requires_grad_()
    optimizer = torch.optim.Adam([W0, W1], lr=0.05)
    for step in range(100):
        logits = A_hat @ torch.relu(A_hat @ X @ W0) @ W1
        loss = F.cross_entropy(logits[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        embedding = A_hat @ X @ W0
        logits = A_hat @ torch.relu(embedding) @ W1
    return (embedding, logits) if return_embedding else logits
''',
        "SGD with momentum 0.9 at 0.2, 200 steps, an nn.Module": '''
class GCN(nn.Module):
    def __init__(self, f_in, hidden, classes):
        super().__init__()
        self.W0 = nn.Parameter(torch.empty(f_in, hidden))
        self.W1 = nn.Parameter(torch.empty(hidden, classes))
        nn.init.xavier_uniform_(self.W0)
        nn.init.xavier_uniform_(self.W1)

    def forward(self, X, A_hat):
        embedding = gcn_layer(X, A_hat, self.W0)
        return embedding, gcn_layer(F.relu(embedding), A_hat, self.W1)


def train_gcn(A, X, labels, train_mask, device, seed, hidden=16, return_embedding=False):
    torch.manual_seed(seed)
    A_hat = normalized_adjacency(A.float().to(device))
    X, labels, train_mask = X.float().to(device), labels.to(device), train_mask.to(device)
    model = GCN(X.shape[1], hidden, int(labels[train_mask].max()) + 1).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9, weight_decay=5e-4)
    for _ in range(200):
        _, logits = model(X, A_hat)
        loss = F.cross_entropy(logits[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        embedding, logits = model(X, A_hat)
    return (embedding, logits) if return_embedding else logits
''',
            "Adam at 1e-3 (a tenth of the notebook's rate) for 400 steps, weights in a ParameterList": '''
def train_gcn(A, X, labels, train_mask, device, seed, hidden=16, return_embedding=False):
    torch.manual_seed(seed)
    A_hat = normalized_adjacency(torch.as_tensor(A, dtype=torch.float32, device=device))
    X = torch.as_tensor(X, dtype=torch.float32, device=device)
    y = torch.as_tensor(labels, dtype=torch.int64, device=device)
    mask = torch.as_tensor(train_mask, dtype=torch.bool, device=device)
    sizes = [X.shape[1], hidden, int(y[mask].max()) + 1]
    weights = nn.ParameterList([nn.Parameter(torch.empty(a, b, device=device)) for a, b in zip(sizes, sizes[1:])])
    for w in weights:
        nn.init.xavier_uniform_(w)
    optimizer = torch.optim.Adam(weights.parameters(), lr=1e-3, weight_decay=5e-4)
    for _ in range(400):
        logits = gcn_layer(torch.relu(gcn_layer(X, A_hat, weights[0])), A_hat, weights[1])
        loss = F.cross_entropy(logits[mask], y[mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        embedding = gcn_layer(X, A_hat, weights[0])
        logits = gcn_layer(torch.relu(embedding), A_hat, weights[1])
    return (embedding, logits) if return_embedding else logits
''',
    },
}
