"""Grading throughput: serial `nbgrader autograde` against `dlcourse grade --workers 2`, in one run.

    .venv/bin/python bench/grading_throughput.py [--per-lab 10] [--workers 2] [--out build/bench]

Builds two identical scratch courses holding ``per-lab`` submissions of each of labs 1-4 (the
reference, the blank release, half done, and the lab's mutants, cycled), then

1. grades course A with plain serial ``nbgrader autograde`` (one lab after another),
2. grades course B with ``dlcourse grade <labs> --workers N`` (one LocalCluster for all labs; the
   kernels sandboxed with bubblewrap where it works, outputs scored outside the kernel),
3. grades course C the same way with ``--sandbox none`` (the cost of the sandbox alone),
4. executes every sanitised notebook once more, alone, with nbclient (the bare execution time),

5. small labs, as a TA grades a session's uploads: 12 submissions of lab 1, then 12 of lab 3, each a
   separate ``dlcourse grade`` run, against serial ``nbgrader autograde`` of the same submissions,
6. one submission alone: the run's fixed start-up cost, in parts (``dlcourse grade`` prints them),

Before all that, one ``dlcourse grade`` run per sandbox mode pays the workers' canary (each lab's
reference and blank graded on each worker, once per worker environment), into a file of passes that
every run shares (``--canary-cache``); its cost is printed apart, as a TA pays it once per checkout.

and prints: the speedup (1 / 2), the overhead of 2 over the bare execution time divided by the
machine's measured parallel capacity (a CPU-bound loop in N processes at once against one alone:
on shared virtual CPUs it is below N, and no grader can beat it), the cost of the sandbox, the
small-lab speedup and the start-up cost. Goals on 2 cores: speedup >= 0.95 x capacity, overhead
<= 5 %, sandbox < 5 %, small labs >= 1.5x, start-up < 3 s. It also checks that the courses got the
same grades. Timings are from this run only; the machine should be otherwise idle.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.course import nbgrader, notebook_path, scratch_course  # noqa: E402
from autograder.cohort.gradebook import cell_scores  # noqa: E402
from autograder.workflows.release import regenerate_release  # noqa: E402
from autograder.course.submissions import build_submission, solution_code  # noqa: E402
from autograder.grading import catalogue  # noqa: E402

LABS = ["lab01_neurons_losses", "lab02_backprop", "lab03_optimizers", "lab04_regularization_init"]
SMALL_LABS = ["lab01_neurons_losses", "lab03_optimizers"]


def cohort(lab: str, n: int) -> dict[str, dict[str, str]]:
    ref = solution_code(lab)
    names = list(ref)
    kinds = [dict(ref), {}, {k: ref[k] for k in names[: len(names) // 2]}]
    table = catalogue.mutants(lab)
    for function, bugs in table.items():
        for bug in bugs.values():
            kinds.append({**ref, function: bug.source})
    return {f"s{i:03d}": kinds[i % len(kinds)] for i in range(n)}


def build(root: Path, per_lab: int, labs: list[str] = LABS) -> Path:
    if root.exists():
        shutil.rmtree(root)
    scratch_course(root)
    regenerate_release(labs, root=root, quiet=True, refresh_viva=False)
    for lab in labs:
        for student, fills in cohort(lab, per_lab).items():
            dest = build_submission(notebook_path(root, "release", lab), notebook_path(root, "submitted", lab, student), fills)
            (dest.parent / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC\n")
    return root


_SPIN = "import time\nt = time.perf_counter()\ns = 0\nfor i in range(20_000_000): s += i\nprint(time.perf_counter() - t)"


def parallel_capacity(workers: int, repeats: int = 3) -> float:
    """How many times one process's CPU work this machine does with ``workers`` processes at once.

    A pure-Python loop timed alone, then in ``workers`` processes started together: capacity =
    workers * t_alone / t_slowest. On dedicated cores it is close to ``workers``; on shared virtual
    CPUs it can be much lower, and no grader can beat it.
    """
    ratios = []
    for _ in range(repeats):
        alone = float(subprocess.run([sys.executable, "-c", _SPIN], capture_output=True, text=True).stdout)
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE, text=True) for _ in range(workers)]
        together = max(float(p.communicate()[0]) for p in procs)
        ratios.append(workers * alone / together)
    return sorted(ratios)[len(ratios) // 2]  # the median of ``repeats`` measurements


def bare_execution_seconds(root: Path) -> list[float]:
    """Each autograded notebook, outputs cleared, executed alone with nbclient (as nbgrader's Execute would)."""
    import nbformat
    from nbclient import NotebookClient

    from autograder.cohort.nbgrader_preprocessors import SKIPPED_TAG  # grading skips experiments and visible checks

    times = []
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    for path in sorted((root / "autograded").glob("*/*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        t = time.perf_counter()
        NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True, skip_cells_with_tag=SKIPPED_TAG,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        times.append(time.perf_counter() - t)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-lab", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--small", type=int, default=12, help="submissions per small lab (default 12)")
    ap.add_argument("--out", type=Path, default=REPO / "build" / "bench")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    global CANARY_CACHE
    CANARY_CACHE = args.out / "canary.json"
    CANARY_CACHE.unlink(missing_ok=True)
    # The canary grades each lab's reference and blank once per worker environment (then it is cached):
    # paid here, once, for both sandbox modes, and reported apart from the timed runs.
    canary = {}
    for mode in ("auto", "none"):
        canary[mode], _ = run_dlcourse(build(args.out / f"canary-{mode}", 1, LABS), LABS, args.workers, mode)
        if canary[mode] is None:
            return 1
    print(f"canary, once per worker environment: {canary['auto']:.1f} s (sandbox auto), "
          f"{canary['none']:.1f} s (none), 1 submission per lab included", flush=True)
    serial_root = build(args.out / "serial", args.per_lab)
    parallel_root = build(args.out / "parallel", args.per_lab)
    n = args.per_lab * len(LABS)
    print(f"cohort: {n} submissions ({args.per_lab} per lab, labs 1-4)", flush=True)

    t = time.perf_counter()
    for lab in LABS:
        nbgrader("autograde", lab, root=serial_root, check=False)
    serial_s = time.perf_counter() - t
    print(f"serial nbgrader autograde: {serial_s:.1f} s", flush=True)

    def dlcourse_grade(root: Path, sandbox: str, labs: list[str] = LABS, quiet: bool = False) -> float | None:
        seconds, _ = run_dlcourse(root, labs, args.workers, sandbox)
        if seconds is not None and not quiet:
            print(f"dlcourse grade --workers {args.workers} --sandbox {sandbox}: {seconds:.1f} s", flush=True)
        return seconds

    parallel_s = dlcourse_grade(parallel_root, "auto")
    unboxed_root = build(args.out / "unsandboxed", args.per_lab)
    unboxed_s = dlcourse_grade(unboxed_root, "none")
    if parallel_s is None or unboxed_s is None:
        return 1

    bare = bare_execution_seconds(parallel_root)
    ideal = sum(bare) / args.workers
    capacity = parallel_capacity(args.workers)
    pairs = [(lab, s) for lab in LABS for s in cohort(lab, args.per_lab)]
    same = all(cell_scores(parallel_root, lab, s) == cell_scores(unboxed_root, lab, s) for lab, s in pairs)
    # serial nbgrader draws the course's fixed cases, dlcourse each submission's run cases: a mutant's
    # partial credit may differ; full and zero cells may not.
    differ = [(lab, s, cell) for lab, s in pairs
              for cell, got in cell_scores(parallel_root, lab, s).items()
              if got != cell_scores(serial_root, lab, s)[cell]]
    full_or_zero_differ = [d for d in differ if cell_scores(serial_root, d[0], d[1])[d[2]][0] in
                           (0, cell_scores(serial_root, d[0], d[1])[d[2]][1])]
    small = small_labs(args)
    startup = startup_parts(args)
    print()
    print(f"submissions                     {n}")
    print(f"bare execution, sum             {sum(bare):.1f} s  ({sum(bare) / len(bare):.2f} s per notebook)")
    print(f"machine's parallel capacity     {capacity:.2f}x with {args.workers} CPU-bound processes (the ceiling of any speedup)")
    print(f"speedup (serial / parallel)     {serial_s / parallel_s:.2f}x = {serial_s / parallel_s / capacity:.2f} x capacity"
          f"   goal >= 0.95 x capacity")
    print(f"overhead over bare / capacity   {100 * (parallel_s / (sum(bare) / capacity) - 1):.1f}%   goal <= 5%"
          f"  (over bare / workers: {100 * (parallel_s / ideal - 1):.1f}%)")
    print(f"cost per submission             serial {serial_s / n:.2f} s, parallel {parallel_s / n:.2f} s wall")
    print(f"sandbox cost (auto / none)      {100 * (parallel_s / unboxed_s - 1):+.1f}%   goal < 5%")
    for lab, (serial_small, dl_small) in small.items():
        print(f"small lab: {args.small} of {lab:<18} serial {serial_small:.1f} s, dlcourse grade {dl_small:.1f} s:"
              f" {serial_small / dl_small:.2f}x   goal >= 1.5x")
    print(f"start-up of a run (1 submission) {startup}   goal < 3 s")
    print(f"canary (once per worker env.)   {canary['auto']:.1f} s with the sandbox, {canary['none']:.1f} s without "
          f"(a run of 1 submission per lab that graded {len(LABS)} labs' reference and blank on each worker)")
    print(f"same grades, sandbox auto/none  {same}")
    print(f"cells graded differently from serial nbgrader: {len(differ)} "
          f"({len(full_or_zero_differ)} of them full or zero there)")
    return 0 if same and not full_or_zero_differ else 1


#: The workers' canary passes, shared by every course root of the run (``--canary-cache``): a pass is
#: keyed by the worker's environment, the lab, the sandbox mode and the limits, none of them per root.
CANARY_CACHE: Path | None = None


def run_dlcourse(root: Path, labs: list[str], workers: int, sandbox: str = "auto",
                 force: bool = False) -> tuple[float | None, str]:
    """Wall seconds of one ``dlcourse grade`` run (``None`` when it failed) and its start-up line."""
    t = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).parent / "dlcourse"), "grade", *labs, "--course", str(root),
                           "--workers", str(workers), "--no-progress", "--sandbox", sandbox]
                          + (["--force"] if force else [])
                          + (["--canary-cache", str(CANARY_CACHE)] if CANARY_CACHE else []), capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        return None, ""
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("start-up:")), "start-up: not printed")
    return seconds, line


