"""``dlcourse grade LAB``: autograde every submission of a lab in parallel on Dask, resumably.

The driver (this process) is the only one that touches the gradebook. For each submission it
decides, from the file digest (:mod:`.state`), whether there is anything to do; sanitises it with
nbgrader (:mod:`.pipeline`); sends the files to a Dask worker, which executes the notebook under
limits (:mod:`.tasks`); stages what comes back; and saves the grades with nbgrader's own
preprocessors. Submissions that cannot run (a corrupt file, no notebook, a renamed notebook) get 0
and a reason without a worker. With no scheduler address a ``LocalCluster`` of ``workers`` processes
is started here; with one, its workers (lab machines running ``dask worker``) share the work.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from autograder.cohort.limits import Limits
from autograder.cohort.pipeline import Pipeline
from autograder.cohort.state import GradingState, submission_digest
from autograder.cohort.tasks import Job, Outcome, execute_job
from autograder.course import SOURCE
from autograder.grading.seeding import run_seed

#: Statuses of a submission after a run.
GRADED, ZERO, SKIPPED, FAILED = "graded", "zero", "unchanged", "failed"


@dataclass
class Result:
    """One row of the final table."""

    student: str
    status: str
    score: float | None = None
    max_score: float | None = None
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0
    worker: str = ""


def _grade_ids(nb) -> set[str]:
    return {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") or c.metadata.get("nbgrader", {}).get("solution")} - {None}


def diagnose(submitted, executed, status: dict) -> list[str]:
    """Reasons worth a TA's attention, from the grader's own observations only: the run status (stop
    reason, cells interrupted at their timeout, cells whose output was capped, all recorded by the
    executor) and the grade cells missing from the submission. Nothing the kernel printed or raised
    counts: a kernel can print any text and raise an exception of any name."""
    reasons = []
    if status.get("status") not in (None, "ok"):
        reasons.append(status.get("reason", status["status"]))
    missing = sorted(_grade_ids(executed) - _grade_ids(submitted)) if submitted is not None else []
    if missing:
        reasons.append(f"cells deleted by the student, restored from the source: {', '.join(missing)}")
    if status.get("timed_out"):
        reasons.append(f"cell(s) ran past the per-cell timeout: {', '.join(status['timed_out'])}")
    if status.get("capped"):
        reasons.append(f"output capped in: {', '.join(status['capped'])}")
    return reasons


def _uses_torch(lab: str) -> bool:
    path = SOURCE / lab / f"{lab}.ipynb"
    return path.is_file() and "import torch" in path.read_text()


class Grader:
    """Grades one lab of one course root: plans, prepares and saves in the driver (the gradebook writer)."""

    def __init__(self, root: Path, lab: str, limit_overrides: dict | None = None, force: bool = False,
                 sandbox: str = "auto"):
        self.pipeline = Pipeline(root)
        self.lab = lab
        cfg_timeout = self.pipeline.config.Execute.get("timeout", 60) if "Execute" in self.pipeline.config else 60
        self.limits = replace(Limits(cell_timeout_s=int(cfg_timeout)), **(limit_overrides or {}))
        self.force = force
        self.sandbox = sandbox
        self.state = GradingState(self.pipeline.root, lab)
        self.notebooks = self.pipeline.notebook_names(lab)
        self.source_nb = SOURCE / lab / f"{lab}.ipynb"

    # --- what to do ------------------------------------------------------------------------------

    def students(self, only: list[str] | None = None) -> list[str]:
        base = self.pipeline.root / self.pipeline.coursedir.submitted_directory
        found = sorted(p.parent.name for p in base.glob(f"*/{self.lab}") if p.is_dir()) if base.is_dir() else []
        if only:
            unknown = sorted(set(only) - set(found))
            if unknown:
                raise SystemExit(f"no submission of {self.lab} for {', '.join(unknown)} under {base}")
            return [s for s in found if s in only]
        return found

    def why_not_runnable(self, student: str) -> str | None:
        """A reason the submission cannot be executed at all, or ``None``."""
        folder = self.pipeline.submitted_dir(self.lab, student)
        present = sorted(p.name for p in folder.glob("*.ipynb"))
        for name in self.notebooks:
            if name not in present:
                others = [p for p in present if p not in self.notebooks]
                if others:
                    return (f"renamed notebook: found {', '.join(others)}, expected {name}; graded as missing (0). "
                            "Rename it in submitted/ and rerun to grade it")
                return f"no {name} in the submission; graded as missing (0)"
            try:
                nbformat.read(folder / name, as_version=4)
            except Exception as exc:  # noqa: BLE001 - any unreadable file is "corrupt"
                return f"corrupt notebook {name} ({type(exc).__name__}: {str(exc).split(':')[0][:80]}); 0"
        return None

    def job(self, student: str, digest: str, use_gpu: bool) -> Job:
        folder = self.pipeline.prepare(self.lab, student)
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        return Job(self.lab, student, digest, list(self.notebooks), files, self.limits, use_gpu=use_gpu,
                   sandbox=self.sandbox, run_seed=run_seed(self.lab, student, digest))

    # --- writing results (driver only) -------------------------------------------------------------

    def finish(self, outcome: Outcome) -> Result:
        """Stage an outcome, save its grades with nbgrader, record it; returns the table row."""
        student, digest = outcome.student, outcome.digest
        self.state.stage(student, digest, outcome.__dict__)
        return self._save(student, digest, outcome.__dict__, prepared=True)

    def _save(self, student: str, digest: str, outcome: dict, prepared: bool) -> Result:
        """Save a staged outcome's grades; ``prepared``: the sanitised folder is in place (else redo it)."""
        executed = outcome["executed"]
        if not prepared:
            self.pipeline.prepare(self.lab, student)  # after a crash: records and folder, idempotent
        self.pipeline.save(self.lab, student, executed)
        reasons = []
        for name, text in executed.items():
            submitted_path = self.pipeline.submitted_dir(self.lab, student) / name
            submitted = nbformat.read(submitted_path, as_version=4)
            reasons += diagnose(submitted, nbformat.reads(text, as_version=4), outcome["status"][name])
        if outcome.get("attempts", 1) > 1:
            reasons.append(f"kernel start retried ({outcome['attempts']} attempts)")
        score, max_score = self.pipeline.score(self.lab, student)
        first = next(iter(outcome["status"].values()), {})
        self.state.record(student, digest=digest, status=GRADED, score=score, max_score=max_score,
                          reasons=reasons, seconds=outcome.get("seconds", 0.0), worker=outcome.get("worker", ""),
                          run_seed=first.get("run_seed"), sandbox=first.get("sandbox"))
        return Result(student, GRADED, score, max_score, reasons, outcome.get("seconds", 0.0), outcome.get("worker", ""))

    def zero(self, student: str, digest: str, reason: str) -> Result:
        folder = self.pipeline.submitted_dir(self.lab, student)
        timestamp = self.pipeline.coursedir.get_existing_timestamp(str(folder))
        self.pipeline.record_zero(self.lab, student, timestamp)
        out = self.pipeline.autograded_dir(self.lab, student)
        if out.exists():
            shutil.rmtree(out)  # no stale autograded notebook from an earlier, runnable version
        score, max_score = self.pipeline.score(self.lab, student)
        self.state.record(student, digest=digest, status=ZERO, score=score, max_score=max_score, reasons=[reason])
        return Result(student, ZERO, score, max_score, [reason])


