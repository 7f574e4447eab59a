"""Cohort similarity (copydetect): copies with renamed variables and moved cells are flagged, the
scaffold never counts, honest solutions are not flagged, and the same submissions give the same numbers.

Only ``submitted/`` and the release are read, so the cohort of ``tests/viva/cohort.py`` is built
without grading it (fast).
"""
import hashlib
import html
import io
import shutil

import nbformat
import numpy as np
import pytest
from copydetect import CodeFingerprint, compare_files

from autograder.course import RELEASE, notebook_path, scratch_course
from autograder.course.submissions import grade_id, is_solution_cell
from autograder.viva import similarity as sim
from tests.viva.cohort import LAB, MOVED_UP, RENAMES, build_cohort

pytestmark = pytest.mark.xdist_group("viva_cohort")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = scratch_course(tmp_path_factory.mktemp("viva-similarity"))
    # a copy of the committed release of lab 1 (not a link: `make release` may rewrite it meanwhile)
    shutil.copytree(RELEASE / LAB, root / "release" / LAB)
    build_cohort(root, with_eve=True)
    corrupt = notebook_path(root, "submitted", LAB, "ada")
    fay = notebook_path(root, "submitted", LAB, "fay")
    fay.parent.mkdir(parents=True)
    fay.write_text(corrupt.read_text()[:5000])  # an upload cut short
    return root


@pytest.fixture(scope="module")
def result(root):
    return sim.compare_lab(root, LAB)


def _pair(result, a, b):
    (pair,) = [p for p in result.pairs if {p.a, p.b} == {a, b}]
    return pair


def _cells(root, student):
    nb = nbformat.read(notebook_path(root, "submitted", LAB, student), as_version=4)
    return [(grade_id(c), c.source) for c in nb.cells if is_solution_cell(c)]


def test_the_cohort_really_renames_and_reorders(root):
    bob, cat = dict(_cells(root, "bob")), dict(_cells(root, "cat"))
    assert sum(bob[name] != cat[name] for name in bob) == len(bob)
    assert "resid = np.array(y" in cat["mse"] and "diff" not in cat["mse"]
    order_bob, order_cat = [n for n, _ in _cells(root, "bob")], [n for n, _ in _cells(root, "cat")]
    assert order_bob != order_cat and order_cat[: len(MOVED_UP)] == list(MOVED_UP)


def test_copy_with_renamed_variables_and_moved_cells_is_flagged(root, result):
    pair = _pair(result, "bob", "cat")
    assert pair.flagged
    assert pair.similarity_a > 0.95 and pair.similarity_b > 0.95
    # every function of bob's with fingerprints (own code of at least K filtered characters) is shared
    scaffold = sim.Scaffold.from_release(sim.release_notebook(root, LAB))
    bob = sim.fingerprint("bob", sim.solution_cells(notebook_path(root, "submitted", LAB, "bob"), result.functions),
                          sim.boilerplate_hashes(scaffold.texts()), scaffold.stubs)
    with_code = {name for name, covered in bob.cell_coverage.items() if covered}
    assert len(with_code) >= 18 and set(pair.shared_functions()) == with_code


def test_flagged_pairs_are_exactly_the_two_that_share_code(result):
    # ada and dee both hand in the reference (dee with three bugs): a second, genuine pair.
    assert [(p.a, p.b) for p in result.flagged] == [("bob", "cat"), ("ada", "dee")]
    ada_dee = _pair(result, "ada", "dee")
    shares = {m.function: max(m.share_a, m.share_b) for m in ada_dee.functions}
    assert shares["linear_neuron"] == 1.0
    assert shares["huber_grad"] < 1.0  # dee's bug changed part of it


def test_scaffold_only_student_is_never_flagged(result):
    for other in ("ada", "bob", "cat", "dee", "eve"):
        pair = _pair(result, "ben", other)
        assert not pair.flagged and pair.similarity_a == 0.0 and pair.similarity_b == 0.0 and pair.overlap == 0


