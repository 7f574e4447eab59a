"""The canary: every worker grades the lab's reference and blank submissions before it grades a student.

A worker is a machine the TA does not watch: its environment may lack the course's modules (a kernel
that cannot import ``labkit`` scores every student 0), hold other versions of the packages or of the
grader's code, or have been tampered with (a hook that scores a blank notebook full). Before
``dlcourse grade`` writes anything to the gradebook, each worker of the cluster

1. reports its environment (:func:`autograder.cohort.tasks.worker_environment`): Python, the versions of
   the pinned packages, the digest of its grader-side code on disk and as loaded, its sandbox, its
   Dask plugins. Other grader code or other package versions than the TA's stop the run at once;
2. grades, through the very task that grades students, the lab's source notebook (the reference:
   every autograded test cell must get full points) and the same notebook with its solutions
   cleared by nbgrader (the blank: every cell must get 0).

Any worker that fails stops the run with a message that says which worker, which cells, and what its
kernel raised; nothing of the run is written to the gradebook, and a grade recorded under that
worker's environment key before is regraded on the next run (:meth:`GradingState.is_current`).

A pass is cached in ``<root>/.dlcourse/canary.json`` (read, merged and written under a file lock, so
runs that share the file, as the test suite's parallel workers do, never lose each other's passes) under a key of everything it depends on: the
worker's environment (above, including its host and the code as loaded: a function replaced in a
running worker changes it), the lab's grading digest (source notebook, grader code, salt), the
sandbox mode and the limits. A worker whose key passed before costs one small round trip; a new
key costs two notebook runs on that worker, once. The canary checks the worker, not each grade: a
worker built to recognise the reference and lie only about students' notebooks is beyond it (it
would need a course certificate to join; see docs/tamper-proof-grading.md).
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from filelock import FileLock

from autograder.cohort.limits import Limits
from autograder.cohort.state import _atomic_write, grader_code_digest, grading_digest
from autograder.cohort.tasks import Job, execute_job, outcome_from_json, package_versions, worker_environment
from autograder.course import SOURCE
from autograder.grading.seeding import run_seed

REFERENCE, BLANK = "canary-reference", "canary-blank"
#: A canary's tasks go before the students' on their worker.
PRIORITY = 100


class CanaryFailed(RuntimeError):
    """A worker failed its canary; the message says which, why, and that nothing was written."""


@dataclass
class WorkerCheck:
    """One worker's canary for one lab: its key, whether it passed, why not, and whether it was cached."""

    worker: str
    lab: str
    key: str = ""
    passed: bool = False
    problems: list[str] = field(default_factory=list)
    cached: bool = False
    seconds: float = 0.0


def canary_notebooks(lab: str, config) -> dict[str, bytes]:
    """``{REFERENCE: source notebook, BLANK: its solutions cleared by nbgrader's ClearSolutions}`` as bytes,
    their experiment and visible-check cells tagged as the sanitising of a student's notebook tags them (grading skips
    them: the canary runs what a student's grading runs, not the lab's demonstrations and checks)."""
    from nbgrader.preprocessors import ClearSolutions

    from autograder.cohort.nbgrader_preprocessors import MarkSkippedCells

    path = SOURCE / lab / f"{lab}.ipynb"
    nb = nbformat.read(path, as_version=4)
    mark = MarkSkippedCells(config=config)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            mark.preprocess_cell(cell, {}, index)
    reference = nbformat.writes(nb)
    blank, _ = ClearSolutions(config=config).preprocess(nb, {})
    return {REFERENCE: reference.encode(), BLANK: nbformat.writes(blank).encode()}


def autograded_points(nb) -> dict[str, tuple[float, float]]:
    """``{grade id: (points, max points)}`` of the autograded test cells, read as nbgrader reads them."""
    from nbgrader.utils import determine_grade, is_grade, is_solution

    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            points, max_points = determine_grade(cell)
            out[cell.metadata.nbgrader["grade_id"]] = (float(points or 0.0), float(max_points))
    return out


def _errors(nb) -> list[str]:
    """The distinct errors the kernel raised, in order (``Name: message``), at most three."""
    seen = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                text = f"{out.get('ename')}: {out.get('evalue')}".strip()[:200]
                if text not in seen:
                    seen.append(text)
    return seen[:3]