def _workers(client) -> dict[str, dict]:
    """Every worker of the cluster (``scheduler_info`` lists only five unless asked for all)."""
    return client.scheduler_info(n_workers=-1).get("workers", {})


def grade_lab(root: Path, lab: str, *, client=None, students: list[str] | None = None, force: bool = False,
              limit_overrides: dict | None = None, progress: bool = True) -> list[Result]:
    """Grade ``lab`` on course ``root`` through Dask ``client``; returns one :class:`Result` per student."""
    return grade_labs(root, [lab], client=client, students=students, force=force,
                      limit_overrides=limit_overrides, progress=progress)[lab]


def grade_labs(root: Path, labs: list[str], *, client=None, students: list[str] | None = None, force: bool = False,
               limit_overrides: dict | None = None, progress: bool = True,
               sandbox: str = "auto") -> dict[str, list[Result]]:
    """Grade ``labs`` on course ``root`` through Dask ``client``; ``{lab: one Result per student}``.

    ``limit_overrides``: :class:`Limits` fields to change from the defaults (per-cell timeout from
    ``nbgrader_config.py``).
    ``client`` is a ``distributed.Client`` or a function that makes one (called only if a notebook
    needs running). ``sandbox`` is the kernel sandbox mode each worker applies
    (:func:`autograder.cohort.sandbox.choose`). The notebooks of all labs share one queue, so no worker waits at a lab's end.
    """
    from distributed import as_completed

    from autograder.cohort.progress import GradingProgress

    graders = {lab: Grader(root, lab, limit_overrides, force, sandbox) for lab in labs}
    todo = {lab: graders[lab].students(students) for lab in labs}
    results: dict[str, list[Result]] = {lab: [] for lab in labs}
    runnable: list[tuple[str, str, str]] = []
    for lab, grader in graders.items():
        for student in todo[lab]:
            digest = submission_digest(grader.pipeline.submitted_dir(lab, student), grader.source_nb)
            if not force and grader.state.is_current(student, digest):
                rec = grader.state.records[student]
                results[lab].append(Result(student, SKIPPED, rec.get("score"), rec.get("max_score"),
                                           ["unchanged since the last grade"]))
                continue
            staged = None if force else grader.state.staged(student, digest)
            if staged is not None:  # executed before the driver stopped: save it, do not run it again
                results[lab].append(grader._save(student, digest, staged, prepared=False))
                continue
            reason = grader.why_not_runnable(student)
            if reason:
                results[lab].append(grader.zero(student, digest, reason))
                continue
            runnable.append((lab, student, digest))

    if runnable:
        if callable(client) and not hasattr(client, "submit"):
            client = client()  # start (or reach) the cluster only when there is something to run
        workers = _workers(client)
        gpu_workers = sum(int(w.get("resources", {}).get("GPU", 0)) for w in workers.values())
        n_workers = max(1, len(workers))
        window = 2 * n_workers  # notebooks prepared ahead of the workers
        label = labs[0] if len(labs) == 1 else f"{len(labs)} labs"
        bar = GradingProgress(label, total=len(runnable), enabled=progress)
        with bar:
            queue = list(runnable)
            pending = as_completed()
            futures = {}

            def submit_next():
                while queue:
                    lab, student, digest = queue.pop(0)
                    use_gpu = gpu_workers > 0 and _uses_torch(lab)
                    try:
                        job = graders[lab].job(student, digest, use_gpu)
                    except Exception as exc:  # noqa: BLE001 - nbgrader refused the notebook (bad metadata...)
                        row = graders[lab].zero(student, digest,
                                                f"nbgrader could not prepare the notebook: {str(exc).strip()[-300:]}")
                        results[lab].append(row)
                        bar.advance(row)
                        continue
                    fut = client.submit(execute_job, job, key=f"grade-{lab}-{student}-{digest[:12]}", pure=False,
                                        resources={"GPU": 1} if use_gpu else None)
                    futures[fut.key] = (lab, student, digest)
                    pending.add(fut)
                    return

            while queue and len(futures) < window:
                submit_next()
            for fut in pending:
                lab, student, digest = futures.pop(fut.key)
                try:
                    row = graders[lab].finish(fut.result())
                except Exception as exc:  # noqa: BLE001 - a lost worker after Dask's own retries
                    graders[lab].state.log("failed", student, digest, reason=str(exc))
                    row = Result(student, FAILED, reasons=[f"{type(exc).__name__}: {exc}"])
                results[lab].append(row)
                bar.advance(row)
                if queue:
                    submit_next()
    for lab in labs:
        order = {s: i for i, s in enumerate(todo[lab])}
        results[lab].sort(key=lambda r: order.get(r.student, 0))
    return results


