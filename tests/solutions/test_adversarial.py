"""Lab 13 references against independent oracles, and the robust CNN against its grading tiers.

Oracles: the input gradient written out with autograd (``loss.backward()`` on a leaf copy of x) and,
for a linear softmax model, by hand (∇_x CE = Wᵀ(softmax(Wx + b) − onehot(y)) / N); PGD against a
loop written independently from the definition (clamp(x + δ) with δ kept in [−eps, eps]); the
adversarial training loss and its parameter gradients by hand with autograd. The grader attacks the
trained CNN itself from the parameters the kernel reports: a report is scored as the model it came
from, and reported parameters that are not digits_cnn()'s, or do not give the reported predictions,
fail the accuracy checks with a message.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.grading.cases import lab13_adversarial as cases
from autograder.kernel.runners import lab13_adversarial as runner
from autograder.kernel.runners.training import digits_images
from solutions.adversarial import adversarial_training_loss, fgsm, pgd, train_robust_cnn
from solutions.cnn_models import digits_cnn, train_cnn

D = torch.float64


def _model(seed=0, kind="mlp"):
    rng = np.random.default_rng(seed)
    return runner.build_model(cases._model_arrays(rng, kind), device=torch.device("cpu"))


def _data(seed=0, n=6):
    rng = np.random.default_rng(seed + 100)
    return torch.as_tensor(cases._images(rng, n), dtype=D), torch.as_tensor(rng.integers(0, 10, n))


def _grad_by_backward(model, x, y):
    xl = x.clone().requires_grad_(True)
    F.cross_entropy(model(xl), y).backward()
    return xl.grad


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("eps", [0.0, 0.05, 0.3, 1.0])
def test_fgsm_against_autograd_written_out(kind, eps):
    model, (x, y) = _model(1, kind), _data(1)
    expected = torch.clamp(x + eps * torch.sign(_grad_by_backward(model, x, y)), 0, 1)
    model.zero_grad(set_to_none=True)
    got = fgsm(model, x, y, eps)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-15)
    assert not got.requires_grad
    assert all(p.grad is None for p in model.parameters()), "fgsm must not leave parameter gradients"
    assert not model.training
    model.train()
    fgsm(model, x, y, eps)
    assert model.training, "fgsm must not change the model's mode"


def test_fgsm_linear_model_by_hand():
    torch.manual_seed(0)
    lin = nn.Linear(64, 10).double()
    model = nn.Sequential(nn.Flatten(), lin)
    x, y = _data(2, 5)
    p = torch.softmax(x.reshape(5, 64) @ lin.weight.detach().T + lin.bias.detach(), dim=1)
    grad = ((p - F.one_hot(y, 10).double()) @ lin.weight.detach() / 5).reshape(x.shape)
    torch.testing.assert_close(fgsm(model, x, y, 0.1), (x + 0.1 * grad.sign()).clamp(0, 1))


def test_fgsm_raises_the_loss_and_stays_in_the_box():
    model, (x, y) = _model(3), _data(3, 20)
    x_adv = fgsm(model, x, y, 0.1)
    assert (x_adv - x).abs().max() <= 0.1 + 1e-12 and x_adv.min() >= 0 and x_adv.max() <= 1
    assert F.cross_entropy(model(x_adv), y) > F.cross_entropy(model(x), y)


def _pgd_independent(model, x, y, eps, alpha, steps, seed):
    g = torch.Generator().manual_seed(seed)
    delta = torch.rand(x.shape, generator=g, dtype=x.dtype) * 2 * eps - eps
    delta = torch.clamp(x + delta, 0, 1) - x
    for _ in range(steps):
        grad = _grad_by_backward(model, x + delta, y)
        delta = torch.clamp(delta + alpha * torch.sign(grad), -eps, eps)
        delta = torch.clamp(x + delta, 0, 1) - x
    return x + delta


@pytest.mark.parametrize("eps,alpha,steps", [(0.1, 0.03, 5), (0.05, 0.2, 3), (0.5, 0.2, 4), (0.2, 0.05, 0)])
def test_pgd_against_an_independent_loop(eps, alpha, steps):
    model, (x, y) = _model(4, "cnn"), _data(4)
    expected = _pgd_independent(model, x, y, eps, alpha, steps, 7)
    model.zero_grad(set_to_none=True)
    got = pgd(model, x, y, eps, alpha, steps, torch.Generator().manual_seed(7))
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)
    assert (got - x).abs().max() <= eps + 1e-12 and got.min() >= 0 and got.max() <= 1
    assert all(p.grad is None for p in model.parameters())


def test_pgd_is_at_least_as_strong_as_fgsm():
    model, (x, y) = _model(5), _data(5)
    x_pgd = pgd(model, x, y, 0.1, 0.025, 10, torch.Generator().manual_seed(0))
    assert F.cross_entropy(model(x_pgd), y) >= F.cross_entropy(model(fgsm(model, x, y, 0.1)), y) - 1e-9


def test_adversarial_training_loss_by_hand():
    model, (x, y) = _model(6, "cnn"), _data(6)
    x_adv = (x + 0.2 * _grad_by_backward(model, x, y).sign()).clamp(0, 1).detach()
    model.zero_grad(set_to_none=True)
    expected = 0.5 * F.cross_entropy(model(x), y) + 0.5 * F.cross_entropy(model(x_adv), y)
    expected_grads = torch.autograd.grad(expected, list(model.parameters()))
    got = adversarial_training_loss(model, x, y, 0.2)
    torch.testing.assert_close(got, expected)
    for g, e in zip(torch.autograd.grad(got, list(model.parameters())), expected_grads):
        torch.testing.assert_close(g, e)
    clean = F.cross_entropy(model(x), y)
    torch.testing.assert_close(adversarial_training_loss(model, x, y, 0.0), clean)


# ------------------------------------------------------------------------- the robust CNN
@pytest.mark.parametrize("seed", cases.SEEDS)
def test_reference_training_passes_every_tier(seed):
    """The five runs that set the tiers (autograder/grading/cases/lab13_adversarial.py): each passes both tiers."""
    result = cases.run_training(train_robust_cnn, seed=seed, device=torch.device("cpu"))
    for tier in cases.TIERS:
        assert result["score"] >= tier, f"seed {seed}: FGSM accuracy {result['score']:.4f} < tier {tier}"


def test_standard_training_fails_both_tiers_and_adam_at_a_tenth_of_the_rate_passes():
    """The family the tiers were set from: a standard CNN (lab 6's recipe) fails both; Adam at 1e-3 for
    40 epochs (a catalogue variant) passes both (bench/trained_tiers.py runs five seeds of each)."""
    from tests.autograder.grading_paths import variant

    standard = cases.run_training(lambda X, y, eps, device, seed: train_cnn(X, y, device, seed), seed=0,
                                  device=torch.device("cpu"))
    assert standard["score"] < cases.TIERS[0]
    name = "Adam at 1e-3, 40 epochs (a tenth of the rate needs more steps)"
    adam = variant("lab13_adversarial", "train_robust_cnn", name)
    result = cases.run_training(adam, seed=0, device=torch.device("cpu"))
    assert result["score"] >= cases.TIERS[-1] and result["seconds"] <= cases.BUDGET_S


# ------------------------------------------------------- the grader's attack on a reported model
def _spread_cnn(seed=0, activation=nn.ReLU):
    """An untrained digits_cnn() (or the same layers with another activation) whose weights are
    scaled up so that its predictions of the held-out digits vary."""
    torch.manual_seed(seed)
    model = digits_cnn() if activation is nn.ReLU else nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), activation(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), activation(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)
    return model.eval()


def _judge(got):
    from autograder.grading.cases import get_spec
    from autograder.grading.judging import judge_case

    spec = get_spec("lab13_adversarial.train_robust_cnn")
    case = spec.cases(np.random.default_rng(0))[0]
    results = judge_case(spec, case, None, got, None)
    assert len(results) == case.checks
    return results


def test_the_grader_attacks_the_reported_model_with_the_reference_fgsm():
    model = _spread_cnn()
    got = {**runner.trained_model_report(model, torch.device("cpu")), "seconds": 0.5}
    assert set(got) == {"parameters", "clean", "seconds"} and "x_adv" not in got
    X, y = (torch.as_tensor(a) for a in digits_images("held-out"))
    x_adv = fgsm(model, X, y, cases.EPS)
    with torch.no_grad():
        clean = (model(X).argmax(dim=1) == y).float().mean().item()
        robust = (model(x_adv).argmax(dim=1) == y).float().mean().item()
    scores = cases.robust_score(got)
    assert scores == {"robust": robust, "clean": clean, "problem": None}
    results = _judge(got)
    assert results[-1].passed and not any(r.passed for r in results[:-1])   # an untrained CNN reaches no tier
    assert all(f"{robust:.4g}" in r.message for r in results[:-1])


def test_reported_parameters_that_are_not_digits_cnn_fail_the_accuracy_checks_with_a_message():
    good = {**runner.trained_model_report(_spread_cnn(), torch.device("cpu")), "seconds": 0.5}
    params = good["parameters"]
    other = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    forged = {
        "another architecture": runner.trained_model_report(other, torch.device("cpu"))["parameters"],
        "a parameter missing": {k: v for k, v in params.items() if k != "7.bias"},
        "a parameter of another shape": {**params, "7.weight": params["7.weight"][:, :10]},
        "integer parameters": {**params, "0.weight": params["0.weight"].astype(np.int64)},
        "NaN parameters": {**params, "3.bias": np.full_like(params["3.bias"], np.nan)},
    }
    for what, parameters in forged.items():
        results = _judge({**good, "parameters": parameters})
        assert [r.passed for r in results] == [False, False, True], what        # the time budget still counts
        assert all(r.message and "could not be checked" not in r.message for r in results[:-1]), what
    # the same layers with another activation: the parameters load, the predictions give it away
    tanh = runner.trained_model_report(_spread_cnn(activation=nn.Tanh), torch.device("cpu"))
    results = _judge({**good, **tanh})
    assert [r.passed for r in results] == [False, False, True]
    assert "do not predict what the returned model predicted" in results[0].message
    shuffled = {**good, "clean": np.roll(good["clean"], 1)}
    assert "do not predict" in _judge(shuffled)[0].message


def test_a_malformed_parameter_report_fails_every_check():
    good = {**runner.trained_model_report(_spread_cnn(), torch.device("cpu")), "seconds": 0.5}
    for parameters in (None, [1.0, 2.0], {"0.weight": [[1.0]]}, {1: np.zeros(3)}):
        results = _judge({**good, "parameters": parameters})
        assert not any(r.passed for r in results), parameters
        assert all(r.message and len(r.message) <= 300 for r in results)
