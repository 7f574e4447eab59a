"""Viva review sheets from a cohort of lab 1 graded once with plain nbgrader (about 40 s).

The cohort (``tests/viva/cohort.py``): ada the reference, bob his own correct code, cat bob's code
renamed and reordered, ben the blank release, dee the reference with three bugs, 36 h late; fay is in
the gradebook but submitted nothing. Each sheet must name the right functions and failures, flag the
right partner, ask 5-8 questions weighted towards both, and come out the same every time.
"""
import re
import shutil
import subprocess
import sys
import zlib

import pytest

from tests.scratch import released_course
from nbgrader.api import Gradebook

from autograder.grading.cases import get_spec
from autograder.course import nbgrader, scratch_course
from autograder.cohort.gradebook import cell_scores, db_url
from autograder.grading.judging import run_cases, score
from autograder.viva import commands
from autograder.viva.bank import questions_for
from autograder.viva.records import RecordError, parse_test_output, read_student
from autograder.viva.render import pdf_document
from autograder.viva.selection import LabConcerns, choose, seed_for
from autograder.viva.sheets import build_sheet, render_html, render_markdown, write_sheet
from autograder.grading import catalogue
from tests.viva.cohort import DUE, LAB, LATE_HOURS, build_cohort

pytestmark = pytest.mark.xdist_group("viva_cohort")

NAMES = {"ada": ("Ada", "Lovelace"), "ben": ("Ben", "Blank"), "bob": ("Bob", "Brown"), "cat": ("Cat", "Copy"),
         "dee": ("Dee", "Late"), "fay": ("Fay", "Absent")}
DEE_BUGS = dict(catalogue.notebook_sample(LAB))  # {function: bug name}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = released_course(tmp_path_factory.mktemp("viva-sheets"), [LAB])
    with Gradebook(db_url(root)) as gb:
        gb.update_or_create_assignment(LAB, duedate=DUE)
        for student, (first, last) in NAMES.items():
            gb.update_or_create_student(student, first_name=first, last_name=last)
    build_cohort(root)
    nbgrader("autograde", LAB, root=root)
    return root


@pytest.fixture(scope="module")
def cache():
    return {}  # one similarity comparison for the whole module


@pytest.fixture(scope="module")
def sheets(root, cache):
    return {s: build_sheet(root, s, similarities=cache) for s in ("ada", "ben", "bob", "cat", "dee")}


def _section(markdown, title):
    """The text of a ``### title`` section of a Markdown sheet (up to the next heading of level <= 3)."""
    part = markdown.split(f"### {title}\n", 1)[1]
    return re.split(r"^#{1,3} ", part, maxsplit=1, flags=re.M)[0]


# ---------------------------------------------------------------- records
def test_records_read_points_failures_code_and_lateness(root):
    dee = read_student(root, "dee").labs[0]
    scores = cell_scores(root, LAB, "dee")
    assert {f.name: (f.points, f.max_points) for f in dee.functions} == \
           {cell.removeprefix("test_"): v for cell, v in scores.items()}
    assert [f.name for f in dee.weak] == ["cross_entropy_from_logits", "huber_grad", "one_hot"]
    huber = dee.function("huber_grad")
    assert (huber.passed, huber.total) == (2, 10) and len(huber.failures) == 8 and huber.more_failures == 0
    assert huber.failures[0].case == "random (6, 4)" and "values off" in huber.failures[0].message
    assert huber.code.strip() == catalogue.mutants(LAB)["huber_grad"][DEE_BUGS["huber_grad"]].source.strip()
    assert dee.seconds_late == LATE_HOURS * 3600 and dee.late_days == 2 and dee.duedate == DUE
    ada = read_student(root, "ada").labs[0]
    assert ada.weak == [] and ada.seconds_late == 0 and ada.score == ada.max_score == 28
    assert all(f.failures == [] and f.passed == f.total for f in ada.functions)
    ben = read_student(root, "ben").labs[0]
    assert all(f.status == "zero" for f in ben.functions)
    assert ben.function("sigmoid").failures[0].message == "not implemented yet (raises NotImplementedError)"