def make_client(scheduler: str | None, workers: int):
    """A ``distributed.Client``: to ``scheduler`` if given, else to a new ``LocalCluster`` of ``workers`` processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except OSError as exc:
            raise SystemExit(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=0,
                           dashboard_address=None, silence_logs=50)
    return Client(cluster), cluster


def run_grade(root: Path, labs: list[str], *, scheduler: str | None = None, workers: int = 2, students=None,
              force: bool = False, limit_overrides: dict | None = None,
              progress: bool = True, sandbox: str = "auto") -> dict[str, list[Result]]:
    """The ``dlcourse grade`` command: print the active protections, grade the labs on one cluster
    (one queue), print a table per lab. Raises ``RuntimeError`` for ``sandbox="require"`` without one."""
    from autograder.cohort.progress import print_protections, print_results
    from autograder.cohort.sandbox import choose, describe

    limits = replace(Limits(), **(limit_overrides or {}))
    here = choose(sandbox)
    print_protections(describe(here, limits), remote=bool(scheduler))
    made = []

    def connect():
        if not made:
            made.append(make_client(scheduler, workers))
        return made[-1][0]

    started = time.monotonic()
    try:
        out = grade_labs(root, labs, client=connect, students=students, force=force,
                         limit_overrides=limit_overrides, progress=progress, sandbox=sandbox)
        seconds = time.monotonic() - started
        for lab in labs:
            print_results(lab, out[lab], seconds if len(labs) == 1 else None)
        if len(labs) > 1:
            print(f"{sum(len(r) for r in out.values())} submissions of {len(labs)} labs in {seconds:.0f} s")
    finally:
        for client, cluster in made:
            client.close()
            if cluster is not None:
                cluster.close()
    return out
