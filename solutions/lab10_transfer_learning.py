"""Lab 10 graded functions (re-exported from the topic module)."""
from solutions.transfer import count_trainable, dann_domain_loss, finetune, freeze, grad_reverse

__all__ = ["freeze", "count_trainable", "grad_reverse", "dann_domain_loss", "finetune"]
