"""The course's files (grader side): where things are, and how we call plain nbgrader on them.

This package also holds :mod:`.submissions` (a submission built from source's solution cells, the
solution code of a notebook) and :mod:`.leaks` (grading-side text in anything a student sees).

The repository root is an nbgrader course directory (``source/``, ``release/``, ``nbgrader_config.py``).
Throw-away course roots (the demo, tests) hold a symlink to ``source/`` and their own
``release/``, ``submitted/``, ``autograded/`` and gradebook, so nothing of a live course is touched.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: jsonschema's optional checker of the "iri" format (rfc3987-syntax, which nbformat's
#: ``jsonschema[format-nongpl]`` pulls in) compiles ~35 Earley grammars at import: 1.1 s in every
#: process that imports nbformat (nbgrader, dlcourse, each test worker). No schema of nbformat or
#: nbgrader uses that format, so the processes we start go without it (jsonschema then skips the
#: format, as it does for any checker that is not installed).
SKIP_SLOW_IMPORTS = "import sys; sys.modules.setdefault('rfc3987_syntax', None)"


def skip_slow_imports() -> None:
    """Apply :data:`SKIP_SLOW_IMPORTS` in this process (before nbformat is first imported)."""
    sys.modules.setdefault("rfc3987_syntax", None)
SOURCE = REPO / "source"
RELEASE = REPO / "release"


def labs() -> list[str]:
    """Lab ids in order: folders ``source/<lab_id>/`` holding ``<lab_id>.ipynb``."""
    return sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())


def notebook_path(root: Path, stage: str, lab: str, student: str | None = None) -> Path:
    """``<root>/<stage>/[<student>/]<lab>/<lab>.ipynb`` for stage in source/release/submitted/autograded."""
    parts = [stage] + ([student] if student else []) + [lab, f"{lab}.ipynb"]
    return Path(root).joinpath(*parts)


def nbgrader(*args: str, root: Path | None = None, check: bool = True, timeout: float | None = None,
             env: dict | None = None, on_log_line=None) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` with the repo's config, on course root ``root`` (default: the repo).

    Runs from the repo root so ``nbgrader_config.py`` is read; ``--CourseDirectory.root`` points it at
    ``root``. Output is captured and returned; with ``check`` a non-zero exit raises with nbgrader's log.
    ``on_log_line(line)`` is called with each line of nbgrader's log (stderr) as it is written
    (progress of a long run).
    """
    cmd = [sys.executable, "-c", f"{SKIP_SLOW_IMPORTS}; import runpy; runpy.run_module('nbgrader', run_name='__main__')",
           *args]
    if root is not None:
        cmd.append(f"--CourseDirectory.root={Path(root).resolve()}")
    # nbgrader shells out to `alembic` and starts `python3` kernels: the venv's bin must come first.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    full_env = dict(os.environ, PATH=path, MPLBACKEND="Agg", **(env or {}))
    if on_log_line is None:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=full_env)
    else:
        proc = _run_streaming(cmd, full_env, timeout, on_log_line)
    if check and proc.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-5000:]}")
    return proc


def _run_streaming(cmd: list[str], env: dict, timeout: float | None, on_log_line) -> subprocess.CompletedProcess:
    """``subprocess.run`` with stdout and stderr captured, calling ``on_log_line`` on each stderr line."""
    import threading

    with subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
        reader.start()
        err = []
        for line in proc.stderr:
            err.append(line)
            on_log_line(line.rstrip("\n"))
        proc.wait(timeout=timeout)
        reader.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, "".join(out), "".join(err))


def scratch_course(root: Path) -> Path:
    """Make ``root`` a course directory that shares ``source/`` with the repo (symlink)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    link = root / "source"
    if not link.exists():
        link.symlink_to(SOURCE, target_is_directory=True)
    return root
