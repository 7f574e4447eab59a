"""`dlcourse grade --scheduler` on a real Dask cluster: a scheduler and two workers, each its own process.

One lab 1 cohort (the clean students of tests/cohort/cohort.py and one student per bad case) is graded
through the cluster; the clean students alone are graded by plain serial `nbgrader autograde` in
another course. The clean students' grades must be identical, every bad case gets a score and a
reason, and the report and feedback commands work on the result.
"""
from __future__ import annotations

import csv
import html
import json
import re
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.grading.cases import get_spec
from autograder.course import REPO, nbgrader
from autograder.cohort.gradebook import cell_scores
from autograder.grading.judging import run_cases, score
from autograder.grading.seeding import run_seed
from autograder.grading import catalogue
from tests.cohort.cohort import (BAD, CELL_TIMEOUT_S, CLEAN, DELETED_CELL, LAB, MEMORY_MIB, STARTUP_S, bad_fills,
                               clean_fills, make_course)

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("bulk_cluster")]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def scheduler(tls_cluster):
    """``tls://127.0.0.1:PORT`` of the session's TLS scheduler with two single-threaded workers (conftest)."""
    return tls_cluster.address


@pytest.fixture(scope="module")
def cluster_flags(tls_cluster):
    return ["--scheduler", tls_cluster.address, "--cluster-dir", str(tls_cluster.credentials)]


