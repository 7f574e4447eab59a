"""Lab 7 graded functions (re-exported from the topic module).

``make_windows`` is not graded: the notebook gives it (a read-only cell) and ``train_forecaster``
uses it, so it is exported here too for the mutants, whose namespace is this module's public names.
"""
from solutions.recurrent import lstm_cell, lstm_unroll, make_windows, rnn_cell, train_forecaster

__all__ = ["rnn_cell", "lstm_cell", "lstm_unroll", "train_forecaster"]
