"""release/ is exactly what nbgrader makes from source/, and leaks nothing of the grading side."""
import filecmp
from pathlib import Path

import nbformat
import pytest

from autograder.course import RELEASE, SOURCE, labs, scratch_course
from autograder.workflows.release import regenerate_release
from autograder.course.submissions import solution_code

LABS = labs()
FORBIDDEN = ["### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS",
             "autograder", "from solutions", "import solutions"]


@pytest.mark.xdist_group("release-sync")
def test_release_is_byte_for_byte_what_nbgrader_generates(tmp_path):
    root = scratch_course(tmp_path / "course")
    regenerate_release(LABS, root=root, quiet=True, refresh_viva=False)
    fresh = root / "release"
    for lab in LABS:
        cmp = filecmp.dircmp(fresh / lab, RELEASE / lab)
        assert not cmp.left_only, f"release/{lab} lacks {cmp.left_only}: run `make release`"
        assert not cmp.right_only, f"release/{lab} has extra files {cmp.right_only}: run `make release`"
        for name in cmp.common_files:
            assert (fresh / lab / name).read_bytes() == (RELEASE / lab / name).read_bytes(), \
                f"release/{lab}/{name} differs from what nbgrader generates from source/: run `make release`"
    assert sorted(p.name for p in RELEASE.iterdir() if p.is_dir()) == LABS


@pytest.mark.parametrize("lab", LABS)
def test_release_holds_no_solution_or_hidden_test(lab):
    text = (RELEASE / lab / f"{lab}.ipynb").read_text()
    for marker in FORBIDDEN:
        assert marker not in text, f"release/{lab} contains {marker!r}"
    nb = nbformat.read(RELEASE / lab / f"{lab}.ipynb", as_version=4)
    release_code = "\n".join(c.source for c in nb.cells)
    for name, code in solution_code(lab).items():
        body = code.split('"""')[-1] if code.count('"""') >= 2 else code  # after the docstring
        lines = [ln.strip() for ln in body.splitlines()
                 if len(ln.strip()) > 25 and not ln.strip().startswith(("#", "def ", "class ", "return None"))]
        leaked = [ln for ln in lines if ln in release_code]
        assert not leaked, f"release/{lab}: solution lines of {name} appear in the release: {leaked[:2]}"
    for path in Path(RELEASE / lab).rglob("*"):
        assert path.suffix not in {".py"} or "solution" not in path.name


@pytest.mark.parametrize("lab", LABS)
def test_viva_prep_page_in_source_matches_the_bank(lab, tmp_path):
    from autograder.viva.bank import load_bank
    from autograder.viva.self_review import build_self_review

    bank = load_bank()
    if not any(q.lab == lab for q in bank):
        pytest.skip(f"no viva questions for {lab} yet")
    fresh = build_self_review(lab, tmp_path, bank=bank)
    committed = SOURCE / lab / fresh.name
    assert committed.is_file(), f"{committed} is missing: run `make release`"
    assert committed.read_text() == fresh.read_text(), f"{committed} is stale: run `make release`"
    assert (RELEASE / lab / fresh.name).is_file(), f"release/{lab} lacks {fresh.name}: run `make release`"
