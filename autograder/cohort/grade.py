"""``dlcourse grade LAB``: autograde every submission of a lab in parallel on Dask, resumably.

The driver (this process) is the only one that touches the gradebook. For each submission it
decides, from the file digest (:mod:`.state`), whether there is anything to do; sanitises it with
nbgrader (:mod:`.pipeline`); sends the files to a Dask worker, which executes the notebook under
limits (:mod:`.tasks`); stages what comes back; and saves the grades with nbgrader's own
preprocessors. Submissions that cannot run (a corrupt file, no notebook, a renamed notebook) get 0
and a reason without a worker. With no scheduler address an in-process ``LocalCluster`` is started
here (one worker, ``workers`` threads, each waiting on its notebook's kernel process; TLS with
temporary credentials on 127.0.0.1, :mod:`.cluster`); with one, its workers (lab machines running
``dask worker`` with the course's certificates) share the work.

Workers are not trusted blindly: before anything is written to the gradebook every worker passes the
canary (:mod:`.canary`), only workers that passed get submissions, and what comes back is JSON text
checked against its job (:func:`.tasks.outcome_from_json`) before it is staged.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from autograder.cohort.duedates import apply_calendar
from autograder.cohort.limits import Limits
from autograder.cohort.pipeline import Pipeline
from autograder.cohort.state import GradingState, grader_code_digest, grading_digest, submission_digest
from autograder.cohort.tasks import BadOutcome, Job, Outcome, execute_job, outcome_from_json
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

    def finish(self, outcome: Outcome, canary: str = "") -> Result:
        """Stage an outcome (``canary``: the environment key of the worker that produced it), save its
        grades with nbgrader, record it; returns the table row."""
        student, digest = outcome.student, outcome.digest
        staged = dict(outcome.__dict__, canary=canary)
        self.state.stage(student, digest, staged)
        return self._save(student, digest, staged, prepared=True)

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
                          run_seed=first.get("run_seed"), sandbox=first.get("sandbox"), canary=outcome.get("canary", ""))
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
               sandbox: str = "auto", recheck_workers: bool = False, stats: dict | None = None,
               timings: dict | None = None, canary_cache: Path | None = None) -> dict[str, list[Result]]:
    """Grade ``labs`` on course ``root`` through Dask ``client``; ``{lab: one Result per student}``.

    ``limit_overrides``: :class:`Limits` fields to change from the defaults (per-cell timeout from
    ``nbgrader_config.py``).
    ``client`` is a ``distributed.Client`` or a function that makes one (called only if a notebook
    needs running). ``sandbox`` is the kernel sandbox mode each worker applies
    (:func:`autograder.cohort.sandbox.choose`). The notebooks of all labs share one queue, so no worker
    waits at a lab's end. Before anything is written, every worker passes the canary
    (:class:`autograder.cohort.canary.Canary`; ``recheck_workers`` ignores its cache), else
    :class:`~autograder.cohort.canary.CanaryFailed` is raised. ``stats``, when given, receives the
    canary's cost: ``workers``, ``canary_notebooks`` (run, 0 when all were cached), ``canary_s``.
    ``timings``, when given, gets ``"first_submitted"``: the ``time.monotonic()`` at which the first
    notebook went to a worker (the end of the run's start-up). ``canary_cache``: the canary's file of
    passes, when not the course's own ``.dlcourse/canary.json``.
    """
    from distributed import as_completed

    from autograder.cohort.canary import Canary
    from autograder.cohort.preflight import require_gradebook
    from autograder.cohort.progress import GradingProgress

    for lab in labs:  # before nbgrader's Gradebook, which would create a missing gradebook.db
        require_gradebook(root, f"grade {lab}", lab, released=True)
    graders = {lab: Grader(root, lab, limit_overrides, force, sandbox) for lab in labs}
    apply_calendar(root, labs)  # due dates, extensions and penalties of what is already graded, from the calendar
    canary = Canary(root, graders[labs[0]].limits, sandbox, graders[labs[0]].pipeline.config, recheck_workers,
                    cache=canary_cache)
    failed_canaries = canary.failed_keys
    code = grader_code_digest()
    todo = {lab: graders[lab].students(students) for lab in labs}
    results: dict[str, list[Result]] = {lab: [] for lab in labs}
    runnable: list[tuple[str, str, str]] = []
    staged_saves: list[tuple[str, str, str, dict]] = []
    zeros: list[tuple[str, str, str, str]] = []
    for lab, grader in graders.items():
        grading = grading_digest(grader.source_nb, code)
        for student in todo[lab]:
            digest = submission_digest(grader.pipeline.submitted_dir(lab, student), grading=grading)
            if not force and grader.state.is_current(student, digest, failed_canaries):
                rec = grader.state.records[student]
                results[lab].append(Result(student, SKIPPED, rec.get("score"), rec.get("max_score"),
                                           ["unchanged since the last grade"]))
                continue
            staged = None if force else grader.state.staged(student, digest)
            if staged is not None and staged.get("canary") not in failed_canaries:
                staged_saves.append((lab, student, digest, staged))  # executed before the driver stopped
                continue
            reason = grader.why_not_runnable(student)
            if reason:
                zeros.append((lab, student, digest, reason))
                continue
            runnable.append((lab, student, digest))

    passed: dict[str, dict[str, str]] = {}
    if runnable:
        if callable(client) and not hasattr(client, "submit"):
            client = client()  # start (or reach) the cluster only when there is something to run
        workers = _workers(client)
        gpu_workers = sum(int(w.get("resources", {}).get("GPU", 0)) for w in workers.values())
        run_labs = sorted({lab for lab, _, _ in runnable}, key=labs.index)
        gpu_labs = {lab for lab in run_labs if gpu_workers > 0 and _uses_torch(lab)}
        passed = canary.check(client, sorted(workers), run_labs, gpu_labs)  # raises before any write
        if stats is not None:
            stats.update(workers=len(workers), canary_notebooks=canary.ran, canary_s=round(canary.seconds, 3))
    # Nothing was written before this line: the canaries have passed (or no worker is needed).
    for lab, student, digest, staged in staged_saves:
        results[lab].append(graders[lab]._save(student, digest, staged, prepared=False))
    for lab, student, digest, reason in zeros:
        results[lab].append(graders[lab].zero(student, digest, reason))

    if runnable:
        allowed = sorted(passed)
        slots = max(1, sum(int(workers.get(w, {}).get("nthreads", 1)) for w in allowed))
        window = 2 * slots  # notebooks prepared ahead of the workers' threads
        label = labs[0] if len(labs) == 1 else f"{len(labs)} labs"
        bar = GradingProgress(label, total=len(runnable), enabled=progress,
                              start=f"{len(runnable)} notebook(s) to run on {slots} worker thread(s)")
        with bar:
            queue = list(runnable)
            pending = as_completed()
            futures = {}

            def submit_next():
                while queue:
                    lab, student, digest = queue.pop(0)
                    use_gpu = lab in gpu_labs
                    try:
                        job = graders[lab].job(student, digest, use_gpu)
                    except Exception as exc:  # noqa: BLE001 - nbgrader refused the notebook (bad metadata...)
                        row = graders[lab].zero(student, digest,
                                                f"nbgrader could not prepare the notebook: {str(exc).strip()[-300:]}")
                        results[lab].append(row)
                        bar.advance(row)
                        continue
                    # Only workers that passed their canary get a submission (a worker that joins later gets none).
                    fut = client.submit(execute_job, job, key=f"grade-{lab}-{student}-{digest[:12]}", pure=False,
                                        workers=allowed, allow_other_workers=False,
                                        resources={"GPU": 1} if use_gpu else None)
                    if timings is not None:
                        timings.setdefault("first_submitted", time.monotonic())
                    futures[fut.key] = (lab, student, digest, job)
                    pending.add(fut)
                    return

            while queue and len(futures) < window:
                submit_next()
            for fut in pending:
                lab, student, digest, job = futures.pop(fut.key)
                try:
                    outcome = outcome_from_json(fut.result(), job)
                    if outcome.error:
                        raise BadOutcome(f"the worker could not grade it: {outcome.error}")
                    worker = _ran_on(client, fut) or outcome.worker
                    outcome.worker = worker
                    row = graders[lab].finish(outcome, canary=passed.get(worker, {}).get(lab, ""))
                except Exception as exc:  # noqa: BLE001 - a lost worker after Dask's own retries, a refused answer
                    graders[lab].state.log("failed", student, digest, reason=str(exc))
                    row = Result(student, FAILED, reasons=[f"{type(exc).__name__}: {exc}"])
                results[lab].append(row)
                bar.advance(row)
                fut.release()
                if queue:
                    submit_next()
    applied = apply_calendar(root, labs)  # the submissions recorded in this run too (zeros included)
    late = _late_notes(root, labs)
    for lab in labs:
        order = {s: i for i, s in enumerate(todo[lab])}
        results[lab].sort(key=lambda r: order.get(r.student, 0))
        for row in results[lab]:
            if (lab, row.student) in late:
                row.reasons.append(late[(lab, row.student)])
    if applied and applied.no_session:
        print(f"not in a lab session (due at the earliest session's deadline): {', '.join(sorted(applied.no_session))}")
    return results


def _late_notes(root: Path, labs: list[str]) -> dict[tuple[str, str], str]:
    """``{(lab, student): "7.5 h late: penalty 1.2"}`` for the late submissions of ``labs``."""
    from nbgrader.api import Gradebook

    pipeline = Pipeline(root)
    out = {}
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        for lab in labs:
            for sub in gb.assignment_submissions(lab):
                if sub.total_seconds_late > 0:
                    out[(lab, sub.student.id)] = (f"{sub.total_seconds_late / 3600:.1f} h late: penalty "
                                                  f"{float(sub.late_submission_penalty or 0):.2f}")
    return out


def _ran_on(client, fut) -> str:
    """The worker that holds ``fut``'s result, as the scheduler says (not as the worker claims)."""
    try:
        holders = client.who_has(fut).get(fut.key) or ()
    except Exception:  # noqa: BLE001 - the scheduler's word is a nicety; the canary key falls back to ""
        return ""
    return sorted(holders)[0] if holders else ""


def make_client(scheduler: str | None, workers: int, insecure: bool = False, credentials: Path | None = None):
    """``(client, local cluster or None)``: to ``scheduler`` (``tls://`` with the course's certificates in
    ``credentials``; ``tcp://`` only with ``insecure`` on loopback), else a new TLS ``LocalCluster``."""
    from autograder.cohort.cluster import cluster_mode, connect

    return connect(cluster_mode(scheduler, insecure), workers, credentials)


def _seconds_since_process_start() -> float:
    """Seconds since this process started (the interpreter, the imports of ``dlcourse``)."""
    import psutil

    return max(0.0, time.time() - psutil.Process().create_time())


def startup_line(timings: dict, started: float, canary_s: float = 0.0) -> str:
    """``start-up: 1.3 s before the first notebook ran (...)``: the run's fixed cost, in parts
    (``canary_s``: the workers' canary, inside the time before the first notebook; a few tenths of a
    second where every worker's environment passed before, two notebook runs per worker and lab where not)."""
    before = timings["first_submitted"] - started  # sandbox probe and cluster are measured before/inside it
    cluster = timings.get("cluster", 0.0)
    total = timings["python"] + timings["sandbox probe"] + before
    return (f"start-up: {total:.2f} s before the first notebook ran (Python and imports {timings['python']:.2f} s, "
            f"sandbox probe {timings['sandbox probe']:.2f} s, cluster {cluster:.2f} s, canary {canary_s:.2f} s, "
            f"planning and preparing the first notebook {max(0.0, before - cluster - canary_s):.2f} s)")


def run_grade(root: Path, labs: list[str], *, scheduler: str | None = None, workers: int = 2, students=None,
              force: bool = False, limit_overrides: dict | None = None,
              progress: bool = True, sandbox: str = "auto", insecure_cluster: bool = False,
              credentials: Path | None = None, recheck_workers: bool = False,
              canary_cache: Path | None = None) -> dict[str, list[Result]]:
    """The ``dlcourse grade`` command: print the active protections, grade the labs on one cluster
    (one queue), print a table per lab. Raises ``RuntimeError`` (a :class:`~.cluster.ClusterError`,
    :class:`~.canary.CanaryFailed`) for ``sandbox="require"`` without one, an unsafe ``--scheduler`` or
    a worker that failed its canary."""
    from autograder.cohort.cluster import cluster_mode, default_folder
    from autograder.cohort.preflight import require_gradebook, require_submissions
    from autograder.cohort.progress import print_protections, print_results
    from autograder.cohort.sandbox import choose, describe

    timings = {"python": _seconds_since_process_start()}
    mode = cluster_mode(scheduler, insecure_cluster)  # refuse an unsafe address before anything else
    for lab in labs:  # what is missing, before the protections table and a cluster
        require_gradebook(root, f"grade {lab}", lab, released=True)
        require_submissions(root, lab, f"grade {lab}")
    limits = replace(Limits(), **(limit_overrides or {}))
    credentials = Path(credentials) if credentials else default_folder(root)
    t = time.monotonic()
    here = choose(sandbox)
    timings["sandbox probe"] = time.monotonic() - t
    print_protections(describe(here, limits, mode), remote=bool(scheduler))
    made = []

    def connect():
        if not made:
            t = time.monotonic()
            made.append(make_client(scheduler, workers, insecure_cluster, credentials))
            timings["cluster"] = time.monotonic() - t
        return made[-1][0]

    started = time.monotonic()
    stats: dict = {}
    try:
        out = grade_labs(root, labs, client=connect, students=students, force=force,
                         limit_overrides=limit_overrides, progress=progress, sandbox=sandbox,
                         recheck_workers=recheck_workers, stats=stats, timings=timings, canary_cache=canary_cache)
        seconds = time.monotonic() - started
        if stats:
            ran = stats["canary_notebooks"]
            print(f"canary: {stats['workers']} worker(s) checked in {stats['canary_s']:.1f} s "
                  + (f"({ran} canary notebook(s) graded)" if ran else "(every worker's environment passed before)"))
        for lab in labs:
            print_results(lab, out[lab], seconds if len(labs) == 1 else None)
        if len(labs) > 1:
            print(f"{sum(len(r) for r in out.values())} submissions of {len(labs)} labs in {seconds:.0f} s")
        if "first_submitted" in timings:
            print(startup_line(timings, started, stats.get("canary_s", 0.0)))
    finally:
        for client, cluster in made:
            client.close()
            if cluster is not None:
                cluster.close()
    return out