def judge(outcome, which: str) -> list[str]:
    """What is wrong with a canary ``outcome`` (``which``: REFERENCE or BLANK); empty when it is right."""
    if outcome.error:
        return [f"the worker could not grade the {which.split('-')[1]} notebook: {outcome.error}"]
    problems = []
    for name, text in outcome.executed.items():
        nb = nbformat.reads(text, as_version=4)
        points = autograded_points(nb)
        got, most = sum(p for p, _ in points.values()), sum(m for _, m in points.values())
        if which == REFERENCE:
            wrong = {g: p for g, p in points.items() if p[0] != p[1]}
            want = f"{most:g}/{most:g}"
        else:
            wrong = {g: p for g, p in points.items() if p[0] != 0}
            want = f"0/{most:g}"
        if not points or wrong:
            cells = ", ".join(f"{g} {p:g}/{m:g}" for g, (p, m) in list(wrong.items())[:6])
            said = "; ".join(_errors(nb))
            status = outcome.status.get(name, {})
            reason = status.get("reason") if status.get("status") not in (None, "ok") else ""
            problems.append(f"the {which.split('-')[1]} solution scored {got:g}/{most:g} (must be {want})"
                            + (f": {cells}" if cells else "") + (f"; its kernel raised {said}" if said else "")
                            + (f"; {reason}" if reason else ""))
    return problems


def _hint(problems: list[str]) -> str:
    text = " ".join(problems)
    if "ModuleNotFoundError" in text or "ImportError" in text:
        return ("missing modules: the worker's grading kernel cannot import the course's own modules; install the "
                "course environment on that machine (`make venv` in the same checkout) and start its worker from it")
    if "versions differ" in text or "other grader code" in text:
        return "wrong versions: install the course's pinned environment and the same checkout on that machine"
    if "sandbox" in text and "unavailable" in text:
        return "the worker has no working sandbox for --sandbox require"
    return ("the worker's scores are wrong: its grading code or environment is broken or has been tampered with "
            "(a lying worker); do not use it")


