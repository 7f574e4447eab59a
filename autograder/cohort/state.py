"""What has been graded, from which files: the resume record of ``dlcourse grade``.

Per lab, ``<root>/.dlcourse/<lab>.json`` maps each student to the digest of the files that were graded
and the outcome. Executed notebooks are staged in ``<root>/.dlcourse/executed/<lab>/<student>/<digest>/``
before the gradebook is written, so a driver killed between the two finishes from the stage on the
next run instead of executing again. ``<lab>.journal.jsonl`` appends one line per execution and per
recorded grade, so tests (and TAs) can see that nothing was graded twice. Every write is atomic
(temporary file, then rename).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path


#: Files of the repository that take part in producing a score (the grader-side code, the reference,
#: the student toolkit the kernel imports, nbgrader's configuration): :func:`grader_code_digest`.
GRADING_CODE = ("autograder", "solutions", "labkit", "nbgrader_config.py")
#: What of those does not grade (TA tools around grading: reports, intake, the viva, the command line,
#: the cluster's credentials and the resume record); a change of them regrades nothing.
NOT_GRADING = ("autograder/viva", "autograder/workflows", "autograder/cli.py", "autograder/course/leaks.py",
               "autograder/cohort/collect.py", "autograder/cohort/intake.py", "autograder/cohort/roster.py",
               "autograder/cohort/report.py", "autograder/cohort/feedback.py", "autograder/cohort/progress.py",
               "autograder/cohort/gradebook.py", "autograder/cohort/cluster.py", "autograder/cohort/state.py",
               "autograder/cohort/canary.py")


def grader_code_files(repo: Path | None = None) -> list[Path]:
    """The ``.py`` files of :data:`GRADING_CODE` less :data:`NOT_GRADING`, sorted, under ``repo``."""
    from autograder.course import REPO

    repo = Path(repo or REPO)
    out = []
    for top in GRADING_CODE:
        path = repo / top
        found = [path] if path.is_file() else sorted(path.rglob("*.py")) if path.is_dir() else []
        for p in found:
            rel = p.relative_to(repo).as_posix()
            if "__pycache__" not in rel and not any(rel == n or rel.startswith(n + "/") for n in NOT_GRADING):
                out.append(p)
    return sorted(out)


def grader_code_digest(repo: Path | None = None) -> str:
    """SHA-256 of the grader-side code (:func:`grader_code_files`: names relative to ``repo``, and bytes).

    The driver records it with every grade, and every worker reports its own (the canary stops a
    worker that grades with other code)."""
    from autograder.course import REPO

    repo = Path(repo or REPO)
    h = hashlib.sha256()
    for path in grader_code_files(repo):
        h.update(path.relative_to(repo).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def grading_digest(source_notebook: Path | None, code_digest: str | None = None) -> str:
    """What produces a lab's grades besides the submission: the lab's source notebook (its hidden
    tests), the grader-side code (:func:`grader_code_digest`) and the course salt (as a hash)."""
    from autograder.grading.salt import course_salt

    h = hashlib.sha256(b"grading\0")
    if source_notebook is not None and Path(source_notebook).is_file():
        h.update(b"source\0" + hashlib.sha256(Path(source_notebook).read_bytes()).digest())
    h.update(b"code\0" + (code_digest or grader_code_digest()).encode())
    h.update(b"salt\0" + hashlib.sha256(course_salt().encode()).digest())
    return h.hexdigest()


def submission_digest(folder: Path, source_notebook: Path | None = None, grading: str | None = None) -> str:
    """SHA-256 of every file under ``folder`` (names and bytes) and of what grades it
    (:func:`grading_digest` of the lab's source notebook, unless given as ``grading``): a change of the
    submission, the hidden tests, the grader's code or the salt means a regrade."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        h.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    h.update(b"grading\0" + (grading or grading_digest(source_notebook)).encode())
    return h.hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class GradingState:
    """The resume record of one lab on one course root."""

    def __init__(self, root: Path, lab: str):
        self.dir = Path(root) / ".dlcourse"
        self.lab = lab
        self.path = self.dir / f"{lab}.json"
        self.journal_path = self.dir / f"{lab}.journal.jsonl"
        self.records: dict[str, dict] = json.loads(self.path.read_text()) if self.path.is_file() else {}

    def is_current(self, student: str, digest: str, failed_canaries: set[str] = frozenset()) -> bool:
        """Whether ``student``'s grade was recorded from these files and code (``digest``), by a worker
        whose canary has not failed since (``failed_canaries``: environment keys of :mod:`.canary`)."""
        rec = self.records.get(student)
        return bool(rec) and rec.get("digest") == digest and rec.get("canary") not in failed_canaries

    def stage_dir(self, student: str, digest: str) -> Path:
        return self.dir / "executed" / self.lab / student / digest

    def staged(self, student: str, digest: str) -> dict | None:
        """The staged execution result (``{"executed": {...}, "status": {...}, ...}``) or ``None``."""
        path = self.stage_dir(student, digest) / "outcome.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def stage(self, student: str, digest: str, outcome: dict) -> None:
        _atomic_write(self.stage_dir(student, digest) / "outcome.json", json.dumps(outcome))
        self.log("executed", student, digest, worker=outcome.get("worker", ""))

    def record(self, student: str, **fields) -> None:
        self.records[student] = dict(fields, recorded_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
        _atomic_write(self.path, json.dumps(self.records, indent=1, sort_keys=True))
        self.log("recorded", student, fields.get("digest", ""))

    def log(self, event: str, student: str, digest: str, **extra) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(dict(event=event, student=student, digest=digest, time=time.time(), **extra))
        with open(self.journal_path, "a") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def journal(self) -> list[dict]:
        if not self.journal_path.is_file():
            return []
        return [json.loads(ln) for ln in self.journal_path.read_text().splitlines() if ln.strip()]
