"""Recurrent networks in PyTorch: the vanilla RNN cell, the LSTM cell, unrolling an LSTM over time,
and a small LSTM forecaster trained on a univariate time series.

Shapes and parameter layout are PyTorch's own (``nn.RNNCell``, ``nn.LSTMCell``, ``nn.LSTM``):

* a batch of inputs ``x`` is ``(N, I)``, hidden and cell states ``h``, ``c`` are ``(N, H)``;
* ``W_ih`` is ``(H, I)`` for the RNN and ``(4H, I)`` for the LSTM, ``W_hh`` is ``(H, H)`` / ``(4H, H)``,
  the biases ``b_ih``, ``b_hh`` are ``(H,)`` / ``(4H,)``; a product ``F.linear(x, W, b) = x Wᵀ + b``;
* the LSTM's four gate blocks are stacked in the order **(i, f, g, o)**: rows ``0:H`` input gate,
  ``H:2H`` forget gate, ``2H:3H`` candidate, ``3H:4H`` output gate;
* sequences are time-major: ``xs`` is ``(T, N, I)`` (``nn.LSTM(batch_first=False)``).

Every function accepts tensors on any device and keeps their dtype (float64 when graded, float32 when
training).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["rnn_cell", "lstm_cell", "lstm_unroll", "make_windows", "train_forecaster"]


def rnn_cell(x, h, W_ih, W_hh, b_ih, b_hh):
    """One step of the vanilla (Elman) RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh).

    x (N, I), h (N, H), W_ih (H, I), W_hh (H, H), b_ih (H,), b_hh (H,)  ->  h' (N, H).
    """
    return torch.tanh(F.linear(x, W_ih, b_ih) + F.linear(h, W_hh, b_hh))


def lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One step of the LSTM, PyTorch's gate order (i, f, g, o).

    a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh  (N, 4H), split into four (N, H) blocks a_i, a_f, a_g, a_o;
    i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o);
    c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c').

    x (N, I), h (N, H), c (N, H), W_ih (4H, I), W_hh (4H, H), b_ih (4H,), b_hh (4H,)
    -> (h' (N, H), c' (N, H)).
    """
    a = F.linear(x, W_ih, b_ih) + F.linear(h, W_hh, b_hh)
    a_i, a_f, a_g, a_o = a.chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.tanh(a_g), torch.sigmoid(a_o)
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new


def lstm_unroll(xs, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """Run the LSTM cell over a time-major sequence, as one layer of ``nn.LSTM(batch_first=False)``.

    (h_t, c_t) = lstm_cell(xs[t], h_{t-1}, c_{t-1}) for t = 0 … T−1, starting from (h0, c0).

    xs (T, N, I), h0 (N, H), c0 (N, H), weights as in :func:`lstm_cell`
    -> (hs (T, N, H) with hs[t] = h_t, (h_T (N, H), c_T (N, H))) where h_T, c_T are the last states.
    """
    h, c = h0, c0
    hs = []
    for x in xs:
        h, c = lstm_cell(x, h, c, W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
    return torch.stack(hs), (h, c)


def make_windows(series, window):
    """All (context, target) pairs of a 1-D series: context = series[t−window : t], target = series[t].

    series (L,) -> contexts (L − window, window), targets (L − window,), for t = window … L−1.
    """
    contexts = series.unfold(0, window, 1)[:-1]
    return contexts, series[window:]


#: The reference forecaster's settings (float32, full-batch Adam; about 1.5 s on one CPU core).
HIDDEN, STEPS, LR = 32, 200, 1e-2


def train_forecaster(series_train, window, device, seed):
    """Train an LSTM that predicts the next value of a series from the ``window`` values before it.

    series_train: float32 tensor (L,), the training part of the series, already standardised.
    Returns ``predict(context)``: a (N, window) float tensor of past values -> (N,) tensor of
    one-step-ahead predictions (on ``device``, no gradient).

    The network reads the window's month-to-month changes d_k = s_{k+1} − s_k, divided by their
    standard deviation on the training part, as a sequence (window − 1, N, 1); a linear layer maps its
    last hidden state to the predicted next change. Predicting the change from the last value keeps
    the inputs in the range seen in training even when the series drifts beyond it (the CO₂ tail lies
    above every training value).
    """
    torch.manual_seed(seed)
    series_train = series_train.to(device=device, dtype=torch.float32)
    contexts, targets = make_windows(series_train, window)
    scale = torch.diff(series_train).std()
    lstm = nn.LSTM(1, HIDDEN).to(device)
    head = nn.Linear(HIDDEN, 1).to(device)

    def forward(context):
        changes = torch.diff(context, dim=1) / scale           # (N, window − 1)
        hs, _ = lstm(changes.T.unsqueeze(-1))                   # (window − 1, N, HIDDEN), time-major
        return context[:, -1] + scale * head(hs[-1]).squeeze(-1)

    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], lr=LR)
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = F.mse_loss(forward(contexts), targets)
        loss.backward()
        optimizer.step()

    def predict(context):
        with torch.no_grad():
            return forward(context.to(device=device, dtype=torch.float32))

    return predict