class Canary:
    """The canaries of one ``dlcourse grade`` run on course ``root``."""

    def __init__(self, root: Path, limits: Limits, sandbox: str, config, recheck: bool = False,
                 cache: Path | None = None):
        # ``cache``: another file of passes than the course's own (a key covers everything a pass depends
        # on, so course roots graded on the same workers may share one: the test suite does)
        self.path = Path(cache) if cache else Path(root) / ".dlcourse" / "canary.json"
        self.limits, self.sandbox, self.config, self.recheck = limits, sandbox, config, recheck
        self.cache = self._read()
        self._changes: dict[str, tuple[str, dict]] = {}  # key -> ("passed" | "failed", record) of this run
        self.code = grader_code_digest()
        self.versions = package_versions()
        self.seconds = 0.0  # wall time of the last check
        self.ran = 0  # canary notebooks executed in the last check

    @property
    def failed_keys(self) -> set[str]:
        return set(self.cache["failed"])

    def _read(self) -> dict:
        cache = json.loads(self.path.read_text()) if self.path.is_file() else {}
        cache.setdefault("passed", {})
        cache.setdefault("failed", {})
        return cache

    @staticmethod
    def _put(cache: dict, key: str, outcome: str, record: dict) -> None:
        """Set ``key`` to ``outcome`` ("passed" or "failed") in ``cache``, out of the other table."""
        cache[outcome][key] = record
        cache["failed" if outcome == "passed" else "passed"].pop(key, None)

    def _record(self, key: str, outcome: str, record: dict) -> None:
        """Note ``key`` as ``outcome`` in this run's changes and in the cache."""
        self._put(self.cache, key, outcome, record)
        self._changes[key] = (outcome, record)

    def _save(self) -> None:
        """Merge this run's changes into the file as it is now (another run may have written it since this
        one read it) and write it atomically, all under a lock: a pass written by one is never lost to another."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path.with_name(self.path.name + ".lock")), timeout=60):
            merged = self._read()
            for key, (outcome, record) in self._changes.items():
                self._put(merged, key, outcome, record)
            _atomic_write(self.path, json.dumps(merged, indent=1, sort_keys=True))
        self.cache, self._changes = merged, {}

    def key(self, env: dict, lab: str, use_gpu: bool) -> str:
        what = {"environment": env, "lab": lab, "grading": grading_digest(SOURCE / lab / f"{lab}.ipynb", self.code),
                "sandbox": self.sandbox, "limits": self.limits.as_dict(), "gpu": use_gpu}
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()

    def _environment_problems(self, env: dict) -> list[str]:
        if "error" in env:
            return [f"the worker could not describe its environment: {env['error']}"]
        problems = []
        if env.get("grader_code") != self.code:
            problems.append("the worker runs other grader code than this checkout (grader code digest "
                            f"{str(env.get('grader_code'))[:12]} there, {self.code[:12]} here)")
        theirs = env.get("packages") if isinstance(env.get("packages"), dict) else {}
        diff = [f"{name} {theirs.get(name, 'missing')} there, {mine} here" for name, mine in sorted(self.versions.items())
                if theirs.get(name) != mine]
        if diff:
            problems.append("package versions differ: " + "; ".join(diff[:8]))
        if str(env.get("sandbox", "")).startswith("unavailable"):
            problems.append(f"sandbox {env['sandbox']}")
        return problems

    def check(self, client, workers: list[str], labs: list[str], gpu_labs: set[str] = frozenset()) -> dict[str, dict[str, str]]:
        """Run (or reuse) the canary of every lab on every worker; ``{worker: {lab: key}}`` when all pass.

        Raises :class:`CanaryFailed` naming every worker that failed, before anything is written.
        """
        started = time.monotonic()
        self.ran = 0
        envs = self._environments(client, workers)
        checks: list[WorkerCheck] = []
        pending = {}
        notebooks = {lab: canary_notebooks(lab, self.config) for lab in labs}
        for worker in workers:
            env = envs[worker]
            problems = self._environment_problems(env)
            for lab in labs:
                chk = WorkerCheck(worker, lab)
                checks.append(chk)
                if problems:
                    chk.problems = list(problems)
                    continue
                chk.key = self.key(env, lab, lab in gpu_labs)
                if chk.key in self.cache["passed"] and not self.recheck:
                    chk.passed = chk.cached = True
                    continue
                for which, data in notebooks[lab].items():
                    grading = grading_digest(SOURCE / lab / f"{lab}.ipynb", self.code)
                    job = Job(lab, which, grading, [f"{lab}.ipynb"], {f"{lab}.ipynb": data}, self.limits,
                              use_gpu=lab in gpu_labs, sandbox=self.sandbox, run_seed=run_seed(lab, which, grading))
                    fut = client.submit(execute_job, job, key=f"canary-{lab}-{which}-{worker}-{time.time_ns()}",
                                        workers=[worker], allow_other_workers=False, pure=False, priority=PRIORITY,
                                        resources={"GPU": 1} if lab in gpu_labs else None)
                    pending[fut] = (chk, which, job)
        if pending:
            from distributed import as_completed

            for fut in as_completed(list(pending)):
                chk, which, job = pending[fut]
                self.ran += 1
                try:
                    outcome = outcome_from_json(fut.result(), job)
                except Exception as exc:  # noqa: BLE001 - a refused or malformed answer fails the canary
                    chk.problems.append(f"the worker's answer was refused: {type(exc).__name__}: {exc}"[:400])
                    continue
                chk.seconds += outcome.seconds
                chk.problems += judge(outcome, which)
            for chk in checks:
                if chk.key and not chk.cached:
                    chk.passed = not chk.problems
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        for chk in checks:
            if not chk.key:
                continue
            if chk.passed and not chk.cached:
                self._record(chk.key, "passed", {"worker": chk.worker, "lab": chk.lab, "at": now,
                                                 "seconds": round(chk.seconds, 2), "host": envs[chk.worker].get("host")})
            elif not chk.passed:
                self._record(chk.key, "failed", {"worker": chk.worker, "lab": chk.lab, "at": now,
                                                 "problems": chk.problems})
        self._save()
        self.seconds = time.monotonic() - started
        failed = [c for c in checks if not c.passed]
        if failed:
            lines = []
            for c in failed:
                host = envs[c.worker].get("host", "?")
                lines.append(f"worker {c.worker} (host {host}) failed the canary of {c.lab}: " + "; ".join(c.problems)
                             + f"\n    -> {_hint(c.problems)}")
            raise CanaryFailed("the run was stopped before anything was written to the gradebook: "
                               f"{len(failed)} canary check(s) failed\n  " + "\n  ".join(lines))
        out: dict[str, dict[str, str]] = {}
        for c in checks:
            out.setdefault(c.worker, {})[c.lab] = c.key
        return out

    def _environments(self, client, workers: list[str]) -> dict[str, dict]:
        futures = {w: client.submit(worker_environment, self.sandbox, key=f"environment-{w}-{time.time_ns()}",
                                    workers=[w], allow_other_workers=False, pure=False, priority=PRIORITY)
                   for w in workers}
        envs = {}
        for worker, fut in futures.items():
            try:
                text = fut.result()
                env = json.loads(text) if isinstance(text, str) else {"error": f"answered a {type(text).__name__}"}
                if not isinstance(env, dict):
                    env = {"error": "answered no JSON object"}
            except Exception as exc:  # noqa: BLE001 - a refused answer is a failed canary
                env = {"error": f"{type(exc).__name__}: {exc}"[:400]}
            envs[worker] = env
        return envs
