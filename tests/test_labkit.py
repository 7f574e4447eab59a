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


def test_a_failed_check_renders_as_its_message_alone():
    """IPython shows ``_render_traceback_``'s lines instead of a traceback: one line, the message."""
    with pytest.raises(AssertionError) as info:  # still an AssertionError: the cell errors, validate fails
        checks.expect_close(0.5, 0.25, "sigmoid_derivative(0)")
    assert isinstance(info.value, checks.CheckFailed)
    assert info.value._render_traceback_() == [
        "\x1b[0;31mCheckFailed\x1b[0m: sigmoid_derivative(0) should be 0.25, got 0.5"]


def test_importing_labkit_outside_ipython_registers_nothing():
    from labkit import errors

    assert errors.install() is False  # plain Python (pytest): no shell to register in


# Cells run after the first cells of a released notebook (imports, the first stub and its check):
# each case of the stub and check displays in one kernel.
_EXTRA_CELLS = [
    "expect_close(np.array([1.0, 2.0]), [1.5, 2.0], 'linear_neuron(X, w, b)')",   # a failed check
    "from labkit.checks import require_passed\nrequire_passed('linear_neuron')",   # the graded cell's gate
    "class EarlyStopping:\n    def step(self, loss):\n        # YOUR CODE HERE\n        raise NotImplementedError()\n"
    "EarlyStopping().step(1.0)",                                                   # a method's stub
    "# YOUR CODE HERE\nraise NotImplementedError()",                               # a stub at a cell's top level
    "raise NotImplementedError('float16 is not supported')",                       # not a stub: usual traceback
    "import numbers\nnumbers.Complex.__abs__(1)",                             # raised in a library: usual traceback
]


@pytest.mark.notebook
def test_stubs_and_failed_checks_show_one_line_in_a_real_kernel(tmp_path):
    """Run all on a released notebook stops at the first check cell with a message naming the stub's
    function; failed checks are their message; every one of them is an error for Jupyter."""
    import nbclient
    import nbformat
    from nbformat.v4 import new_code_cell

    from autograder.course import RELEASE

    lab = "lab01_neurons_losses"
    nb = nbformat.read(RELEASE / lab / f"{lab}.ipynb", as_version=4)
    first_check = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "check_linear_neuron")
    nb.cells = nb.cells[:first_check + 1] + [new_code_cell(src) for src in _EXTRA_CELLS]
    replies = {}
    client = nbclient.NotebookClient(nb, allow_errors=True, timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}},
                                     on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(
                                         cell_index, execute_reply["content"]["status"]))
    client.execute()
    errors = [(i, out) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for out in c.outputs if out.output_type == "error"]
    assert [i for i, _ in errors] == list(range(first_check, len(nb.cells))), "the imports and definition ran clean"
    assert all(replies[i] == "error" for i, _ in errors)  # Run all stops there; nbgrader validate counts them
    texts = ["\n".join(out.traceback) for _, out in errors]
    stub, failed, gate, method, top_level, other, library = texts
    short = texts[:5]
    for text in short:
        assert "/work/" not in text and "site-packages" not in text and "labkit" not in text, text
    assert all(len(out.traceback) == 1 for _, out in errors[:5]), [out.traceback for _, out in errors[:5]]
    assert "`linear_neuron` is not written yet" in stub and "raise NotImplementedError()" in stub
    assert errors[0][1].ename == "NotImplementedError"
    assert failed.endswith("CheckFailed\x1b[0m: linear_neuron(X, w, b) should be [1.5 2. ], got [1. 2.]")
    assert "visible checks of linear_neuron have not passed yet" in gate
    assert "`EarlyStopping.step` is not written yet" in method
    assert "this cell is not written yet" in top_level
    assert all("Traceback" not in t for t in short)
    assert "Traceback" in other and "float16 is not supported" in other  # IPython's usual display
    assert "Traceback" in library and "numbers.py" in library
