"""The trust boundary is an import contract (``[tool.importlinter]`` in ``pyproject.toml``), not a list.

``import-linter`` builds the import graph of ``autograder``, ``solutions`` and ``labkit`` (imports
inside functions included) and checks: the kernel side (``autograder/kernel/``) imports nothing of
the grader side or the reference; the student toolkit imports neither; the entry point
``autograder.check`` reaches the grader side only through plain nbgrader's in-kernel path; no two
modules or packages of one folder import each other in a circle. Here the contracts are kept by
the tree, broken by planted violations, and the forbidden lists cover every grader-side package
(so a new package cannot slip past them).
"""
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from autograder.cohort.sandbox import KERNEL_SIDE
from autograder.course import REPO

LINT = Path(sys.executable).parent / "lint-imports"
CONTRACTS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache", "--no-logo", "pyproject.toml"], cwd=root,
                          capture_output=True, text=True, timeout=300)


def _contract(cid: str) -> dict:
    return next(c for c in CONTRACTS if c["id"] == cid)


def test_the_tree_keeps_every_contract():
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"{len(CONTRACTS)} kept, 0 broken" in done.stdout


def test_the_forbidden_lists_name_every_grader_side_package():
    """Everything in ``autograder/`` except the entry point and ``kernel/`` is the grader side."""
    grader_side = {f"autograder.{p.stem}" for p in (REPO / "autograder").iterdir()
                   if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").is_file()}
    grader_side -= {"autograder.kernel"}
    for cid in ("kernel-side", "entry-point"):
        named = {m.removesuffix(".**") for m in _contract(cid)["forbidden_modules"]}
        assert named == grader_side | {"solutions"}, cid
    assert _contract("entry-point")["ignore_imports"] == ["autograder -> autograder.grading.in_kernel"]


def test_the_sandbox_binds_the_kernel_folder_and_the_entry_point_only():
    assert KERNEL_SIDE == ("__init__.py", "kernel")
    assert _contract("kernel-side")["source_modules"] == ["autograder.kernel"]


@pytest.fixture
def scratch(tmp_path):
    """A copy of the three root packages and the contracts, to plant violations in."""
    for name in ("autograder", "solutions", "labkit"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.yaml"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _plant(root: Path, module: str, code: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + "\n\n" + code + "\n")


@pytest.mark.parametrize("module, code, contract", [
    # a lazy import, inside a function, of the judges
    ("autograder.kernel.harness", "def _peek():\n    from autograder.grading import judging\n    return judging",
     "the kernel side"),
    # the reference, at module level, from a runner
    ("autograder.kernel.runners.lab03_optimizers", "import solutions.optimizers", "the kernel side"),
    # the student toolkit reading the salt
    ("labkit.checks", "def _salt():\n    from autograder.grading.salt import course_salt\n    return course_salt()",
     "the student toolkit"),
    # the entry point reaching past the in-kernel path
    ("autograder", "def _seed():\n    from autograder.grading import seeding\n    return seeding", "autograder.check"),
    # a circle: the tolerance policy importing the scorer that imports it
    ("autograder.grading.compare", "def _loop():\n    from autograder.grading import scoring\n    return scoring",
     "no import circles"),
])
def test_a_planted_violation_breaks_its_contract(scratch, module, code, contract):
    assert _lint(scratch).returncode == 0  # the copy keeps them
    _plant(scratch, "autograder/__init__" if module == "autograder" else module, code)
    done = _lint(scratch)
    assert done.returncode != 0
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, done.stdout[-3000:]
