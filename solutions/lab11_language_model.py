"""Lab 11 graded functions (re-exported from the topic module)."""
from solutions.language_model import (build_vocab, decode, encode, make_context_windows, perplexity, sample,
                                      train_mlp_lm)

__all__ = ["build_vocab", "encode", "decode", "make_context_windows", "perplexity", "sample", "train_mlp_lm"]
