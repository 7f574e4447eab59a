"""Misconception diagnosis (issue 17): a failing function's outputs matched against the catalogue's mistakes.

In process, both grading paths through :mod:`tests.autograder.grading_paths` (plain nbgrader's
``check_in_process`` printout, ``dlcourse grade``'s ``score_notebook`` on a cell carrying the kernel's
report). Every diagnosable mutant, submitted as the only mistake, is diagnosed as itself or as an entry
the catalogue records as equivalent to it; no correct variant is diagnosed; two mistakes in two
functions of one submission give both; the two paths print the same diagnosis on the same cases.
Trained-model functions are skipped unless ``DLCOURSE_DIFFERENTIAL_TRAINED`` is set (they are never
diagnosed, so only the "no diagnosis" side is checked for them, and that trains a model per entry).
"""
from __future__ import annotations

import html
import os
from datetime import datetime, timezone

import pytest
from nbformat import v4

from autograder.grading import catalogue
from autograder.grading.cases import get_spec, specs_for_lab
from autograder.grading.diagnosis import Budget, Diagnosis, diagnosable, diagnose, line, parse_lines
from autograder.grading.scoring import score_notebook
from tests.autograder.grading_paths import (RUN_SEED, dlcourse_grade_printout, diagnosed, kernel_report,
                                            plain_nbgrader_printout, graded_test_cell)

TRAINED_ENV = "DLCOURSE_DIFFERENTIAL_TRAINED"


def equivalence_classes(lab: str, function: str) -> dict[str, set[str]]:
    """``{entry name: the names recorded as equivalent to it, itself included}`` (``equivalent_to``
    links, both ways and chained)."""
    named = catalogue.mutants(lab).get(function, {})
    parent = {name: name for name in named}

    def root(name):
        while parent[name] != name:
            name = parent[name]
        return name

    for name, entry in named.items():
        if entry.equivalent_to is not None:
            assert entry.equivalent_to in named, f"{entry.id}: equivalent_to names no entry: {entry.equivalent_to!r}"
            parent[root(name)] = root(entry.equivalent_to)
    groups: dict[str, set[str]] = {}
    for name in named:
        groups.setdefault(root(name), set()).add(name)
    return {name: groups[root(name)] for name in named}


def _function_params():
    params = []
    for lab in catalogue.catalogued_labs("mutant"):
        for spec in specs_for_lab(lab):
            if spec.name in catalogue.mutants(lab):
                marks = [] if spec.reference_needed else [
                    pytest.mark.skipif(not os.environ.get(TRAINED_ENV), reason=f"trained model; set {TRAINED_ENV}=1")]
                params.append(pytest.param(spec.qualname, marks=marks, id=spec.qualname))
    return params


@pytest.mark.parametrize("qualname", _function_params())
def test_every_mutant_alone_is_diagnosed_as_itself_or_a_recorded_equivalent(qualname):
    """On the course's fixed cases (plain nbgrader's), each mutant as the student's only mistake."""
    spec = get_spec(qualname)
    classes = equivalence_classes(spec.lab, spec.name)
    problems = []
    for entry in catalogue.mutants(spec.lab)[spec.name].values():
        if not catalogue.available(entry):
            continue
        got = {d.split(":", 1)[1] for d in diagnosed(plain_nbgrader_printout(catalogue.build(entry), spec,
                                                                            spec.reference_uses()))}
        if not (entry.diagnosable and diagnosable(spec)):
            if got:
                problems.append(f"{entry.id} is marked not diagnosable but is diagnosed as {sorted(got)}")
        elif entry.name not in got:
            problems.append(f"{entry.id} is not diagnosed as itself (diagnosed: {sorted(got)}); "
                            "if it only raises or draws from another generator, mark it diagnosable=False in NOTES")
        elif got - classes[entry.name]:
            problems.append(f"{entry.id} is also diagnosed as {sorted(got - classes[entry.name])}: record the "
                            "equivalence (equivalent_to) or tell the entries apart")
    assert not problems, "\n".join(problems)


def _variant_params():
    # every lab; trained functions are never diagnosed (and train a model per variant), so they are left out
    return [pytest.param(lab, id=lab) for lab in catalogue.catalogued_labs("variant")]


