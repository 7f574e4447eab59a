"""The TA's table of a 200-student cohort (``reports/<lab>/students.html``), from a gradebook filled through
nbgrader's own API (no notebook runs): every roster student and every function, a note for every score
below full, links that resolve on the file system; in Chromium it loads with no console error and no
request beyond the file system, sorts by a column (mouse and keyboard) and filters "who failed X"."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest
import sqlalchemy
from nbgrader.api import Gradebook

from autograder.cohort.gradebook import db_url
from autograder.course import REPO, scratch_course

LAB = "lab01_neurons_losses"
CELLS = {"test_linear_neuron": 1.0, "test_softmax": 2.0, "test_huber": 2.0, "test_cross_entropy": 2.0}
N_SUBMITTED, N_ROSTER_ONLY = 200, 5
SHOTS = REPO / "build" / "screenshots"


def _scores(i: int) -> dict[str, float]:
    """Student i's points per cell: softmax fails for every 7th student, huber is half right for every
    3rd, cross_entropy zero for every 10th; student 13 scores nothing (a blank notebook)."""
    if i == 13:
        return dict.fromkeys(CELLS, 0.0)
    return {"test_linear_neuron": 1.0, "test_softmax": 0.0 if i % 7 == 0 else 2.0,
            "test_huber": 1.0 if i % 3 == 0 else 2.0, "test_cross_entropy": 0.0 if i % 10 == 0 else 2.0}


def _graded_notebook(path: Path, messages: dict[str, str]) -> None:
    cells = []
    for cell_id, text in messages.items():
        cell = nbformat.v4.new_code_cell(f"check_{cell_id}()")
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": cell_id, "points": CELLS[cell_id], "solution": False}
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """``(course root, students.html)`` of a cohort of 200 graded submissions and 5 roster students without one."""
    from autograder.cli import _venv_on_path
    from autograder.cohort.report import write_report

    _venv_on_path()  # nbgrader's Gradebook stamps a new database with the venv's `alembic`
    root = scratch_course(tmp_path_factory.mktemp("cohort200"))
    with Gradebook(db_url(root)) as gb:
        # A test's scratch database: no fsync per commit (nbgrader commits once per student).
        gb.db.execute(sqlalchemy.text("PRAGMA synchronous = OFF"))
        gb.update_or_create_assignment(LAB)
        gb.add_notebook(LAB, LAB)
        for cell_id, points in CELLS.items():
            gb.add_grade_cell(cell_id, LAB, LAB, max_score=points, cell_type="code")
        for i in range(N_SUBMITTED + N_ROSTER_ONLY):
            gb.add_student(f"s{i:03d}", first_name=f"First{i}", last_name=f"Last{i}")
        for i in range(N_SUBMITTED):
            sub = gb.update_or_create_submission(LAB, f"s{i:03d}")
            scores = _scores(i)
            for grade in sub.notebooks[0].grades:
                grade.auto_score = scores[grade.name]
        gb.db.commit()
    records = {"s021": {"status": "graded", "reasons": ["cell(s) ran past the per-cell timeout: test_softmax"]},
               "s140": {"status": "zero", "reasons": [f"corrupt notebook {LAB}.ipynb (NotJSONError: x); 0"]}}
    (root / ".dlcourse").mkdir()
    (root / ".dlcourse" / f"{LAB}.json").write_text(json.dumps(records))
    _graded_notebook(root / "autograded" / "s021" / LAB / f"{LAB}.ipynb",
                     {"test_linear_neuron": "3 of 3 cases passed\n",
                      "test_softmax": "case 2: largest error 0.31 > tolerance 1e-06 " + "x" * 3000})
    (root / "feedback" / "s021" / LAB).mkdir(parents=True)
    (root / "feedback" / "s021" / LAB / f"{LAB}.html").write_text("<!doctype html><title>fb</title><p>feedback")
    index = write_report(root, LAB)
    return root, index.parent / "students.html"


def _rows(page: str) -> list[str]:
    body = page.split('<table id="students">')[1].split("</tbody>")[0]
    return re.findall(r"<tr data-kind=.*?</tr>", body, flags=re.S)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_every_roster_student_and_function_with_a_note_for_every_score_below_full(report):
    root, path = report
    page = path.read_text()
    rows = {re.search(r'data-v="(s\d+)"', r).group(1): r for r in _rows(page)}
    assert len(rows) == N_SUBMITTED + N_ROSTER_ONLY
    for i in range(N_SUBMITTED):
        row, scores = rows[f"s{i:03d}"], _scores(i)
        total = sum(scores.values())
        cells = re.findall(r'<td class="n s (\w+)" data-v="([-\d.]+)"><a href="#([^"]+)">([^<]*)</a>', row)
        assert [(kind, float(v), text) for kind, v, _, text in cells] == [
            ("full" if s == CELLS[c] else "zero" if s == 0 else "partial", s, f"{s:g}/{CELLS[c]:g}")
            for c, s in scores.items()], row
        notes = _text(re.search(r'<td class="notes".*?</td>', row, flags=re.S).group(0))
        if total == 7:
            assert notes == "", (i, notes)
        else:
            assert notes, f"s{i:03d} scored {total} / 7 without a note"
        if i not in (13, 21, 140) and total < 7:  # the functions that lost points, with what they got
            lost = [f"{c.removeprefix('test_')} {s:g}/{CELLS[c]:g}" for c, s in scores.items() if s < CELLS[c]]
            assert notes == "lost points in " + ", ".join(lost), (i, notes)
        assert f'href="../../feedback/s{i:03d}/{LAB}/{LAB}.html"' in row
    assert _text(re.search(r'<td class="notes".*?</td>', rows["s013"], flags=re.S).group(0)) == \
        "no function scored (blank, or every function wrong)"
    assert "corrupt notebook" in rows["s140"] and "per-cell timeout: test_softmax" in rows["s021"]
    for i in range(N_SUBMITTED, N_SUBMITTED + N_ROSTER_ONLY):
        row = rows[f"s{i:03d}"]
        assert 'data-kind="none"' in row and "no submission" in row and "feedback" not in _text(row)
    # Per function: softmax fails for students 0, 7, ..., 196 (29 of them) and the blank one, 13.
    functions = _text(page.split('<table id="functions">')[1].split("</table>")[0])
    assert "softmax 2 170 0 30 1.7 85.0 %" in functions, functions  # full, partial, zero of 200
    assert "huber 2 132 67 1 " in functions, functions    # i % 3 == 0: 67 half right; 13 (blank) zero


def test_each_cell_links_to_its_case_messages_and_the_links_resolve(report):
    root, path = report
    page = path.read_text()
    anchors = set(re.findall(r'id="([^"]+)"', page))
    links = re.findall(r'href="([^"]+)"', page)
    for href in links:
        if href.startswith("#"):
            assert href[1:] in anchors, href
    row = next(r for r in _rows(page) if 'data-v="s021"' in r)
    assert 'href="#c-s021-softmax"' in row and f'href="../../autograded/s021/{LAB}/{LAB}.ipynb"' in row
    section = page.split('id="c-s021-softmax"')[1].split("</pre>")[0]
    assert "case 2: largest error 0.31 &gt; tolerance 1e-06" in section and "more characters in the notebook" in section
    assert (path.parent / f"../../feedback/s021/{LAB}/{LAB}.html").resolve().is_file()
    assert (path.parent / f"../../autograded/s021/{LAB}/{LAB}.ipynb").resolve().is_file()
    index = (path.parent / "index.html").read_text()
    assert 'href="students.html"' in index
    # index.html's own per-student table carries the same notes (zeros and partial scores explained).
    for sid, why in (("s013", "no function scored"), ("s140", "corrupt notebook"), ("s021", "per-cell timeout: test_softmax")):
        row = next(r for r in index.split("<tr>") if r.startswith(f"<td>{sid}</td>"))
        assert why in row, (sid, row)
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from the network


@pytest.mark.notebook
def test_in_a_browser_the_table_loads_sorts_and_filters(report):
    from tests.test_student_jupyterlab import CHROMIUM, CHROMIUM_ARGS, _require_browser

    _require_browser()
    from playwright.sync_api import sync_playwright

    root, path = report
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors, outside = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda req: None if req.url.startswith(("file://", "data:")) else outside.append(req.url))
        page.goto(path.as_uri())
        ids = lambda: page.eval_on_selector_all("#students tbody tr:not([hidden]) td:first-child",  # noqa: E731
                                                "cells => cells.map(c => c.textContent)")
        assert len(ids()) == N_SUBMITTED + N_ROSTER_ONLY
        page.click("#students th button:text-is('softmax')")  # ascending: no submission (-1), then zeros
        order = ids()
        assert order[:N_ROSTER_ONLY] == [f"s{i:03d}" for i in range(N_SUBMITTED, N_SUBMITTED + N_ROSTER_ONLY)]
        assert order[N_ROSTER_ONLY:N_ROSTER_ONLY + 30] == sorted([f"s{i:03d}" for i in range(0, 200, 7)] + ["s013"])
        assert page.get_attribute("#students th:has(button:text-is('softmax'))", "aria-sort") == "ascending"
        page.focus("#students th button:text-is('total / 7')")  # from the keyboard: Enter sorts
        page.keyboard.press("Enter")
        assert ids()[N_ROSTER_ONLY] == "s013" and ids()[:N_ROSTER_ONLY][0] == "s200"
        page.keyboard.press("Enter")
        assert page.get_attribute("#students th:has(button:text-is('total / 7'))", "aria-sort") == "descending"
        assert ids()[-1] == f"s{N_SUBMITTED + N_ROSTER_ONLY - 1:03d}"
        page.select_option("#fn", label="cross_entropy")  # who lost points in cross_entropy?
        assert sorted(ids()) == sorted([f"s{i:03d}" for i in range(0, 200, 10)] + ["s013"])
        assert page.text_content("#shown") == f"21 of {N_SUBMITTED + N_ROSTER_ONLY} students shown"
        page.fill("#q", "corrupt")
        page.select_option("#fn", value="")
        assert ids() == ["s140"]
        page.fill("#q", "")
        page.select_option("#outcome", value="below")
        page.click("#students th button:text-is('huber')")
        page.screenshot(path=str(SHOTS / "report-students.png"))
        page.click("#students tbody tr:has(td:text-is('s021')) td.s a >> nth=1")
        assert page.evaluate("location.hash") == "#c-s021-softmax"
        assert page.is_visible("#c-s021-softmax")
        page.goto((path.parent / "index.html").as_uri())
        page.screenshot(path=str(SHOTS / "report-index.png"), full_page=True)
        browser.close()
    assert not errors, errors
    assert not outside, outside
