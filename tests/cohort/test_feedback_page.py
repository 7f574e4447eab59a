"""The feedback page a student reads (issue 16), opened in a real browser: the summary names the function
each test cell grades, per-case lines wrap instead of being cut off, a test cell's value is not shown as a
bare ``Out: 0.0``, and a cell stopped at its time limit says which limit.

One submission (``sam``: half the reference, one function replaced by a catalogued mistake, one stub
replaced by an endless loop) is graded by ``dlcourse grade`` with a 10 s cell limit and its feedback
written with ``dlcourse feedback``'s code (~1 min). The page's top is kept as
``build/screenshots/feedback_page_top.png`` (the README's picture comes from it).
"""
from __future__ import annotations

import re

import pytest

from autograder.course import notebook_path
from autograder.course.submissions import solution_code
from autograder.grading import catalogue
from tests.browser import SCREENSHOTS, browser  # noqa: F401  (fixture)
from tests.cohort.cohort import LAB, make_course

STUDENT = "sam"
CELL_LIMIT_S = 10
pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("feedback_page")]


def _fills() -> tuple[dict[str, str], str, str]:
    """sam's solution cells, the function given a mistake, and the one that loops."""
    reference = solution_code(LAB)
    names = list(reference)
    done = names[: len(names) // 2]
    fills = {n: reference[n] for n in done}
    wrong = "sigmoid_derivative"  # its mistake gives wrong values on every case (not an exception)
    assert wrong in done
    fills[wrong] = catalogue.mutants(LAB)[wrong]["treats the argument as sigma(x): x(1-x)"].source
    looping = names[-1]
    fills[looping] = "while True:\n    pass\n"
    return fills, wrong, looping


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    """``(page path, {grade cell: (score, max)}, the wrong function, the looping one)``."""
    from autograder.cohort.cluster import ClusterMode, connect
    from autograder.cohort.feedback import write_feedback
    from autograder.cohort.grade import grade_labs
    from autograder.cohort.gradebook import cell_scores

    fills, wrong, looping = _fills()
    root = make_course(tmp_path_factory.mktemp("feedback_page"), {STUDENT: fills})
    client, cluster = connect(ClusterMode("local"), 1)
    try:
        grade_labs(root, [LAB], client=client, progress=False, limit_overrides={"cell_timeout_s": CELL_LIMIT_S})
    finally:
        client.close()
        cluster.close()
    files, withheld = write_feedback(root, LAB, [STUDENT])
    assert not withheld and len(files) == 1, (files, withheld)
    assert notebook_path(root, "autograded", LAB, STUDENT).is_file()
    return files[0], cell_scores(root, LAB, STUDENT), wrong, looping


def test_the_page_names_functions_wraps_lines_hides_bare_values_and_states_the_time_limit(feedback, browser):
    page_path, scores, wrong, looping = feedback
    page = browser.new_page(viewport={"width": 900, "height": 1100})
    errors, outside = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: None if req.url.startswith(("file://", "data:")) else outside.append(req.url))
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise) || null")
        summary = page.locator("#toc li").all_inner_texts()
        overflowing = page.evaluate("""() => [...document.querySelectorAll('div.output_area pre')]
            .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent.slice(0, 80))""")
        bare_values = page.evaluate("""() => [...document.querySelectorAll('.nbgrader_cell')]
            .map(c => c.closest('.cell')).filter(c => c && c.querySelector('.output_execute_result'))
            .map(c => c.querySelector('.nbgrader-label').textContent)""")
        text = page.inner_text("body")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "feedback_page_top.png"))
        page.locator(f"text={wrong}:").first.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "feedback_page_failing_case.png"))
    finally:
        page.close()

    assert not errors, f"console errors: {errors}"
    assert not outside, f"requests beyond the page's own files: {outside}"
    # One summary entry per test cell, each named after the function it grades, with its score.
    tests = {cell: s for cell, s in scores.items() if cell.startswith("test_")}
    assert not [line for line in summary if "Test cell" in line], summary
    for cell, (score, points) in tests.items():
        entry = [line for line in summary if re.search(rf"\b{cell[5:]}\b", line)]
        assert entry and f"(Score: {round(score, 2)} / {round(points, 2)})" in entry[0], (cell, summary)
    # The mistaken function's per-case lines are on the page and none is cut off.
    assert scores[f"test_{wrong}"][0] < scores[f"test_{wrong}"][1]
    assert re.search(rf"{wrong}: \d+/\d+ hidden cases passed", text) and "largest error" in text
    assert overflowing == [], f"output lines cut off at 900 px: {overflowing}"
    assert bare_values == [], f"test cells still show their bare value: {bare_values}"
    # The loop was stopped at the limit, and the page says which one.
    assert f"per-cell limit of {CELL_LIMIT_S} s" in text, "the timed-out cell does not state its limit"
    assert "No reply from kernel before timeout" not in text


def test_plain_nbgraders_timeout_names_the_configured_limit():
    """Plain ``nbgrader autograde`` and ``validate`` read ``nbgrader_config.py``: the same message, its limit."""
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.course import REPO

    c = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    error = c.Execute.error_on_timeout
    assert error["ename"] == "CellTimeoutError"
    assert f"per-cell limit of {c.Execute.timeout} s" in error["evalue"] and error["evalue"] in error["traceback"][0]