@pytest.mark.parametrize("lab", _variant_params())
def test_no_correct_variant_is_diagnosed(lab):
    specs = {s.name: s for s in specs_for_lab(lab)}
    flagged = []
    for function, named in catalogue.variants(lab).items():
        for entry in named.values():
            if catalogue.available(entry) and specs[function].reference_needed:
                spec = specs[function]
                printout = plain_nbgrader_printout(catalogue.build(entry), spec, spec.reference_uses())
                if diagnosed(printout):
                    flagged.append(f"{entry.id}: {printout}")
    assert not flagged, "\n".join(flagged)


def test_a_correct_output_is_never_diagnosed_even_when_another_case_fails():
    """Hand-made: softmax right on every case but one, where it returns the reference times 1.01; no
    catalogue mistake is 1.01 times the reference, so nothing is diagnosed (never a guess)."""
    spec = get_spec("lab01_neurons_losses.softmax")
    import numpy as np

    def softmax(z):
        z = np.asarray(z, dtype=float)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        out = e / e.sum(axis=-1, keepdims=True)
        return out * 1.01 if out.ndim == 1 else out

    printout = plain_nbgrader_printout(softmax, spec)
    assert "hidden cases passed" in printout and "- case" in printout  # it lost points
    assert diagnosed(printout) == []


DIAGNOSED_ALONE = [  # (qualname, entry name): a NumPy and a Torch function, entries with no recorded twin
    ("lab03_optimizers.rmsprop", "delta inside the square root (Goodfellow et al., Alg. 8.5; the slides put it outside)"),
    ("lab03_optimizers.adam", "no bias correction"),
    ("lab01_neurons_losses.huber_grad", "linear part delta without the sign"),
    ("lab08_vae.kl_divergence", None),
]


def _entry(qualname, name):
    spec = get_spec(qualname)
    named = catalogue.mutants(spec.lab)[spec.name]
    if name is None:  # the first diagnosable one
        name = next(n for n, e in named.items() if e.diagnosable)
    return spec, named[name]


@pytest.mark.parametrize("qualname,name", DIAGNOSED_ALONE, ids=[q for q, _ in DIAGNOSED_ALONE])
def test_both_paths_print_the_same_diagnosis_on_the_same_cases(qualname, name):
    spec, entry = _entry(qualname, name)
    fn = catalogue.build(entry)
    plain = plain_nbgrader_printout(fn, spec, spec.reference_uses(), seed=RUN_SEED)
    dl = dlcourse_grade_printout(fn, spec, RUN_SEED, spec.reference_uses())
    assert entry.id in diagnosed(dl), dl
    assert parse_lines(plain) == parse_lines(dl)
    assert plain.splitlines()[0] == dl.splitlines()[0]  # and the same score line


def test_two_mistakes_in_two_functions_of_one_submission_are_both_diagnosed():
    """One ``dlcourse grade`` notebook, two test cells, one diagnosis budget; and the same two by plain nbgrader."""
    (rms, rms_entry), (adam, adam_entry) = (_entry(*DIAGNOSED_ALONE[0]), _entry(*DIAGNOSED_ALONE[1]))
    nb = v4.new_notebook(cells=[
        graded_test_cell((rms.qualname, kernel_report(catalogue.build(rms_entry), rms))),
        v4.new_markdown_cell("between the cells"),
        graded_test_cell((adam.qualname, kernel_report(catalogue.build(adam_entry), adam))),
    ])
    scores = score_notebook(nb, RUN_SEED)
    assert all(points < 2.0 for points in scores.values()) and len(scores) == 2
    printed = ["".join(o.get("text", "") for o in c.outputs if o.get("output_type") == "stream")
               for c in (nb.cells[0], nb.cells[2])]
    assert diagnosed(printed[0]) == [rms_entry.id] and diagnosed(printed[1]) == [adam_entry.id]


def test_a_spent_budget_diagnoses_nothing_and_an_undiagnosable_spec_runs_nothing():
    spec, entry = _entry(*DIAGNOSED_ALONE[0])
    outputs: list = []
    from autograder.grading.judging import run_cases

    run_cases(catalogue.build(entry), spec, outputs=outputs)
    assert [d.entry for d in diagnose(spec, outputs, Budget())] == [entry.id]
    assert diagnose(spec, outputs, Budget(0.0)) == []
    dropout = get_spec("lab04_regularization_init.dropout_forward")
    assert not diagnosable(dropout) and diagnose(dropout, [(None, 1.0, 2.0, False)], Budget()) == []


