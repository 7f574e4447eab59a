"""What a sandboxed grading kernel can read of the autograder is enough to run and report every lab.

The sandbox binds only :data:`autograder.bulk.sandbox.KERNEL_SIDE` into the kernel. Here: those
modules import nothing of the grader's side at module level, and a fresh interpreter in which every
grader-side module (case generators, judges, tolerance policy, seeds, the reference) fails to import
still runs every graded function of every lab on a cases file and reports an entry per case.
"""
import ast
import json
import subprocess
import sys

import pytest

from autograder.bulk.sandbox import KERNEL_SIDE
from autograder.course import REPO

GRADER_SIDE = ("solutions", "autograder.cases", "autograder.judging", "autograder.scoring", "autograder.seeding",
               "autograder.compare", "autograder.trained_models", "autograder.salt", "autograder.bulk",
               "autograder.leaks", "autograder.cli")
LABS = sorted(p.stem for p in (REPO / "autograder" / "cases").glob("lab*.py"))


def _kernel_files():
    for name in KERNEL_SIDE:
        path = REPO / "autograder" / name
        yield from ([path] if name.endswith(".py") else sorted(path.glob("*.py")))


def _module_level_imports(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_kernel_side_modules_import_nothing_of_the_grader_side_at_module_level():
    found = []
    for path in _kernel_files():
        for module in _module_level_imports(ast.parse(path.read_text())):
            if module.startswith(GRADER_SIDE):
                found.append(f"{path.relative_to(REPO)} imports {module}")
    assert not found, "\n".join(found)


def test_every_lab_has_a_runner_module_or_plain_calls_only():
    from autograder.cases import specs_for_lab

    for lab in LABS:
        module = REPO / "autograder" / "runners" / f"{lab}.py"
        plain = all(spec.run is None for spec in specs_for_lab(lab))
        assert module.exists() or plain, f"{lab} has custom runners but no autograder/runners/{lab}.py"


#: Source that a fresh interpreter runs first to be a sandboxed kernel's Python: every grader-side
#: module fails to import, and each attempt is recorded in ``tried``.
BLOCK_GRADER_SIDE = f'''
import sys

BLOCKED = {GRADER_SIDE!r}
tried = []


class _GraderSide:
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED or name.startswith(tuple(b + "." for b in BLOCKED)):
            tried.append(name)
            raise ImportError(f"the grading kernel cannot import {{name}}")
        return None


sys.meta_path.insert(0, _GraderSide())
'''

_KERNEL = BLOCK_GRADER_SIDE + r'''
import json, pathlib

from autograder.harness import build_report
from autograder.runners import CASES_FILE, load_cases, runner_for

out = {}
for qualname in json.loads(sys.argv[1]):
    runner = runner_for(qualname)
    uses = {name: (lambda *a, **k: None) for name in runner.uses}
    cases = load_cases(qualname, pathlib.Path(CASES_FILE))
    payload = build_report(lambda *a, **k: None, qualname, cases, uses)
    out[qualname] = [len(cases), len(payload["cases"]), payload["not_implemented"]]
print(json.dumps({"reports": out, "tried": sorted(set(tried))}))
'''


@pytest.mark.parametrize("lab", LABS)
def test_a_kernel_without_the_grader_side_runs_every_function_of_the_lab(lab, tmp_path):
    from autograder.cases import given_files, specs_for_lab
    from autograder.runners import CASES_FILE, GIVEN_DIR
    from autograder.scoring import run_cases_file

    (tmp_path / GIVEN_DIR).mkdir()
    (tmp_path / CASES_FILE).write_bytes(run_cases_file(lab, 20261128))
    for name, data in given_files(lab).items():
        (tmp_path / GIVEN_DIR / name).write_bytes(data)
    qualnames = [s.qualname for s in specs_for_lab(lab)]
    proc = subprocess.run([sys.executable, "-c", _KERNEL, json.dumps(qualnames)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "DLCOURSE_DEVICE": "cpu"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["tried"] == [], f"the kernel side reached for {result['tried']}"
    for qualname, (given, reported, _) in result["reports"].items():
        assert reported == given, f"{qualname}: {reported} of {given} cases reported"
