"""The student toolkit: what every lab notebook shares.

* :mod:`labkit.checks`  visible checks that say what is wrong ("sigmoid(0) should be 0.5, got 0.25")
* :mod:`labkit.data`    offline datasets (scikit-learn's digits, generated toy problems)
* :mod:`labkit.plots`   plotting helpers (curves, decision boundaries, optimiser paths)
* :mod:`labkit.device`  device choice and seeding for the PyTorch labs
* :mod:`labkit.errors`  how a failed check and a stub look in the notebook (imported here, so that
  importing labkit in a notebook makes a stub name the function to write)

It ships to students with ``release/`` and imports nothing from ``solutions`` or ``autograder``.
"""
__all__ = ["checks", "data", "plots", "device"]

from labkit import errors as _errors

_errors.install()