def test_independent_solutions_keeping_the_scaffold_are_not_flagged(result):
    for a, b in (("ada", "bob"), ("ada", "cat"), ("bob", "dee"), ("cat", "dee")):
        pair = _pair(result, a, b)
        assert not pair.flagged and pair.score < 0.02, (a, b, pair.score)
    for other in ("ada", "bob", "cat", "dee"):
        assert not _pair(result, "eve", other).flagged


def test_without_removing_the_scaffold_shared_stubs_would_be_flagged(root, result):
    """ben and eve share fourteen untouched stubs and nothing else: counted, that is most of ben's code."""
    scaffold = sim.Scaffold.from_release(sim.release_notebook(root, LAB))
    cells = {s: sim.solution_cells(notebook_path(root, "submitted", LAB, s), result.functions) for s in ("ben", "eve")}
    raw = sim.compare(sim.fingerprint("ben", cells["ben"], set()), sim.fingerprint("eve", cells["eve"], set()))
    assert raw.similarity_a > 0.6 and raw.overlap >= sim.MIN_OVERLAP  # would be a flag
    boiler = sim.boilerplate_hashes(scaffold.texts())
    # either half of the removal alone already keeps them apart; the page uses both
    only_boilerplate = sim.compare(sim.fingerprint("ben", cells["ben"], boiler), sim.fingerprint("eve", cells["eve"], boiler))
    only_cut = sim.compare(sim.fingerprint("ben", cells["ben"], set(), scaffold.stubs),
                           sim.fingerprint("eve", cells["eve"], set(), scaffold.stubs))
    assert only_boilerplate.score == 0.0 and only_cut.score == 0.0
    assert _pair(result, "ben", "eve").score == 0.0


def test_removing_the_scaffold_is_what_keeps_the_blank_release_at_zero(root):
    scaffold = sim.Scaffold.from_release(sim.release_notebook(root, LAB))
    ben = sim.solution_cells(notebook_path(root, "submitted", LAB, "ben"), list(scaffold.stubs))
    assert ben == scaffold.stubs
    without = sim.fingerprint("ben", ben, boilerplate=set())
    assert len(without.hashes) > 50  # the stubs alone have plenty of fingerprints...
    kept = sim.fingerprint("ben", ben, sim.boilerplate_hashes(scaffold.texts()), scaffold.stubs)
    assert kept.hashes == set() and kept.token_coverage == 0  # ...and none survive


def test_docstrings_kept_or_deleted_make_no_difference(root):
    scaffold = sim.Scaffold.from_release(sim.release_notebook(root, LAB))
    bob = sim.solution_cells(notebook_path(root, "submitted", LAB, "bob"), list(scaffold.stubs))
    bare = {}
    for name, code in bob.items():  # the same code with the signature kept and the docstring deleted
        head, _, rest = code.partition('"""')
        bare[name] = head.rstrip() + "\n" + rest.split('"""', 1)[1].lstrip("\n")
    assert all('"""' not in code for code in bare.values())
    boiler = sim.boilerplate_hashes(scaffold.texts())
    pair = sim.compare(sim.fingerprint("bob", bob, boiler, scaffold.stubs),
                       sim.fingerprint("bare", bare, boiler, scaffold.stubs))
    assert pair.similarity_a == pytest.approx(1.0) and pair.similarity_b == pytest.approx(1.0)


def test_measure_is_copydetects(root):
    """On one cell, our fingerprints give copydetect's own similarity (window 1: hash-independent)."""
    a = sim.solution_cells(notebook_path(root, "submitted", LAB, "ada"), ["huber_grad"])["huber_grad"]
    d = sim.solution_cells(notebook_path(root, "submitted", LAB, "dee"), ["huber_grad"])["huber_grad"]
    ours = sim.compare(sim.fingerprint("ada", {"f": a}, set()), sim.fingerprint("dee", {"f": d}, set()))
    fa = CodeFingerprint("a.py", sim.K, 1, fp=io.StringIO(a))
    fd = CodeFingerprint("d.py", sim.K, 1, fp=io.StringIO(d))
    overlap, (sa, sd), _ = compare_files(fa, fd)
    assert 0 < ours.similarity_a < 1
    assert ours.similarity_a == pytest.approx(sa) and ours.similarity_b == pytest.approx(sd)
    assert ours.overlap == overlap


