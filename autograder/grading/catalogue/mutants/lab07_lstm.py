"""Plausible student bugs in lab 7 (each value is the full source of a buggy solution cell).

Sources run with np, math, torch, nn, F and the lab's reference names (rnn_cell, lstm_cell,
lstm_unroll, make_windows, train_forecaster) in scope.
"""

_FORECASTER = '''
def train_forecaster(series_train, window, device, seed):
    torch.manual_seed(seed)
    series_train = series_train.to(device=device, dtype=torch.float32)
    contexts, targets = make_windows(series_train, window)
    scale = torch.diff(series_train).std()
    lstm = nn.LSTM(1, 32).to(device)
    head = nn.Linear(32, 1).to(device)

    def forward(context):
        {forward}

    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=1e-2)
    for _ in range({steps}):
        {loop}

    def predict(context):
        with torch.no_grad():
            return forward(context.to(device=device, dtype=torch.float32))

    return predict
'''
_FORWARD = '''changes = torch.diff(context, dim=1) / scale
        hs, _ = lstm(changes.T.unsqueeze(-1))
        return context[:, -1] + scale * head(hs[-1]).squeeze(-1)'''
_LOOP = '''optimizer.zero_grad()
        loss = F.mse_loss(forward(contexts), targets)
        loss.backward()
        optimizer.step()'''


def _forecaster(forward=_FORWARD, steps=200, loop=_LOOP):
    return _FORECASTER.format(forward=forward, steps=steps, loop=loop)


MUTANTS = {
    "rnn_cell": {
        "W_hh not transposed (h @ W_hh)": '''
def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh + b_hh)
''',
        "forgets b_hh": '''
def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T)
''',
        "sigmoid instead of tanh": '''
def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.sigmoid(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
''',
        "no nonlinearity": '''
def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    return x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
''',
        "tanh of the input part only": '''
def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih) + h @ W_hh.T + b_hh
''',
    },
    "lstm_cell": {
        "gate order (i, f, o, g)": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, o, g = a.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
''',
        "gate order (f, i, g, o)": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    f, i, g, o = a.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
''',
        "h' = o * c' (no tanh on the cell state)": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = a.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * c_new, c_new
''',
        "sigmoid for the candidate g": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = torch.sigmoid(a).chunk(4, dim=1)
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new
''',
        "h' from the old cell state (o * tanh(c))": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = a.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c_new
''',
        "coupled gates: c' = f*c + (1 - f)*g": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = a.chunk(4, dim=1)
    f = torch.sigmoid(f)
    c_new = f * c + (1 - f) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new
''',
        "returns (c', h') in the wrong order": '''
def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    a = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    i, f, g, o = a.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return c_new, torch.sigmoid(o) * torch.tanh(c_new)
''',
    },
    "lstm_unroll": {
        "states not carried (h0, c0 at every step)": '''
def lstm_unroll(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    hs = []
    for x in xs:
        h, c = lstm_cell(x, h0, c0, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), (h, c)
''',
        "cell state not carried (c0 at every step)": '''
def lstm_unroll(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, hs = h0, []
    for x in xs:
        h, c = lstm_cell(x, h, c0, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), (h, c)
''',
        "hs starts with h0 (T + 1 states)": '''
def lstm_unroll(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c, hs = h0, c0, [h0]
    for x in xs:
        h, c = lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), (h, c)
''',
        "hs collects the cell states": '''
def lstm_unroll(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c, hs = h0, c0, []
    for x in xs:
        h, c = lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(c)
    return torch.stack(hs), (h, c)
''',
        "batch-first loop (xs[:, t])": '''
def lstm_unroll(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c, hs = h0, c0, []
    for t in range(xs.shape[1]):
        h, c = lstm_cell(xs[:, t], h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), (h, c)
''',
        "returns the first states instead of the last": '''
def lstm_unroll(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    h, c, hs, cs = h0, c0, [], []
    for x in xs:
        h, c = lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
        cs.append(c)
    return torch.stack(hs), (hs[0], cs[0])
''',
    },
    "train_forecaster": {
        "no optimizer.zero_grad() (gradients accumulate)": _forecaster(
            loop='''loss = F.mse_loss(forward(contexts), targets)
        loss.backward()
        optimizer.step()'''),
        "never calls optimizer.step() (no training)": _forecaster(loop='''optimizer.zero_grad()
        loss = F.mse_loss(forward(contexts), targets)
        loss.backward()'''),
        "far too few steps (5)": _forecaster(steps=5),
        "off-by-one target (learns to repeat the last value)": _forecaster(loop='''optimizer.zero_grad()
        loss = F.mse_loss(forward(contexts), contexts[:, -1])
        loss.backward()
        optimizer.step()'''),
        "raw standardised values in and out (cannot follow the trend)": _forecaster(
            forward='''hs, _ = lstm(context.T.unsqueeze(-1))
        return head(hs[-1]).squeeze(-1)'''),
        "returns shape (N, 1)": _forecaster(forward='''changes = torch.diff(context, dim=1) / scale
        hs, _ = lstm(changes.T.unsqueeze(-1))
        return context[:, -1:] + scale * head(hs[-1])'''),
    },
}

# rnn_cell: no other graded function calls it, so only its own test cell may lose points.
NOTEBOOK_SAMPLE = ["rnn_cell:W_hh not transposed (h @ W_hh)"]


#: Per function, for misconception diagnosis (autograder/grading/diagnosis.py): where its mistakes depart
#: from the slides or the notebook (its viva questions are the bank's about it: autograder/viva/questions/lab07_lstm.yaml);
#: then per entry ("function:entry name"): the ones diagnosis cannot name, and equivalences.
NOTES = {
    'rnn_cell': dict(contradicts='lab07_lstm.ipynb § Part 1 — The vanilla RNN cell'),
    'lstm_cell': dict(contradicts='lab07_lstm.ipynb § Part 2 — The LSTM cell'),
    'lstm_unroll': dict(contradicts='lab07_lstm.ipynb § Part 3 — Unrolling the LSTM over a sequence'),
    'train_forecaster': dict(contradicts='lab07_lstm.ipynb § 5.1 Your forecaster', diagnosable=False),
}
