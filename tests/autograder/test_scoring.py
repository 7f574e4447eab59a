"""Scoring outside the kernel: a test cell earns what its reported outputs get right on the run's cases."""
import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.kernel import reports
from autograder.kernel.harness import build_report
from autograder.kernel.runners import decode_cases
from autograder.grading.scoring import check_calls, run_cases_file, score_cell, score_notebook

QUALNAME = "lab01_neurons_losses.sigmoid"
SEED = 20261128
SOURCE = ('# Hidden tests of `sigmoid` (2 points) run when your notebook is graded.\n'
          '### BEGIN HIDDEN TESTS\nfrom autograder import check\n'
          f'check(sigmoid, "{QUALNAME}", points=2)\n### END HIDDEN TESTS')


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _test_cell(outputs=()):
    cell = new_code_cell(SOURCE, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "test_sigmoid",
                                 "points": 2, "schema_version": 3}
    return cell


def _report_output(payload):
    return new_output("display_data", data={reports.MIME: payload, "text/plain": "sent"})


def _report(fn, seed=SEED):
    """What a kernel reports: ``fn`` on the cases the grading process wrote for the run of ``seed``."""
    cases = decode_cases(run_cases_file("lab01_neurons_losses", seed), QUALNAME)
    return build_report(fn, QUALNAME, cases, {})


def test_a_correct_report_earns_full_points_and_the_outputs_are_the_graders():
    cell = _test_cell([_report_output(_report(sigmoid)), new_output("stream", name="stdout", text="student text\n")])
    assert score_cell(cell, SEED) == 2.0
    assert [o.output_type for o in cell.outputs] == ["stream", "execute_result"]
    assert cell.outputs[1].data["text/plain"] == "2.0"
    assert "student text" not in cell.outputs[0].text
    assert "sigmoid:" in cell.outputs[0].text and "2 of 2 points" in cell.outputs[0].text


def test_a_partly_wrong_function_gets_partial_credit_from_the_reference_comparison():
    half = lambda x: sigmoid(x) if np.ndim(x) < 3 else np.full(np.shape(x), 0.5)  # noqa: E731 - wrong in 3-D
    cell = _test_cell([_report_output(_report(half))])
    earned = score_cell(cell, SEED)
    assert 0 < earned < 2
    assert "  - case '" in cell.outputs[0].text  # the failed cases are named, by the grader


def test_outputs_for_cases_drawn_from_another_seed_do_not_pass_as_this_runs():
    honest = _report(sigmoid, seed=SEED + 1)  # right answers, but to inputs of another run
    cell = _test_cell([_report_output(honest)])
    assert score_cell(cell, SEED) < 2


def test_a_cell_without_report_earns_zero_whatever_the_kernel_printed():
    forged = new_output("execute_result", data={"text/plain": "2.0"}, execution_count=3)
    error = new_output("error", ename="NameError", evalue="name 'sigmoid' is not defined", traceback=[])
    cell = _test_cell([forged, error])
    assert score_cell(cell, SEED) == 0.0
    text = cell.outputs[0].text
    assert "no outputs were reported" in text and "NameError" in text
    assert cell.outputs[1].data["text/plain"] == "0.0"


def test_a_report_for_another_function_or_with_a_broken_layout_earns_zero():
    other = {**_report(sigmoid), "qualname": "lab01_neurons_losses.tanh"}
    assert score_cell(_test_cell([_report_output(other)]), SEED) == 0.0
    broken = {**_report(sigmoid), "cases": "not a list"}
    cell = _test_cell([_report_output(broken)])
    assert score_cell(cell, SEED) == 0.0
    assert "could not be read" in cell.outputs[0].text


def test_one_malformed_output_among_good_ones_fails_only_its_own_case():
    payload = _report(sigmoid)
    n = len(payload["cases"])
    bad = payload["cases"][1]
    bad["output"] = {"__array__": "%%% not base64"}
    cell = _test_cell([_report_output(payload)])
    assert score_cell(cell, SEED) == pytest.approx(round(2 * (n - 1) / n, 4))
    text = cell.outputs[0].text
    assert f"{n - 1}/{n} hidden cases passed" in text
    assert f"case '{bad['case']}': the reported output could not be read (unreadable array" in text


def test_a_report_missing_cases_fails_exactly_those():
    payload = _report(sigmoid)
    n = len(payload["cases"])
    payload["cases"] = payload["cases"][: n - 2]
    assert score_cell(_test_cell([_report_output(payload)]), SEED) == pytest.approx(round(2 * (n - 2) / n, 4))


def test_an_unimplemented_stub_is_reported_as_such():
    def stub(x):
        raise NotImplementedError

    cell = _test_cell([_report_output(_report(stub))])
    assert score_cell(cell, SEED) == 0.0
    assert "not implemented yet" in cell.outputs[0].text


def test_check_calls_reads_qualname_and_points_in_either_form():
    src = 'x = 1\ncheck(f, "lab.f", points=2)\ncheck(g, "lab.g", 0.5, helper=h)\nprint(check)\n'
    assert [(c.qualname, c.points) for c in check_calls(src)] == [("lab.f", 2.0), ("lab.g", 0.5)]
    assert check_calls("check(f, name, points=2)") == []  # not a literal: not a graded call
    assert check_calls("def (") == []


def test_score_notebook_scores_test_cells_only():
    solution = new_code_cell("def sigmoid(x): ...", outputs=[new_output("stream", name="stdout", text="hi\n")])
    solution.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": "sigmoid", "schema_version": 3}
    nb = new_notebook(cells=[solution, _test_cell([_report_output(_report(sigmoid))])])
    assert score_notebook(nb, SEED) == {"test_sigmoid": 2.0}
    assert nb.cells[0].outputs[0].text == "hi\n"
    nbformat.validate(nb)


def test_the_cases_file_holds_every_graded_function_of_the_lab_as_data_and_differs_per_run():
    import json

    from autograder.grading.cases import specs_for_lab

    data = run_cases_file("lab01_neurons_losses", SEED)
    functions = json.loads(data)["functions"]
    assert set(functions) == {s.qualname for s in specs_for_lab("lab01_neurons_losses")}
    assert "__object__" not in data.decode()
    other = decode_cases(run_cases_file("lab01_neurons_losses", SEED + 1), QUALNAME)
    same = decode_cases(data, QUALNAME)
    assert [c.name for c in other] == [c.name for c in same]
    differ = [not np.array_equal(np.asarray(a.args[0]), np.asarray(b.args[0])) for a, b in zip(same, other)]
    assert all(differ)
