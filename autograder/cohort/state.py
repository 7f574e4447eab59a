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


def submission_digest(folder: Path, source_notebook: Path | None = None) -> str:
    """SHA-256 of every file under ``folder`` (names and bytes), and of the lab's source notebook
    (a change in the hidden tests means a regrade)."""
    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        h.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    if source_notebook is not None and source_notebook.is_file():
        h.update(b"source\0" + hashlib.sha256(source_notebook.read_bytes()).digest())
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

    def is_current(self, student: str, digest: str) -> bool:
        rec = self.records.get(student)
        return bool(rec) and rec.get("digest") == digest

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
