"""What a sandboxed grading kernel can read of the autograder is enough to run and report every lab.

The sandbox binds ``autograder/__init__.py`` and ``autograder/kernel/`` into the kernel, nothing else
of the grader; the import contract (tests/autograder/test_import_contracts.py) keeps the kernel side
from importing the rest. Here, in a fresh interpreter in which every other module of ``autograder``
and the reference fail to import, each lab's runners still run every graded function on a cases
file and report an entry per case.
"""
import json
import subprocess
import sys

import pytest

from autograder.course import REPO

LABS = sorted(p.stem for p in (REPO / "autograder" / "grading" / "cases").glob("lab*.py"))


def test_every_lab_has_a_runner_module_or_plain_calls_only():
    from autograder.grading.cases import specs_for_lab

    for lab in LABS:
        module = REPO / "autograder" / "kernel" / "runners" / f"{lab}.py"
        plain = all(spec.run is None for spec in specs_for_lab(lab))
        assert module.exists() or plain, f"{lab} has custom runners but no autograder/kernel/runners/{lab}.py"


#: Source that a fresh interpreter runs first to be a sandboxed kernel's Python: every grader-side
#: module fails to import, and each attempt is recorded in ``tried``.
BLOCK_GRADER_SIDE = '''
import sys

tried = []


def grader_side(name):
    """Everything of the grader: ``solutions`` and ``autograder`` but its entry point and ``kernel/``."""
    top, _, rest = name.partition(".")
    return top == "solutions" or (top == "autograder" and rest != "" and rest.split(".")[0] != "kernel")


class _GraderSide:
    def find_spec(self, name, path=None, target=None):
        if grader_side(name):
            tried.append(name)
            raise ImportError(f"the grading kernel cannot import {name}")
        return None


sys.meta_path.insert(0, _GraderSide())
'''

_KERNEL = BLOCK_GRADER_SIDE + r'''
import json, pathlib

from autograder.kernel.harness import build_report
from autograder.kernel.runners import CASES_FILE, load_cases, runner_for

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
    from autograder.grading.cases import given_files, specs_for_lab
    from autograder.kernel.runners import CASES_FILE, GIVEN_DIR
    from autograder.grading.scoring import run_cases_file

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
