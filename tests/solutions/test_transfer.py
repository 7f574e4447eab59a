"""Oracles for solutions/transfer.py (lab 10) and the five-seed check of finetune's tiers."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from solutions.transfer import count_trainable, dann_domain_loss, finetune, freeze, grad_reverse, make_cnn


def test_freeze_sets_flags_returns_module_and_frozen_weights_do_not_move():
    torch.manual_seed(0)
    model = make_cnn(5).double()
    assert freeze(model[:-1]) is not None
    assert all(not p.requires_grad for p in model[:-1].parameters())
    assert all(p.requires_grad for p in model[-1].parameters())
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    loss = F.cross_entropy(model(torch.randn(4, 1, 8, 8, dtype=torch.float64)), torch.tensor([0, 1, 2, 3]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    moved = [not torch.equal(b, p) for b, p in zip(before, model.parameters())]
    assert moved == [False] * 4 + [True] * 2


def test_count_trainable_matches_hand_count():
    model = nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.Linear(7, 3, bias=False))
    assert count_trainable(model) == 5 * 7 + 7 + 2 * 7 + 7 * 3
    freeze(model[0])
    assert count_trainable(model) == 2 * 7 + 7 * 3
    shared = nn.Linear(4, 4)
    assert count_trainable(nn.Sequential(shared, shared)) == 20
    assert count_trainable(freeze(model)) == 0


@pytest.mark.parametrize("shape,lam", [((5,), 1.0), ((3, 4), 0.37), ((2, 3, 4, 5), 2.5), ((), 0.8)])
def test_grad_reverse_is_identity_forward_and_minus_lambda_backward(shape, lam):
    torch.manual_seed(1)
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    g = torch.randn(shape, dtype=torch.float64)
    out = grad_reverse(x, lam)
    torch.testing.assert_close(out, x, rtol=0, atol=0)
    out.backward(g)
    torch.testing.assert_close(x.grad, -lam * g, rtol=1e-12, atol=0)


def test_grad_reverse_composes_with_a_layer():
    torch.manual_seed(2)
    x = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    W = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    torch.tanh(grad_reverse(x, 0.37) @ W.T).sum().backward()
    gx, gW = x.grad.clone(), W.grad.clone()
    x2, W2 = x.detach().clone().requires_grad_(), W.detach().clone().requires_grad_()
    torch.tanh(x2 @ W2.T).sum().backward()
    torch.testing.assert_close(gx, -0.37 * x2.grad)
    torch.testing.assert_close(gW, W2.grad)  # parameters after the reversal are unaffected


@pytest.mark.parametrize("ns,nt", [(8, 8), (5, 12), (1, 3)])
def test_dann_domain_loss_matches_bce_on_the_concatenation(ns, nt):
    torch.manual_seed(ns)
    zs = torch.randn(ns, dtype=torch.float64) * 3
    zt = torch.randn(nt, 1, dtype=torch.float64) * 3
    expected = F.binary_cross_entropy_with_logits(
        torch.cat([zs, zt.reshape(-1)]), torch.cat([torch.zeros(ns), torch.ones(nt)]).double())
    torch.testing.assert_close(dann_domain_loss(zs, zt), expected)
    big = dann_domain_loss(torch.tensor([40.0, -40.0], dtype=torch.float64), torch.tensor([-38.0], dtype=torch.float64))
    torch.testing.assert_close(big, torch.tensor((40.0 + np.log1p(np.exp(-40.0)) * 2 + 38.0) / 3, dtype=torch.float64))


def test_finetune_reference_passes_every_tier_on_five_seeds():
    from autograder.cases import lab10_transfer_learning as cases

    for seed in cases.SEEDS:
        result = cases.run_training(finetune, seed=seed, device="cpu")
        for tier in cases.TIERS:
            assert result["score"] >= tier, f"seed {seed}: accuracy {result['score']:.4f} < tier {tier}"
        assert result["seconds"] <= cases.BUDGET_S