# ------------------------------------------------------------------------ where the diagnosis shows
SCRIPT = "<script>window.__pwned_diag=1</script>"
HOSTILE = Diagnosis(f"lab03_optimizers.rmsprop:{SCRIPT}", "rmsprop", f"δ inside {SCRIPT} the root", "slides.txt:1733")


def test_a_diagnosis_line_reads_back_with_an_id_holding_brackets():
    text = "rmsprop: 0/5 hidden cases passed, 0 of 2 points\n" + line(HOSTILE) + "\n"
    assert parse_lines(text) == [(HOSTILE.entry, HOSTILE.text)]
    assert HOSTILE.text == f"your `rmsprop` behaves like a known mistake: δ inside {SCRIPT} the root — see slides.txt:1733"


def test_the_feedback_page_shows_the_diagnosis_escaped():
    """nbconvert with the course's safe feedback template (nbgrader_config's configuration) on a test
    cell whose printout holds a diagnosis: shown as text, nothing runs."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from autograder.cohort import feedback_page

    c = Config()
    feedback_page.configure(c)
    # what nbgrader's GenerateFeedback adds: the folder of the bootstrap CSS its template includes
    static = feedback_page.nbgrader_templates().parent / "static" / "node_modules" / "bootstrap" / "dist" / "css"
    c.HTMLExporter.extra_template_paths = [str(static)]
    nb = v4.new_notebook(cells=[v4.new_code_cell("check(rmsprop, 'lab03_optimizers.rmsprop', points=2)", metadata={
        "nbgrader": {"grade": True, "solution": False, "grade_id": "test_rmsprop", "points": 2, "score": 0.0}})])
    nb.cells[0].outputs = [v4.new_output("stream", name="stdout",
                                         text="rmsprop: 0/5 hidden cases passed, 0 of 2 points\n" + line(HOSTILE) + "\n")]
    resources = {"dlcourse": {"head": ""},
                 "nbgrader": {"notebook": "lab03_optimizers", "score": 0.0, "max_score": 2.0, "late_penalty": 0.0}}
    body, _ = HTMLExporter(config=c).from_notebook_node(nb, resources=resources)
    assert "your `rmsprop` behaves like a known mistake: δ inside" in body and "see slides.txt:1733" in body
    assert SCRIPT not in body and "&lt;script&gt;window.__pwned_diag" in body


def test_the_ta_report_counts_students_per_misconception_escaped(tmp_path):
    from autograder.cohort import misconceptions

    lab = "lab03_optimizers"
    spec, entry = _entry(*DIAGNOSED_ALONE[0])
    for student, lines in {"s1": [line(Diagnosis(entry.id, "rmsprop", entry.name))],
                           "s2": [line(Diagnosis(entry.id, "rmsprop", entry.name)), line(HOSTILE)], "s3": []}.items():
        test = v4.new_code_cell("check(...)", metadata={"nbgrader": {"grade": True, "solution": False,
                                                                     "grade_id": "test_rmsprop", "points": 2}})
        test.outputs = [v4.new_output("stream", name="stdout", text="x: 1/2 hidden cases passed\n" +
                                      "".join(f"{x}\n" for x in lines))]
        # a line printed by the student's own cell is not the grader's: never counted
        own = v4.new_code_cell("print(...)", metadata={"nbgrader": {"grade": False, "solution": True, "grade_id": "rmsprop"}})
        own.outputs = [v4.new_output("stream", name="stdout", text=line(Diagnosis(entry.id, "rmsprop", entry.name)) + "\n")]
        nb = v4.new_notebook(cells=[own, test] if student == "s3" else [test])
        path = tmp_path / "autograded" / student / lab / f"{lab}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(v4.writes(nb) if hasattr(v4, "writes") else __import__("nbformat").writes(nb))
    found = misconceptions.lab_misconceptions(tmp_path, lab, ["s1", "s2", "s3"])
    assert [(m.entry, m.students) for m in found] == [(entry.id, ["s1", "s2"]), (HOSTILE.entry, ["s2"])]
    assert found[0].contradicts == "slides.txt:1733"  # from the catalogue's NOTES
    out = tmp_path / "report"
    out.mkdir()
    misconceptions.write_files(out, lab, found, 3)
    assert (out / "misconceptions.png").stat().st_size > 0
    assert "2,0.667" in (out / "misconceptions.csv").read_text()
    section = misconceptions.html_section(found, 3)
    assert "<script" not in section and "67%" in section and html.escape(entry.name) in section


def test_the_viva_sheet_shows_the_diagnosis_and_asks_its_questions_first():
    from autograder.viva.bank import questions_for
    from autograder.viva.records import FunctionRecord, LabRecord, StudentRecord
    from autograder.viva.selection import LabConcerns, choose, probing_questions
    from autograder.viva.sheets import LabView, Sheet, render_html

    lab = "lab03_optimizers"
    spec, entry = _entry(*DIAGNOSED_ALONE[0])
    about = [q.id for q in questions_for(lab) if q.about == "rmsprop"]  # the bank's questions on rmsprop
    assert about and probing_questions(entry) == tuple(about)
    functions = [FunctionRecord("rmsprop", 1.0, 2.0, "def rmsprop(...): ...", 2, 5,
                                diagnoses=[(entry.id, Diagnosis(entry.id, "rmsprop", entry.name).text),
                                           (HOSTILE.entry, HOSTILE.text)]),
                 FunctionRecord("adam", 0.0, 2.0, "def adam(...): ...", 0, 5)]
    record = LabRecord(lab, 1.0, 4.0, functions, datetime(2026, 11, 20, tzinfo=timezone.utc), None, 0.0, 0.0)
    concerns = LabConcerns.from_record(record)
    assert set(about) <= set(concerns.diagnosed)
    chosen = choose("s1", [concerns])
    assert [c.question.id for c in chosen[:len(about)]] == about
    assert any("diagnosed in rmsprop" in r for r in chosen[0].reasons)
    sheet = Sheet(StudentRecord("s1", "Sam", "One", [record], [lab]), [LabView(record, "Optimisers", [], {}, "")],
                  chosen, 0.5, {lab: {"rmsprop", "adam"}})
    page = render_html(sheet)
    assert "Misconception diagnosed" in page and html.escape(entry.name, quote=False) in page
    assert SCRIPT not in page and "&lt;script&gt;window.__pwned_diag" in page


# ------------------------------------------------------------------------ the catalogue's references
def test_every_mutant_is_probed_by_viva_questions_of_the_bank_and_names_a_slide_line_or_notebook_heading_that_exists():
    """Its viva questions (its own ids, else the bank's about its function) exist in
    autograder/viva/questions/<lab>.yaml, edited elsewhere: this catches drift; ``slides.txt:N`` is a non-empty line of the shared deck; ``<lab>.ipynb § heading`` is a
    markdown heading of the lab's source notebook."""
    import json
    import re

    from autograder.course import REPO
    from autograder.viva.bank import questions_for
    from autograder.viva.selection import probing_questions

    found = [p for p in (REPO / "shared", REPO.parent / "shared", REPO.parent.parent / "shared")
             if (p / "lecture" / "slides.txt").is_file()]  # the deck sits beside the checkout, not in it
    slides = (found[0] / "lecture" / "slides.txt").read_text().splitlines() if found else None
    problems = []
    for lab in catalogue.catalogued_labs("mutant"):
        bank = {q.id for q in questions_for(lab)}
        nb = json.loads((REPO / "source" / lab / f"{lab}.ipynb").read_text())
        headings = {line.lstrip("#").strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                    for line in "".join(c["source"]).splitlines() if line.startswith("#")}
        for named in catalogue.mutants(lab).values():
            for entry in named.values():
                asked = probing_questions(entry)
                if not asked or set(asked) - bank:
                    problems.append(f"{entry.id}: viva {asked} not all in the bank of {lab}")
                where = entry.contradicts
                if m := re.fullmatch(r"slides\.txt:(\d+)", where):
                    if slides is not None and not (0 < int(m[1]) <= len(slides) and slides[int(m[1]) - 1].strip()):
                        problems.append(f"{entry.id}: {where} is not a line of the slides")
                elif m := re.fullmatch(rf"{lab}\.ipynb § (.+)", where):
                    if m[1] not in headings:
                        problems.append(f"{entry.id}: {where!r} is no heading of source/{lab}/{lab}.ipynb")
                else:
                    problems.append(f"{entry.id}: contradicts {where!r} is neither slides.txt:N nor {lab}.ipynb § heading")
    assert not problems, "\n".join(problems[:20])
