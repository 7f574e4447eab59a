"""Lab 13's stated outcomes, on the reference (solutions/adversarial.py), seeds 0 and 1, CPU.

What the text of source/lab13_adversarial/lab13_adversarial.ipynb says Experiment 1 shows: PGD-10's
accuracy curve lies below (or on) FGSM's for both networks; the network trained on FGSM at ε = 0.1 keeps
much more accuracy under FGSM near that ε than the standard one, and degrades too far beyond it; its
clean accuracy comes within a point of the standard network's (not always lower). And the L2 norm of an
L∞ perturbation of 64 pixels at ε = 0.1 is at most 0.1 · √64 = 0.8.
"""
import pytest
import torch

from labkit.data import digits_split
from solutions.adversarial import fgsm, pgd, train_robust_cnn

EPSILONS = (0.0, 0.05, 0.1, 0.2, 0.3)


def _tensors(part):
    X, y = digits_split(part, flatten=False)
    return torch.as_tensor(X, dtype=torch.float32).reshape(-1, 1, 8, 8), torch.as_tensor(y, dtype=torch.int64)


def _accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


@pytest.fixture(scope="module")
def curves():
    """{(seed, "standard" | "robust", "FGSM" | "PGD"): [accuracy at each of EPSILONS]} on the validation digits."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        (X, y), (Xv, yv) = _tensors("train"), _tensors("val")
        out = {}
        for seed in (0, 1):
            for name, eps in (("standard", 0.0), ("robust", 0.1)):
                model = train_robust_cnn(X, y, eps, torch.device("cpu"), seed)
                out[seed, name, "FGSM"] = [_accuracy(model, fgsm(model, Xv, yv, e), yv) for e in EPSILONS]
                out[seed, name, "PGD"] = [_accuracy(model, pgd(model, Xv, yv, e, e / 4, 10, torch.Generator().manual_seed(0)), yv)
                                          for e in EPSILONS]
        return out
    finally:
        torch.set_num_threads(saved)


@pytest.mark.parametrize("seed", [0, 1])
def test_pgd_is_the_stronger_attack_for_both_networks(curves, seed):
    for name in ("standard", "robust"):
        fgsm_acc, pgd_acc = curves[seed, name, "FGSM"], curves[seed, name, "PGD"]
        assert all(p <= f + 1e-9 for p, f in zip(pgd_acc, fgsm_acc)), f"seed {seed} {name}: FGSM {fgsm_acc}, PGD {pgd_acc}"
        assert pgd_acc[2] < fgsm_acc[2] - 0.03, f"seed {seed} {name}: no gap at eps 0.1"


@pytest.mark.parametrize("seed", [0, 1])
def test_the_robust_network_holds_near_its_budget_degrades_beyond_and_loses_little_clean_accuracy(curves, seed):
    std, rob = curves[seed, "standard", "FGSM"], curves[seed, "robust", "FGSM"]
    assert rob[2] > std[2] + 0.15, f"seed {seed}: under FGSM at 0.1 robust {rob[2]:.3f}, standard {std[2]:.3f}"
    assert rob[2] >= 0.70 and std[2] <= 0.55
    assert rob[4] < 0.1 and curves[seed, "robust", "PGD"][3] < 0.5 * rob[0], f"seed {seed}: it does not degrade {rob}"
    assert abs(rob[0] - std[0]) <= 0.01, f"seed {seed}: clean accuracy robust {rob[0]:.3f}, standard {std[0]:.3f}"


def test_an_l_infinity_perturbation_of_64_pixels_has_l2_norm_at_most_eight_tenths():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    x = torch.rand(50, 1, 8, 8)
    delta = (fgsm(model, x, torch.randint(0, 10, (50,)), 0.1) - x).flatten(1)
    assert float(delta.abs().max()) <= 0.1 + 1e-6
    assert float(delta.norm(dim=1).max()) <= 0.1 * 64 ** 0.5 + 1e-6   # = 0.8, reached when no pixel is clamped
    assert float(torch.full((64,), 0.1).norm()) == pytest.approx(0.8)
