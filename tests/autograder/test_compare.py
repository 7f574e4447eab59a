"""The tolerance policy: structure, shape, dtype, values; messages that hide the expected values."""
import numpy as np

from autograder.grading.compare import Tolerance, compare


def test_equal_arrays_pass_and_rounding_noise_passes():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    assert compare(x, x.copy()) is None
    assert compare(x * (1 + 1e-12), x) is None


def test_shape_is_checked_before_values():
    msg = compare(np.zeros((3, 1)), np.zeros(3))
    assert msg == "output has shape (3, 1), expected (3,)"


def test_dtype_kind_is_checked():
    msg = compare(np.zeros(3, dtype=np.int64), np.zeros(3))
    assert "dtype int64" in msg and "floating-point" in msg


def test_value_error_is_sized_and_expected_value_not_shown():
    expected = np.array([0.123456789, 2.0, 3.0])
    got = expected + np.array([0.0, 0.5, 0.0])
    msg = compare(got, expected)
    assert "1 of 3 values off" in msg and "5.00e-01" in msg and "index (1,)" in msg
    assert "0.123" not in msg and "2.0" not in msg.replace("2.0e", "")


def test_tolerance_is_configurable():
    assert compare(np.array([1.001]), np.array([1.0]), Tolerance(rtol=1e-2, atol=0)) is None
    assert compare(np.array([1.001]), np.array([1.0])) is not None


def test_nan_where_finite_expected_fails():
    assert "NaN or inf" in compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))


def test_tuples_are_compared_item_by_item():
    assert compare((np.ones(2), 1.0), (np.ones(2), 1.0)) is None
    assert compare((np.ones(2),), (np.ones(2), 1.0)) == "output should have 2 items, got 1"
    assert compare((np.ones(2), 2.0), (np.ones(2), 1.0)).startswith("output[1]")
    assert "should be a tuple" in compare(np.ones(2), (np.ones(2), 1.0))


def test_none_and_non_arrays_are_reported():
    assert "forget to return" in compare(None, np.ones(2))
    assert compare("hello", np.ones(2)) == "output has shape (), expected (2,)"
    assert "dtype <U5" in compare("hello", np.array(1.0))
    assert "should be an array" in compare([[1.0], [1.0, 2.0]], np.ones(2))


def test_integers_must_match_exactly():
    assert compare(np.array([1, 2]), np.array([1, 2])) is None
    assert "1 of 2 values differ" in compare(np.array([1, 3]), np.array([1, 2]))


def test_torch_tensors_are_compared_like_arrays():
    torch = __import__("pytest").importorskip("torch")
    x = torch.linspace(-1, 1, 6, dtype=torch.float64, requires_grad=True)
    assert compare(x * 2, (x * 2).detach().numpy()) is None
    assert compare((x * 2,), (x.detach() * 2,)) is None
    assert "values off" in compare(x.detach() + 1e-3, x)
    assert compare(x.detach().reshape(2, 3), x) == "output has shape (2, 3), expected (6,)"