def test_parse_test_output_reads_the_harness_format():
    text = ("huber: 1/12 hidden cases passed, 0.1667 of 2 points\n"
            "  - case 'a': output has shape (3,), expected (4,)\n  - case 'b: value': raised ValueError: x\n"
            "  ... and 9 more failed cases\n")
    passed, total, failures, more = parse_test_output(text)
    assert (passed, total, more) == (1, 12, 9)
    assert [(f.case, f.message) for f in failures] == [("a", "output has shape (3,), expected (4,)"),
                                                      ("b: value", "raised ValueError: x")]


def test_unknown_student_and_student_without_labs_are_clear_errors(root):
    with pytest.raises(RecordError, match=r"unknown student 'zed'.*students: ada, ben, bob, cat, dee, fay"):
        read_student(root, "zed")
    with pytest.raises(RecordError, match="fay has no graded labs"):
        read_student(root, "fay")
    with pytest.raises(RecordError, match="no gradebook"):
        read_student(root / "nowhere", "ada")


# ---------------------------------------------------------------- what the sheets say
def test_each_sheet_names_the_right_functions_and_failures(sheets):
    dee = render_markdown(sheets["dee"])
    failed = _section(dee, "What failed")
    assert re.findall(r"^`(\w+)`: ", failed, flags=re.M) == ["cross_entropy_from_logits", "huber_grad", "one_hot"]
    # What the harness says of each of dee's bugs, judged here in-process on the same (plain-nbgrader) cases.
    points = {"huber_grad": 2, "one_hot": 1, "cross_entropy_from_logits": 3}
    total = 28 - sum(points.values())  # every other function is the reference's
    for function, bug in DEE_BUGS.items():
        spec = get_spec(f"{LAB}.{function}")
        results = run_cases(catalogue.build(catalogue.mutants(LAB)[function][bug]), spec)
        first = next(r for r in results if not r.passed)
        assert f"case ‘{first.case}’: {first.message}" in failed, (function, first)
        passed, earned = sum(r.passed for r in results), score(results, points[function])
        verdict, total = ("no points" if earned == 0 else "partial"), total + earned
        assert f"| `{function}` | {earned:g} / {points[function]} | {passed} / {len(results)} | {verdict}" in dee, function
    assert "36.0 h late: 2 late days" in dee and f"{round(total, 2):g} / 28" in dee
    for sheet in ("ada", "bob", "cat"):
        text = render_markdown(sheets[sheet])
        assert "### What failed" not in text and "28 / 28" in text and "on time" in text
    ben = render_markdown(sheets["ben"])
    assert re.findall(r"^`(\w+)`: 0 of", _section(ben, "What failed"), flags=re.M) == \
           [f.name for f in sheets["ben"].labs[0].record.functions]


def test_each_sheet_flags_the_right_partner(sheets):
    partners = {s: [f.partner for v in sheet.labs for f in v.flags] for s, sheet in sheets.items()}
    assert partners == {"ada": ["dee"], "ben": [], "bob": ["cat"], "cat": ["bob"], "dee": ["ada"]}
    cat = render_markdown(sheets["cat"])
    assert re.search(r"\*\*100% of this student's code is also in bob's notebook\*\*", cat)
    assert "No pair with this student reaches the threshold." in render_markdown(sheets["ben"])
    # dee's buggy functions are partly dee's own: less of them is shared
    copied = sheets["dee"].labs[0].copied
    assert "linear_neuron" in copied and copied["linear_neuron"].startswith("looks copied: 100% of it also in ada's")


def test_the_students_own_code_is_on_the_sheet_highlighted(sheets):
    cat_html = render_html(sheets["cat"])
    assert 'class="hl"' in cat_html and "resid" in cat_html  # cat's renamed variable, in Pygments spans
    assert re.search(r'<span class="n">resid</span>', cat_html)
    dee_md = render_markdown(sheets["dee"])
    code = _section(dee_md, "The student's code")
    assert code.count("```python") == 20
    assert catalogue.mutants(LAB)["one_hot"][DEE_BUGS["one_hot"]].source.strip() in code