def test_same_submissions_same_numbers_without_pythons_hash(root, result, monkeypatch):
    import copydetect.utils

    def salted(*_a, **_k):
        raise AssertionError("Python's salted hash() path of copydetect was used")

    monkeypatch.setattr(copydetect.utils, "hashed_kgrams", salted)
    again = sim.compare_lab(root, LAB)
    assert again.students == result.students
    np.testing.assert_array_equal(again.matrix, result.matrix)
    assert [(p.a, p.b, p.similarity_a, p.similarity_b) for p in again.pairs] == \
           [(p.a, p.b, p.similarity_a, p.similarity_b) for p in result.pairs]
    # BLAKE2b of the k-gram, the same in every process and on every machine
    def blake(gram):
        return int.from_bytes(hashlib.blake2b(gram, digest_size=8).digest(), "little", signed=True)

    assert sim.stable_hashes("V=V.V(V,V=V)returnV.V(V>0,", 25).tolist() == [
        blake(b"V=V.V(V,V=V)returnV.V(V>0"), blake(b"=V.V(V,V=V)returnV.V(V>0,")]


def test_corrupt_notebook_is_left_out_and_named(result):
    assert "fay" not in result.students and len(result.students) == 6
    assert list(result.skipped) == ["fay"] and "could not be read" in result.skipped["fay"]


def test_a_higher_threshold_flags_fewer(root):
    strict = sim.compare_lab(root, LAB, threshold=0.95)
    assert [(p.a, p.b) for p in strict.flagged] == [("bob", "cat")]
    assert "95%" in strict.method()


def test_cohort_page_heatmap_and_ranked_pairs(result, tmp_path):
    paths = sim.write_cohort_page(result, tmp_path)
    page = paths["html"].read_text(encoding="utf-8")
    png = paths["png"].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert f'src="{paths["png"].name}"' in page
    assert result.method() in html.unescape(page) and "threshold 50%" in page and "copydetect 0.5.0" in page
    # ranked: bob-cat (100%) before ada-dee, each with side-by-side fragments
    assert page.index('id="pair-1"') < page.index('id="pair-2"')
    first = page[page.index('id="pair-1"'):page.index('id="pair-2"')]
    pair = _pair(result, "bob", "cat")
    assert "bob and cat" in first and first.count('<table class="side">') == len(pair.functions) >= 18
    # cat's renamed variable and bob's original both sit inside marked fragments
    assert "<mark>" in first
    marked = " ".join(chunk.split("</mark>")[0] for chunk in first.split("<mark>")[1:])
    assert RENAMES["diff"] in marked and "diff" in marked
    # the scaffold (the docstring) is never marked
    assert "Mean over all elements" not in marked
    flagged_table = page.split('<table id="flagged">')[1].split("</table>")[0]
    assert "bob – cat" in flagged_table and "ada – dee" in flagged_table and "ben" not in flagged_table
    assert "fay (notebook could not be read" in page
    rows = paths["csv"].read_text().splitlines()
    assert rows[0].startswith("a,b,similarity_a") and len(rows) == 1 + len(result.pairs) == 1 + 15
    assert rows[1].startswith("bob,cat,")


def test_cohort_page_is_byte_identical_when_rebuilt(root, result, tmp_path):
    one = sim.write_cohort_page(result, tmp_path / "one")
    two = sim.write_cohort_page(sim.compare_lab(root, LAB), tmp_path / "two")
    for kind in ("html", "csv", "png"):
        assert one[kind].read_bytes() == two[kind].read_bytes(), kind