def small_labs(args) -> dict[str, tuple[float, float]]:
    """``{lab: (serial nbgrader seconds, dlcourse grade seconds)}`` for ``args.small`` submissions of each
    small lab, graded one lab per run as a TA does after a session."""
    out = {}
    for lab in SMALL_LABS:
        serial_root = build(args.out / f"small-serial-{lab}", args.small, [lab])
        t = time.perf_counter()
        nbgrader("autograde", lab, root=serial_root, check=False)
        serial_s = time.perf_counter() - t
        dl_s, _ = run_dlcourse(build(args.out / f"small-{lab}", args.small, [lab]), [lab], args.workers)
        out[lab] = (serial_s, dl_s or float("nan"))
        print(f"small lab {lab}: serial {serial_s:.1f} s, dlcourse grade {dl_s:.1f} s", flush=True)
    return out


def startup_parts(args) -> str:
    """The start-up line ``dlcourse grade`` prints for one submission (median run of three)."""
    root = build(args.out / "one", 1, LABS[:1])
    runs = sorted((run_dlcourse(root, LABS[:1], args.workers, force=True) for _ in range(3)),
                  key=lambda r: r[0] or 0.0)
    seconds, line = runs[1]
    return f"{line.removeprefix('start-up: ')}; whole run {seconds:.1f} s"


if __name__ == "__main__":
    sys.exit(main())