def test_five_to_eight_questions_weighted_towards_failures_and_copies(sheets):
    for student, sheet in sheets.items():
        assert 5 <= len(sheet.questions) <= 8, student
        ids = [c.question.id for c in sheet.questions]
        assert len(set(ids)) == len(ids)
    # dee lost points on three functions and looks copied everywhere: each of the three gets a question,
    # and every question gives its reason
    dee = sheets["dee"].questions
    assert {"cross_entropy_from_logits", "huber_grad", "one_hot"} <= {c.question.about for c in dee}
    assert len(dee) == 8 and all(c.reasons for c in dee)
    # ben lost every point: every question is about a function he lost, with the reason given
    assert all(c.question.about in sheets["ben"].functions_of(LAB) and
               c.reasons == (f"lost 100% of the points of {c.question.about}",) for c in sheets["ben"].questions)
    # cat copied: the reasons say so
    assert any("looks copied" in r for c in sheets["cat"].questions for r in c.reasons)
    # a student with nothing wrong gets the minimum, five, and the model answers are on the sheet
    clean = choose("zoe", [LabConcerns(LAB)])
    assert len(clean) == 5 and all(c.reasons == () for c in clean)
    md = render_markdown(sheets["dee"])
    for c in sheets["dee"].questions:
        assert c.question.model_answer in md and all(p in md for p in c.question.listen_for)


def test_question_choice_is_seeded_per_student_and_lab():
    assert seed_for("dee", LAB) == seed_for("dee", LAB) != seed_for("ada", LAB)
    assert seed_for("dee", LAB) == int.from_bytes(
        __import__("hashlib").sha256(f"dee/{LAB}".encode()).digest()[:8], "big")
    concerns = [LabConcerns(LAB, {"huber_grad": 0.8})]
    picks = {s: [c.question.id for c in choose(s, concerns)] for s in ("s1", "s2", "s3", "s4")}
    assert picks["s1"] == [c.question.id for c in choose("s1", concerns)]
    assert len({tuple(sorted(v)) for v in picks.values()}) > 1  # different students, different questions
    assert all(questions_for(LAB, "huber_grad")[0].id in v for v in picks.values())


def test_same_inputs_same_sheets(root, sheets):
    again = build_sheet(root, "dee")  # a fresh similarity comparison, the bank reloaded from the cache
    assert render_html(again) == render_html(sheets["dee"])
    assert render_markdown(again) == render_markdown(sheets["dee"])


def test_html_prints_on_a4(sheets):
    page = render_html(sheets["bob"])
    assert "size: A4" in page and "@page" in page and "break-before: page" in page
    assert "Viva review sheet: Bob Brown (bob)" in page and "Examiner only" in page
    assert "../similarity/lab01_neurons_losses.html" in page


# ---------------------------------------------------------------- PDF and the command
def _pdf_pages_and_title(data: bytes):
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    blob = b"\n".join(chunks)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", blob)), re.findall(rb"/Title\s*\(([^)]*)\)", blob)


def test_sheet_renders_as_pdf_with_weasyprint(sheets, tmp_path):
    paths = write_sheet(sheets["bob"], tmp_path)
    data = paths["pdf"].read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages, titles = _pdf_pages_and_title(data)
    assert pages >= 1 and any(b"Bob Brown" in t for t in titles)
    document = pdf_document(paths["html"].read_text(encoding="utf-8"), paths["html"].parent)
    assert len(document.pages) == pages
    first = " ".join(box.text for box in document.pages[0]._page_box.descendants() if hasattr(box, "text"))
    assert "Bob Brown" in first and "Examiner only" in first
    assert round(document.pages[0].width * 25.4 / 96) == 210 and round(document.pages[0].height * 25.4 / 96) == 297
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(paths["pdf"]), "-"], capture_output=True, text=True).stdout
        assert "Bob Brown" in text


def test_command_writes_every_sheet_and_the_cohort_page(root, tmp_path, capsys):
    out = tmp_path / "viva"
    assert commands.main(["viva", "sheets", "--all", "--course", str(root), "--out", str(out), "--no-pdf"]) == 0
    printed = capsys.readouterr().out
    assert "skipped fay: no graded labs" in printed
    assert sorted(p.name for p in (out / "sheets").iterdir()) == \
           sorted(f"{s}.{ext}" for s in ("ada", "ben", "bob", "cat", "dee") for ext in ("html", "md"))
    assert {p.name for p in (out / "similarity").iterdir()} == \
           {f"{LAB}.html", f"{LAB}-heatmap.png", f"{LAB}-pairs.csv"}
    assert (out / "sheets" / "dee.md").read_text(encoding="utf-8") == render_markdown(build_sheet(root, "dee"))


