"""Grade the catalogue's correct variants through real notebooks, on both grading paths.

    .venv/bin/python tools/prove_variants.py LAB [LAB ...]

For each lab, student ``variantK`` fills every graded function's solution cell with the K-th variant
of ``autograder/grading/catalogue/variants/<lab>.py`` (cycling where a function has fewer), so that
every variant is in some notebook. All of them, the reference and the blank release go through plain
``nbgrader autograde`` (:func:`autograder.workflows.labcheck.check_lab`) and through ``dlcourse grade``
(:func:`autograder.workflows.labcheck.grade_with_dlcourse`: sandboxed kernel, outputs reported on a run's
cases and scored outside it). Prints each student's score per test cell on both paths and every cell
where a variant lost points or the two paths disagree; exits 1 if there is one. A variant notebook runs
its visible checks too: a check cell that raised (it would fail ``nbgrader validate``) is reported.

This runs whole notebooks (minutes per lab); the suite's in-process check of every non-trained
variant is tests/autograder/test_one_score.py (the differential test).
"""
from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.course.submissions import solution_code  # noqa: E402
from autograder.workflows.labcheck import check_lab, grade_with_dlcourse  # noqa: E402


def variants(lab: str) -> dict:
    path = REPO / "autograder" / "grading" / "catalogue" / "variants" / f"{lab}.py"
    spec = importlib.util.spec_from_file_location(f"_variants_{lab}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VARIANTS


def students(lab: str) -> tuple[dict, dict]:
    """``({student: {solution cell: source}}, {student: {function: variant name}})``."""
    table = variants(lab)
    count = max(len(v) for v in table.values())
    fills, names = {}, {}
    for k in range(count):
        fills[f"variant{k}"], names[f"variant{k}"] = {}, {}
        for function, entries in table.items():
            name = list(entries)[k % len(entries)]
            fills[f"variant{k}"][function] = entries[name]
            names[f"variant{k}"][function] = name
    return fills, names


def failed_visible_checks(root: Path, lab: str, student: str) -> list[str]:
    """Visible-check cells (``check_*``) of an autograded notebook whose output is an error."""
    import nbformat

    path = root / "autograded" / student / lab / f"{lab}.ipynb"
    if not path.exists():
        return [f"no autograded notebook at {path}"]
    failed = []
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("check_"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    failed.append(f"{grade_id}: {out.get('ename')}: {str(out.get('evalue'))[:160]}")
    return failed


def prove(lab: str) -> bool:
    fills, names = students(lab)
    root = Path(tempfile.mkdtemp(prefix=f"variants-{lab}-"))
    t0 = time.perf_counter()
    plain = check_lab(lab, root / "plain", extra=fills, via_dlcourse=False, run_every_cell=True)
    reference_seconds = plain["_seconds"]
    reference = solution_code(lab)
    dl = grade_with_dlcourse(lab, {"reference": reference, **{k: {**reference, **v} for k, v in fills.items()}},
                             root / "dlcourse")
    print(f"\n== {lab} ({time.perf_counter() - t0:.0f} s; the reference's autograde {reference_seconds:.0f} s)")
    ok = True
    for student in ["reference", *fills]:
        for path, scores in (("nbgrader autograde", plain[student]), ("dlcourse grade", dl[student])):
            if not scores:
                print(f"  !! {student} ({path}): NOT GRADED")
                ok = False
                continue
            total, maximum = sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())
            print(f"  {student:10s} {path:18s} {total:g} / {maximum:g}")
            for cell, (s, m) in scores.items():
                if s != m:
                    ok = False
                    function = cell.removeprefix("test_")
                    print(f"    !! {cell}: {s:g} / {m:g}  ({names.get(student, {}).get(function, 'the reference')})")
        if plain[student] and dl[student]:
            for cell in plain[student]:
                if plain[student][cell] != dl[student].get(cell):
                    ok = False
                    print(f"    !! {cell}: nbgrader {plain[student][cell]} but dlcourse {dl[student].get(cell)}")
    for student in ["reference", *fills]:
        for failure in failed_visible_checks(Path(plain["_root"]), lab, student):
            ok = False
            print(f"  !! {student}: visible check failed: {failure}")
    earned = {c: s for c, (s, _) in (plain["blank"] or {}).items() if s}
    if earned:
        ok = False
        print(f"  !! the blank release earns {earned}")
    for student, chosen in names.items():
        print(f"  {student}: " + "; ".join(f"{f}: {n}" for f, n in chosen.items()))
    return ok


def main(labs: list[str]) -> int:
    results = [prove(lab) for lab in labs]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
