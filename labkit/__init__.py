"""The student toolkit: what every lab notebook shares.

* :mod:`labkit.checks`  visible checks that say what is wrong ("sigmoid(0) should be 0.5, got 0.25")
* :mod:`labkit.data`    offline datasets (scikit-learn's digits, generated toy problems)
* :mod:`labkit.plots`   plotting helpers (curves, decision boundaries, optimiser paths)
* :mod:`labkit.device`  device choice and seeding for the PyTorch labs

It ships to students with ``release/`` and imports nothing from ``solutions`` or ``autograder``.
"""
__all__ = ["checks", "data", "plots", "device"]