def test_command_defaults_agree_and_parser_is_light():
    from autograder.viva import sheets, similarity

    assert (commands.DEFAULT_LAST, commands.DEFAULT_THRESHOLD) == (sheets.DEFAULT_LAST, similarity.DEFAULT_THRESHOLD)
    code = ("import argparse, sys; from autograder.viva.commands import register; "
            "register(argparse.ArgumentParser().add_subparsers()); "
            "print(sorted(m for m in ('copydetect', 'weasyprint', 'nbgrader', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_command_errors(root, tmp_path, capsys):
    args = ["--course", str(root), "--out", str(tmp_path)]
    assert commands.main(["viva", "sheet", "--student", "zed", *args]) == 1
    assert "unknown student 'zed'" in capsys.readouterr().err
    assert commands.main(["viva", "sheet", "--student", "fay", *args]) == 1
    assert "fay has no graded labs" in capsys.readouterr().err
    assert commands.main(["viva", "similarity", "lab02_backprop", *args]) == 1
    assert f"labs with submissions: {LAB}" in capsys.readouterr().err
    assert commands.main(["viva", "sheet", "--student", "ada", "--course", str(tmp_path / "none")]) == 1
    assert "no gradebook" in capsys.readouterr().err
    for bad in (["--last", "0"], ["--threshold", "1.5"]):
        with pytest.raises(SystemExit) as info:
            commands.main(["viva", "sheet", "--student", "ada", *args, *bad])
        assert info.value.code == 2
    assert not list(tmp_path.iterdir())  # nothing written on an error


def test_command_similarity_prints_ranked_pairs(root, tmp_path, capsys):
    assert commands.main(["viva", "similarity", LAB, "--course", str(root), "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{LAB}: 5 submissions, 10 pairs, 2 at or above 50%"
    assert lines[1].startswith("  1. bob – cat: 100% / 100%") and lines[2].startswith("  2. ada – dee:")
    assert (tmp_path / "similarity" / f"{LAB}.html").is_file()


def test_a_sheet_and_the_cohort_page_render_in_a_browser_offline(root, tmp_path):
    """Chromium opens the sheet and the similarity page from the file system: no console error, no
    request beyond the file system (fonts, styles and images are local), a screenshot of each."""
    from tests.test_student_jupyterlab import CHROMIUM, CHROMIUM_ARGS, SHOTS, _require_browser

    _require_browser()
    from playwright.sync_api import sync_playwright

    out = tmp_path / "viva"
    assert commands.main(["viva", "sheet", "--student", "dee", "--course", str(root), "--out", str(out), "--no-pdf"]) == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors, outside = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda req: None if req.url.startswith(("file://", "data:")) else outside.append(req.url))
        page.goto((out / "sheets" / "dee.html").as_uri())
        assert "Dee Late" in page.text_content("body")
        page.screenshot(path=str(SHOTS / "viva-sheet.png"))
        page.goto((out / "similarity" / f"{LAB}.html").as_uri())
        assert page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
        page.screenshot(path=str(SHOTS / "viva-similarity.png"))
        browser.close()
    assert not errors, errors
    assert not outside, outside


def test_dees_diagnosed_misconceptions_are_on_her_sheet_and_their_questions_come_first(sheets):
    """Graded by real plain nbgrader (the in-kernel judge): each of dee's three catalogue bugs is
    diagnosed in the test cell's printout, read back onto her sheet, and the catalogue's viva questions
    for them are her lab's first questions."""
    sheet = sheets["dee"]
    lab = sheet.record.labs[0]
    expected_questions = set()
    for function, bug in DEE_BUGS.items():
        entry = catalogue.mutants(LAB)[function][bug]
        assert entry.id in [i for i, _ in lab.function(function).diagnoses], (function, lab.function(function))
        expected_questions |= set(entry.viva)
    asked = [c.question.id for c in sheet.questions]
    assert set(asked[:len(expected_questions)]) == expected_questions, asked
    assert "Misconception diagnosed" in render_html(sheet) and "known mistake" in render_markdown(sheet)
    assert not any(f.diagnoses for s in ("ada", "bob", "cat", "ben") for f in sheets[s].record.labs[0].functions)
