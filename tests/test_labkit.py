"""The student toolkit: visible checks say what is wrong; data is deterministic and offline."""
import numpy as np
import pytest

from labkit import checks, data


def test_expect_close_names_expression_expected_and_got():
    with pytest.raises(AssertionError, match=r"^sigmoid_derivative\(0\) should be 0.25, got 0.5$"):
        checks.expect_close(0.5, 0.25, "sigmoid_derivative(0)")
    checks.expect_close(0.25 + 1e-12, 0.25, "x")


def test_expect_close_reports_shape_and_none():
    with pytest.raises(AssertionError, match=r"should have shape \(3,\), got \(3, 1\)"):
        checks.expect_close(np.zeros((3, 1)), np.zeros(3), "softmax(y)")
    with pytest.raises(AssertionError, match="returned None: did you forget `return`"):
        checks.expect_close(None, 1.0, "f(1)")


def test_expect_equal_and_shape():
    checks.expect_equal((2, 3), (2, 3), "shape")
    with pytest.raises(AssertionError, match="one_hot.* should be"):
        checks.expect_equal(np.array([0, 1]), np.array([1, 0]), "one_hot([1])")
    with pytest.raises(AssertionError, match=r"W should have shape \(2, 3\), got \(3, 2\)"):
        checks.expect_shape(np.zeros((3, 2)), (2, 3), "W")


def test_datasets_are_deterministic_and_shaped():
    X1, y1 = data.elephants_and_dogs(100, separable=True, seed=3)
    X2, y2 = data.elephants_and_dogs(100, separable=True, seed=3)
    assert X1.shape == (100, 2) and y1.shape == (100,) and np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert set(np.unique(y1)) == {0, 1}
    Xs, ys = data.two_spirals(300, seed=1)
    assert Xs.shape == (300, 2) and np.bincount(ys).tolist() == [150, 150]
    Xd, yd = data.load_digits()
    assert Xd.shape == (1797, 64) and Xd.min() >= 0 and Xd.max() <= 1 and yd.max() == 9


def test_separable_toy_data_is_separable_by_weight():
    X, y = data.elephants_and_dogs(400, separable=True, seed=0)
    assert X[y == 0, 1].max() < X[y == 1, 1].min()
    Xn, yn = data.elephants_and_dogs(400, separable=False, seed=0)
    assert Xn[yn == 0, 1].max() > Xn[yn == 1, 1].min()


def test_train_val_split_partitions():
    X = np.arange(50).reshape(25, 2)
    y = np.arange(25)
    Xtr, Xva, ytr, yva = data.train_val_split(X, y, 0.2, seed=0)
    assert len(yva) == 5 and sorted(np.concatenate([ytr, yva]).tolist()) == list(range(25))
    with pytest.raises(ValueError):
        data.train_val_split(X, y, 1.5)


def test_digits_splits_are_disjoint_and_leave_the_held_out_set_out():
    from autograder.kernel.runners.training import digits_held_out

    Xtr, ytr = data.digits_split("train")
    Xva, yva = data.digits_split("val")
    Xte, yte = digits_held_out()
    assert (len(ytr), len(yva), len(yte)) == (1000, 397, 400)
    rows = {row.tobytes() for row in Xtr} | {row.tobytes() for row in Xva}
    assert sum(row.tobytes() in rows for row in Xte) <= 5  # digits has a few exact duplicate images
    with pytest.raises(ValueError):
        data.digits_split("test")


def test_require_passed_fails_validation_until_the_visible_checks_pass(monkeypatch):
    monkeypatch.setattr(checks, "_PASSED", set())
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with pytest.raises(AssertionError, match="visible checks of sigmoid have not passed"):
        checks.require_passed("sigmoid")
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(AssertionError):
        checks.require_passed("sigmoid")
    checks.passed("sigmoid")
    checks.require_passed("sigmoid")


def test_require_passed_never_fails_while_autograding(monkeypatch):
    monkeypatch.setattr(checks, "_PASSED", set())
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    checks.require_passed("tanh")  # partial credit comes from the hidden cases, not from this line
