"""The harness that hidden test cells call: partial credit, robustness, seeding, no stderr."""
import contextlib
import io

import numpy as np
import pytest

from autograder import check
from autograder.grading.cases import Case, Runner, Spec, get_spec
from autograder.grading.judging import run_cases, score
from autograder.grading.seeding import case_rng, case_seed

# A small spec registered under a lab that does not exist in solutions/: its reference is given by
# overriding the property for the test.


class _Spec(Spec):
    ref = None
    test_runner = Runner()

    @property
    def reference(self):
        return self.ref

    @property
    def runner(self):
        return self.test_runner


def _square_cases(rng):
    return [Case(f"random {i}", (rng.normal(size=4),)) for i in range(4)]


SQUARE = _Spec("labtest.square", _square_cases)
SQUARE.ref = lambda x: x * x
TORCHY = _Spec("labtest.torchy", _square_cases)
TORCHY.test_runner = Runner(forbid=("torch",))
TORCHY.ref = lambda x: x * x


def test_partial_credit_is_points_times_fraction_passed():
    def half_right(x):
        return x * x if x[0] > 0 else x  # right on some cases only

    results = run_cases(half_right, SQUARE)
    passed = sum(r.passed for r in results)
    assert 0 < passed < len(results)
    assert score(results, 3) == round(3 * passed / len(results), 4)
    assert isinstance(score(results, 3), float) and type(score(results, 3)) is float


def test_stub_scores_zero_with_a_clear_message():
    def stub(x):
        raise NotImplementedError()

    results = run_cases(stub, SQUARE)
    assert score(results, 2) == 0.0
    assert all("not implemented" in r.message for r in results)


def test_exceptions_prints_and_warnings_stay_out_of_stderr():
    def noisy(x):
        import warnings
        print("debug")
        warnings.warn("careful")
        np.exp(np.array([1000.0]))  # overflow RuntimeWarning
        raise ValueError("boom")

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        results = run_cases(noisy, SQUARE)
    assert err.getvalue() == ""
    assert all(r.message == "raised ValueError: boom" for r in results)


def test_forbidden_module_is_caught_statically_and_at_run_time():
    torch = pytest.importorskip("torch")

    def with_autograd(x):
        t = torch.tensor(x, requires_grad=True)
        return (t * t).detach().numpy()

    assert all("torch" in r.message for r in run_cases(with_autograd, TORCHY))

    hidden = {"mod": torch}

    def sneaky(x):  # reaches torch through a dict, invisible to the static check
        return hidden["mod"].from_numpy(x * x).numpy()

    assert all(r.message and "torch" in r.message for r in run_cases(sneaky, TORCHY))
    assert all(r.passed for r in run_cases(lambda x: x * x, TORCHY))


def test_seeds_are_stable_distinct_and_salted(monkeypatch):
    assert case_seed("lab01_neurons_losses.sigmoid") == case_seed("lab01_neurons_losses.sigmoid")
    assert case_seed("lab01_neurons_losses.sigmoid") != case_seed("lab01_neurons_losses.tanh")
    a = case_rng("x.y").normal(size=3)
    monkeypatch.setenv("DLCOURSE_GRADING_SALT", "another term")
    assert not np.allclose(a, case_rng("x.y").normal(size=3))


def test_check_prints_a_summary_and_returns_a_float(capsys, monkeypatch):
    monkeypatch.setattr("autograder.grading.in_kernel.get_spec", lambda name: {"labtest.square": SQUARE}[name])
    earned = check(lambda x: x * x, "labtest.square", points=2)
    out = capsys.readouterr()
    assert earned == 2.0 and type(earned) is float
    assert "square: 4/4 hidden cases passed, 2 of 2 points" in out.out
    assert out.err == ""


def test_unknown_function_is_a_clear_error():
    with pytest.raises(KeyError, match="no hidden cases"):
        get_spec("lab01_neurons_losses.no_such_function")


def _model_cases(rng):
    return [Case("fit on 50 points", (rng.normal(size=50),), checks=3)]


def _model_judge(got, expected, case):
    assert expected is None  # reference_needed=False: the reference is not run
    from autograder.grading.trained_models import threshold_checks

    return threshold_checks(got["score"], got["seconds"], metric="accuracy", tiers=[0.5, 0.9], budget_s=1.0)


MODEL = _Spec("labtest.model", _model_cases, judge=_model_judge, reference_needed=False)


def test_a_judge_with_several_checks_gives_partial_credit_per_check():
    results = run_cases(lambda x: {"score": 0.7, "seconds": 0.2}, MODEL)
    assert [r.passed for r in results] == [True, False, True]
    assert "held-out accuracy is 0.7" in results[1].message
    assert score(results, 3) == 2.0


def test_a_crashing_model_run_fails_every_check_of_its_case():
    def broken(x):
        raise RuntimeError("shape mismatch")

    results = run_cases(broken, MODEL)
    assert len(results) == 3 and not any(r.passed for r in results)


def test_slow_training_loses_the_budget_check_only():
    results = run_cases(lambda x: {"score": 0.95, "seconds": 5.0}, MODEL)
    assert [r.passed for r in results] == [True, True, False]
    assert "training took 5.0 s" in results[2].message


def test_training_conditions_use_one_thread_and_restore_random_states():
    torch = pytest.importorskip("torch")
    from autograder.kernel.runners.training import training_conditions

    threads = torch.get_num_threads()
    torch.manual_seed(7)
    np.random.seed(7)
    expected_torch, expected_np = torch.rand(3), np.random.rand(3)
    torch.manual_seed(7)
    np.random.seed(7)
    with training_conditions("cpu"):
        assert torch.get_num_threads() == 1
        torch.rand(100)
        np.random.rand(100)  # the student's training draws from the global generators
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.rand(3), expected_torch) and np.array_equal(np.random.rand(3), expected_np)