@pytest.fixture(scope="module")
def courses(tmp_path_factory, cluster_flags):
    """``(parallel course, serial course, dlcourse grade's stdout)``, both graded."""
    serial = make_course(tmp_path_factory.mktemp("serial"), clean_fills())
    nbgrader("autograde", LAB, f"--Execute.timeout={CELL_TIMEOUT_S}", root=serial)

    parallel = make_course(tmp_path_factory.mktemp("parallel"), {**clean_fills(), **bad_fills()})
    proc = subprocess.run(
        [str(BIN / "dlcourse"), "grade", LAB, "--course", str(parallel), *cluster_flags, "--no-progress",
         "--cell-timeout-s", str(CELL_TIMEOUT_S), "--startup-s", str(STARTUP_S), "--memory-mib", str(MEMORY_MIB),
         "--output-bytes", "100000"],
        capture_output=True, text=True, timeout=900, env=dict(os.environ, COLUMNS="200"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return parallel, serial, proc.stdout


def _record(course, student):
    return json.loads((course / ".dlcourse" / f"{LAB}.json").read_text())[student]


def _in_process_score(student: str, function: str, points: float, seed: int) -> float:
    """The harness's own in-process verdict (no kernel) on the cases of ``seed``."""
    namespace = {"np": np}
    for code in clean_fills()[student].values():
        exec(code, namespace)  # noqa: S102 - the test's own generated submission
    return score(run_cases(namespace[function], get_spec(f"{LAB}.{function}"), seed=seed), points)


def test_clean_students_get_the_grades_of_serial_nbgrader(courses):
    """Full and zero cells equal serial nbgrader's exactly. The mutants' partial credit comes from this
    submission's run cases (serial nbgrader uses the course's fixed ones): it equals the harness's
    in-process verdict on those cases, and both paths take points off the same cells."""
    parallel, serial, _ = courses
    for student in CLEAN:
        expected = cell_scores(serial, LAB, student)
        assert expected, f"serial nbgrader did not grade {student}"
        if student != "dee":
            assert cell_scores(parallel, LAB, student) == expected, f"{student}: grades differ from serial nbgrader"
    record = _record(parallel, "dee")
    assert record["run_seed"] == run_seed(LAB, "dee", record["digest"])
    mutated = {function for function, _ in catalogue.notebook_sample(LAB)}
    got, serial_dee = cell_scores(parallel, LAB, "dee"), cell_scores(serial, LAB, "dee")
    assert got.keys() == serial_dee.keys()
    for cell, (points, max_points) in got.items():
        function = cell.removeprefix("test_")
        if function in mutated:
            assert points < max_points and serial_dee[cell][0] < max_points, cell
            assert points == _in_process_score("dee", function, max_points, record["run_seed"]), cell
        else:
            assert (points, max_points) == serial_dee[cell], cell
    total = lambda s: sum(v[0] for v in cell_scores(serial, LAB, s).values())  # noqa: E731
    assert total("ada") == sum(v[1] for v in cell_scores(serial, LAB, "ada").values()) > 0
    assert total("ben") == 0 and 0 < total("cam") < total("ada") and 0 < total("dee") < total("ada")


def test_both_workers_took_submissions(courses):
    parallel, _, _ = courses
    workers = {_record(parallel, s)["worker"] for s in CLEAN + ["crash", "loop", "spam"]}
    assert len(workers) == 2, workers


@pytest.mark.parametrize("student, reason, score", [
    ("crash", "kernel died", "partial"),
    ("hangstart", "failed to start", "zero"),
    ("loop", "per-cell timeout", "partial"),
    ("membomb", f"memory limit of {MEMORY_MIB} MiB", "partial"),
    # endless output: the cell's output budget caps it (bounded kernel messages: autograder.kernel.streams)
    ("spam", "output capped", "partial"),
    ("corrupt", "corrupt notebook", "zero"),
    ("deleted", f"restored from the source: {DELETED_CELL}", "full"),
    ("renamed", "renamed notebook", "zero"),
])
def test_each_bad_case_gets_a_score_and_a_reason(courses, student, reason, score):
    parallel, _, stdout = courses
    rec = _record(parallel, student)
    alternatives = reason if isinstance(reason, tuple) else (reason,)
    assert any(a in r for a in alternatives for r in rec["reasons"]), f"{student}: reasons {rec['reasons']} lack {reason!r}"
    assert rec["max_score"] > 0
    if score == "zero":
        assert rec["score"] == 0
    elif score == "full":
        assert rec["score"] == rec["max_score"]
    else:
        assert 0 < rec["score"] < rec["max_score"], rec
    assert student in stdout  # in the final table


def test_endless_output_is_capped_in_the_graded_notebook(courses):
    parallel, _, _ = courses
    size = (parallel / "autograded" / "spam" / LAB / f"{LAB}.ipynb").stat().st_size
    reference = (parallel / "autograded" / "ada" / LAB / f"{LAB}.ipynb").stat().st_size
    assert size < reference + 300_000, f"{size} bytes: output was not capped"


def test_rerun_grades_nothing_and_force_regrades(courses, cluster_flags):
    parallel, _, _ = courses
    before = (parallel / ".dlcourse" / f"{LAB}.journal.jsonl").read_text().count('"executed"')
    out = subprocess.run([str(BIN / "dlcourse"), "grade", LAB, "--course", str(parallel), *cluster_flags,
                          "--no-progress"], capture_output=True, text=True, timeout=300, env=dict(os.environ, COLUMNS="200"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert (parallel / ".dlcourse" / f"{LAB}.journal.jsonl").read_text().count('"executed"') == before
    assert f"unchanged: {len(CLEAN) + len(BAD)}" in out.stdout
    ada_before = cell_scores(parallel, LAB, "ada")
    forced = subprocess.run([str(BIN / "dlcourse"), "grade", LAB, "--course", str(parallel), *cluster_flags,
                             "--no-progress", "--force", "--student", "ada"], capture_output=True, text=True, timeout=300)
    assert forced.returncode == 0, forced.stderr[-2000:]
    assert (parallel / ".dlcourse" / f"{LAB}.journal.jsonl").read_text().count('"executed"') == before + 1
    assert cell_scores(parallel, LAB, "ada") == ada_before


class _WouldRegrade(Exception):
    pass


def _no_cluster():
    raise _WouldRegrade()


def test_a_grade_is_tied_to_the_salt_the_grader_code_and_its_workers_canary(courses, monkeypatch):
    """The cluster is reached only when something must be graded: a rerun needs none, but a new salt,
    other grader code, or a failed canary of the worker that wrote a grade all regrade."""
    import autograder.cohort.grade as grade_module
    from autograder.cohort.grade import SKIPPED, grade_labs

    parallel, _, _ = courses
    rows = grade_labs(parallel, [LAB], client=_no_cluster, progress=False, students=["ada"])[LAB]
    assert [r.status for r in rows] == [SKIPPED]
    with monkeypatch.context() as m:
        m.setenv("DLCOURSE_GRADING_SALT", "another term")
        with pytest.raises(_WouldRegrade):
            grade_labs(parallel, [LAB], client=_no_cluster, progress=False, students=["ada"])
    with monkeypatch.context() as m:
        m.setattr(grade_module, "grader_code_digest", lambda: "0" * 64)
        with pytest.raises(_WouldRegrade):
            grade_labs(parallel, [LAB], client=_no_cluster, progress=False, students=["ada"])
    canary_file = parallel / ".dlcourse" / "canary.json"
    saved = canary_file.read_text()
    key = _record(parallel, "ada")["canary"]
    assert key and key in json.loads(saved)["passed"]
    try:
        cache = json.loads(saved)
        cache["failed"][key] = cache["passed"].pop(key)
        canary_file.write_text(json.dumps(cache))
        with pytest.raises(_WouldRegrade):
            grade_labs(parallel, [LAB], client=_no_cluster, progress=False, students=["ada"])
    finally:
        canary_file.write_text(saved)


def test_report_holds_the_gradebook_scores(courses):
    from autograder.cohort.report import write_report

    parallel, _, _ = courses
    page = write_report(parallel, LAB)
    out = page.parent
    for name in ("grades.csv", "lms_grades.csv", "questions.csv", "histogram.png", "questions.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The roster has no emails here (students recorded by the grading), so Moodle matches them by "ID number".
    lms = {r["ID number"]: r for r in csv.DictReader(open(out / "lms_grades.csv"))}
    for student in CLEAN:
        assert float(lms[student][f"{LAB} (Real)"]) == pytest.approx(sum(v[0] for v in cell_scores(parallel, LAB, student).values()), abs=0.01)
    nbg = [r for r in csv.DictReader(open(out / "grades.csv")) if r["assignment"] == LAB]
    assert {r["student_id"] for r in nbg} == set(lms)
    questions = {r["question"]: r for r in csv.DictReader(open(out / "questions.csv"))}
    graded = [cell_scores(parallel, LAB, s) for s in lms]
    full = sum(1 for g in graded if g["test_sigmoid"][0] == g["test_sigmoid"][1])
    assert float(questions["test_sigmoid"]["full_marks_rate"]) == pytest.approx(full / len(graded), abs=1e-3)
    assert "histogram.png" in page.read_text() and "dee" in page.read_text()


def test_feedback_keeps_messages_and_drops_hidden_tests(courses, monkeypatch, capsys):
    from autograder.cohort.feedback import write_feedback
    from autograder.cohort.progress import CountProgress

    parallel, _, _ = courses
    monkeypatch.setattr(CountProgress, "QUIET_S", 0.0)  # a line per page, however fast
    # loop's first function was never defined (its cell timed out): its test cell raises NameError,
    # and IPython's traceback would quote the hidden test lines.
    files, withheld = write_feedback(parallel, LAB, ["dee", "ada", "loop"])
    assert not withheld
    progress = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith(f"{LAB} feedback:")]
    assert progress[0] == f"{LAB} feedback: 3 graded submission(s)" and len(progress) == 4, progress
    assert progress[-1].startswith(f"{LAB} feedback: wrote 3/3 pages, "), progress  # counted from nbgrader's log
    assert {f.parts[-3] for f in files} == {"dee", "ada", "loop"}
    source = (REPO / "source" / LAB / f"{LAB}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" in source  # so the check below means something
    for f in files:
        text = html.unescape(re.sub(r"<[^>]+>", "", f.read_text()))  # what the student reads
        assert "BEGIN HIDDEN TESTS" not in text and "autograder" not in text
        assert f"{LAB}.linear_neuron" not in text and "check(" not in text
        assert "hidden cases passed" in text
    loop = html.unescape(re.sub(r"<[^>]+>", "", next(f for f in files if f.parts[-3] == "loop").read_text()))
    assert "NameError" in loop and "linear_neuron" in loop


def test_an_upload_that_could_not_be_read_gets_a_page_and_the_command_lists_every_page(courses, capsys):
    """corrupt (a truncated file) and renamed ("lab (1).ipynb") were given 0 without a run: nbgrader has no
    autograded notebook to write a page from, so the page says why nothing was graded."""
    from autograder.cli import main

    parallel, _, _ = courses
    status = main(["feedback", LAB, "--course", str(parallel), "--student", "corrupt", "--student", "renamed",
                   "--student", "dee"])
    out = capsys.readouterr().out
    assert status == 0, out
    for student, why in (("corrupt", f"corrupt notebook {LAB}.ipynb (NotJSONError"),
                         ("renamed", f"renamed notebook: found {LAB} (1).ipynb, expected {LAB}.ipynb")):
        page = parallel / "feedback" / student / LAB / f"{LAB}.html"
        text = html.unescape(re.sub(r"<[^>]+>", " ", page.read_text()))
        text = re.sub(r"\s+", " ", text)
        assert f"Your upload could not be read ({why}" in text and "nothing was graded" in text, text
        assert "Score: 0 of " in text and "Rename it in submitted/" not in text and "; 0" not in text
        assert f"  {student}: feedback/{student}/{LAB}/{LAB}.html (unreadable upload: " in out, out
    assert f"  dee: feedback/dee/{LAB}/{LAB}.html (graded)" in out
    assert "3 file(s)" in out and "1 graded, 2 unreadable upload" in out, out
    # These submissions were not collected from a Moodle download: no zip, one line saying why.
    assert "no Moodle feedback zip: none of the" in out and not (parallel / "feedback" / f"{LAB}_moodle_feedback.zip").exists()


def test_feedback_that_quotes_the_graders_code_is_withheld(courses, tmp_path):
    """A kernel can read the kernel side of the autograder and print it; that page is not handed out."""
    from autograder.cohort.feedback import write_feedback

    parallel, _, _ = courses
    graded = parallel / "autograded" / "ada" / LAB / f"{LAB}.ipynb"
    nb = nbformat.read(graded, as_version=4)
    harness = (REPO / "autograder" / "kernel" / "harness.py").read_text()
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=harness))
    nbformat.write(nb, graded)
    files, withheld = write_feedback(parallel, LAB, ["ada"])
    assert not files and len(withheld) == 1
    (page, why), = withheld.items()
    assert not page.exists() and any("repeats code of autograder/kernel/harness.py" in w for w in why), why
