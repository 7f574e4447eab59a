"""The tolerance policy: structure, shape, dtype, values; messages that hide the expected values."""
import numpy as np

from autograder.grading.compare import Tolerance, compare, precision_dtype, reduced, tolerance_for, within


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


# --------------------------------------------------------------- tolerance follows dtype (one policy)
# float32's machine epsilon is 2^-23; the policy allows ULPS = 2^7 of them, i.e. 2^-16 relative.
F32_RTOL = 2.0 ** -16  # = 1.52587890625e-05, by hand: 2^7 * 2^-23


def test_the_coarsest_float_of_the_dtypes_sets_the_precision():
    assert precision_dtype(np.float32, np.float64) == np.float32
    assert precision_dtype(np.float64, np.int64, np.bool_) == np.float64  # integers and bools: float64
    assert precision_dtype(np.complex64) == np.float32  # a complex's real part
    assert not reduced(np.float64) and reduced(np.float32) and not reduced(np.int32)


def test_float64_keeps_the_lab_tolerance_and_float32_is_widened_to_its_own_precision():
    lab = Tolerance(rtol=1e-12, atol=0.0)
    assert tolerance_for(lab, np.float64, scale=5.0) is lab
    widened = tolerance_for(lab, np.float32, np.float64, scale=2.0)
    assert widened.rtol == F32_RTOL and widened.atol == 2.0 * F32_RTOL
    loose = Tolerance(rtol=1e-3, atol=1e-2)  # a lab tolerance already coarser than float32 stays as it is
    assert tolerance_for(loose, np.float32, scale=1.0) == loose


def test_a_float32_value_right_to_float32_precision_passes_where_float64_would_fail():
    lab = Tolerance(rtol=1e-12, atol=0.0)
    expected = np.array([1 / 3, 2 / 3, 1.0])
    got32 = expected.astype(np.float32)  # float32(1/3) = 0.3333333432674408: 3.0e-8 relative off, by hand
    assert abs(float(got32[0]) - 1 / 3) / (1 / 3) > 2.9e-8
    assert compare(got32, expected, lab) is None
    assert compare(expected * (1 + 3e-8), expected, lab).startswith("output: 3 of 3 values off")  # float64: strict
    # one value, 2: the bound is atol + rtol |2| = 2^-16 * 2 (scale) + 2^-16 * 2 = 6.10e-5 by hand;
    # 2.5e-5 relative (error 5.0e-5) is inside it, 3.5e-5 relative (error 7.0e-5) is outside it
    two = np.array([2.0])
    assert compare((two * (1 + 2.5e-5)).astype(np.float32), two, lab) is None
    message = compare((two * (1 + 3.5e-5)).astype(np.float32), two, lab)
    # float32(2.00007) = 2.0000701, so the error printed is 7.01e-05
    assert message.startswith("output: 1 of 1 values off, largest error 7.0") \
        and message.endswith("(tolerance for float32 atol 3.1e-05 + rtol 1.5e-05*|expected|)")


def test_a_float32_expected_value_widens_the_comparison_too():
    """A reference that computes in float32 (a torch model) is itself only right to float32 precision."""
    expected32 = np.array([0.1, 0.2], dtype=np.float32)
    assert compare(np.array([0.1, 0.2]), expected32, Tolerance(rtol=1e-12, atol=0.0)) is None


def test_the_absolute_floor_is_relative_to_the_largest_expected_magnitude():
    # 1 + 1e-8 - 1 in float32 is 0 (1e-8 is below float32's resolution at 1): the difference of two nearly
    # equal numbers is right to float32 precision relative to their size, 1, so 0 passes for 1e-8;
    # but 0 for 1e-3 is off by 1e-3 > 2^-16 * 1 and fails.
    expected = np.array([1.0, 1e-8])
    assert compare(np.array([1.0, 0.0], dtype=np.float32), expected, Tolerance(rtol=1e-12, atol=0.0)) is None
    message = compare(np.array([1.0, 0.0], dtype=np.float32), np.array([1.0, 1e-3]), Tolerance(rtol=1e-12, atol=0.0))
    assert message.startswith("output: 1 of 2 values off, largest error 1.00e-03 at index (1,)")


def test_within_is_the_same_rule_for_judges_that_check_values_themselves():
    lab = Tolerance(rtol=1e-12, atol=0.0)
    p = 0.3
    scale32 = np.float32(1) / np.float32(1 - p)  # 1.4285714626312256 vs 1/0.7 = 1.4285714285714286: 2.4e-8 off
    assert abs(float(scale32) - 1 / (1 - p)) > 1e-12
    assert within(np.full(3, scale32), np.full(3, 1 / (1 - p)), lab).all()
    assert not within(np.float64(1 / (1 - p)) * (1 + 1e-9), 1 / (1 - p), lab)
    assert within(np.array([np.nan, np.inf, -np.inf]), np.array([np.nan, np.inf, -np.inf]), lab).all()
    assert not within(np.float64(np.inf), -np.inf, lab)


def test_float16_is_refused_rather_than_graded_at_its_coarse_precision():
    assert compare(np.ones(2, np.float16), np.ones(2)) == \
        "output has dtype float16, which is too coarse to grade: use float32 or float64"
