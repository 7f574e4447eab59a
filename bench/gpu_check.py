"""GPU check: the PyTorch labs graded on a CUDA GPU give the grades they get on the CPU.

    .venv/bin/python bench/gpu_check.py [--labs lab05_autoencoders ...] [--cohort-lab lab06_cnn] [--out build/gpu-check]

On a machine with a CUDA GPU, for each PyTorch lab (5-13 by default):

1. plain ``nbgrader autograde`` of the lab's reference and blank submissions, the kernel seeing the GPU
   (the labs pick CUDA through ``labkit.device.get_device()``);
2. ``dlcourse grade`` of the same two on a Dask worker that advertises ``GPU=1`` (each PyTorch
   notebook claims it; its kernel starts with TF32 off and deterministic algorithms on), and again
   on a CPU-only worker (``CUDA_VISIBLE_DEVICES=""`` for the kernel);

then one cohort (the demo's six students of ``--cohort-lab``) through ``dlcourse grade`` on the GPU
worker and on a CPU worker. It asserts that every grade cell gets the same score on the GPU as on
the CPU (the reference full marks, the blank zero) and prints the wall time per lab and path.
Exit status 1 when a grade differs. Without a GPU it prints what it would do and exits 0.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.course import labs, nbgrader, notebook_path, scratch_course  # noqa: E402

TORCH_LABS = [lab for lab in labs() if int(lab[3:5]) >= 5]


def cuda_device() -> str | None:
    """The name of the first CUDA device, or ``None``."""
    try:
        import torch
    except ImportError:
        return None
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def plan(args) -> str:
    return "\n".join([
        f"would check {len(args.labs)} PyTorch labs on the GPU: {', '.join(args.labs)}",
        "  per lab: nbgrader autograde (reference, blank) with the GPU visible;",
        "           dlcourse grade (reference, blank) on a GPU=1 worker and on a CPU-only worker;",
        f"  cohort: the demo's students of {args.cohort_lab} through dlcourse grade, GPU worker and CPU worker;",
        "  then: every grade cell the same on GPU and CPU, wall time per lab and path.",
    ])


def submissions(root: Path, lab: str, students: dict[str, dict[str, str]]) -> Path:
    from autograder.course.submissions import build_submission

    scratch_course(root)
    nbgrader("generate_assignment", lab, "--force", root=root)
    for student, fills in students.items():
        dest = build_submission(notebook_path(root, "release", lab), notebook_path(root, "submitted", lab, student), fills)
        (dest.parent / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC\n")
    return root


def dlcourse_grades(root: Path, lab: str, gpu: bool) -> tuple[dict, float]:
    """``{student: {cell: (score, max)}}`` from ``dlcourse grade`` on one worker, with or without ``GPU=1``."""
    from distributed import Client, LocalCluster

    from autograder.cohort.gradebook import cell_scores
    from autograder.cohort.grade import grade_labs

    t = time.perf_counter()
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, memory_limit=0, dashboard_address=None,
                      resources={"GPU": 1} if gpu else None) as cluster, Client(cluster) as client:
        results = grade_labs(root, [lab], client=client, progress=False, force=True)[lab]
    seconds = time.perf_counter() - t
    return {r.student: cell_scores(root, lab, r.student) for r in results}, seconds


def compare(label: str, gpu: dict, cpu: dict) -> list[str]:
    return [f"{label}: {student} {cell}: GPU {gpu[student].get(cell)} vs CPU {scores}"
            for student in cpu for cell, scores in (cpu[student] or {}).items()
            if (gpu.get(student) or {}).get(cell) != scores]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labs", nargs="+", default=TORCH_LABS)
    ap.add_argument("--cohort-lab", default="lab06_cnn")
    ap.add_argument("--out", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = ap.parse_args()
    device = cuda_device()
    if device is None:
        print("no CUDA GPU here (torch.cuda.is_available() is False): nothing run, exit 0")
        print(plan(args))
        return 0
    from autograder.cohort.gradebook import cell_scores
    from autograder.course.submissions import solution_code
    from autograder.workflows.demo import cohort_fills

    out = args.out or Path(tempfile.mkdtemp(prefix="gpu-check-"))
    print(f"GPU: {device}; scratch courses under {out}")
    problems: list[str] = []
    print(f"{'lab':<28}{'nbgrader (GPU)':>16}{'dlcourse GPU':>14}{'dlcourse CPU':>14}")
    for lab in args.labs:
        students = {"reference": solution_code(lab), "blank": {}}
        root = submissions(out / lab / "nbgrader", lab, students)
        t = time.perf_counter()
        nbgrader("autograde", lab, root=root, check=False)
        plain_s = time.perf_counter() - t
        plain = {s: cell_scores(root, lab, s) for s in students}
        gpu, gpu_s = dlcourse_grades(submissions(out / lab / "gpu", lab, students), lab, gpu=True)
        cpu, cpu_s = dlcourse_grades(submissions(out / lab / "cpu", lab, students), lab, gpu=False)
        problems += compare(f"{lab} dlcourse", gpu, cpu) + compare(f"{lab} nbgrader-on-GPU", plain, cpu)
        for student, scores in cpu.items():
            want_full = student == "reference"
            bad = {c: s for c, s in (scores or {}).items() if ((s[0] != s[1]) if want_full else (s[0] != 0))}
            problems += [f"{lab}: {student} on the CPU: {bad}"] if bad else []
        print(f"{lab:<28}{plain_s:>15.1f}s{gpu_s:>13.1f}s{cpu_s:>13.1f}s", flush=True)
    lab = args.cohort_lab
    fills = cohort_fills(lab)
    gpu, gpu_s = dlcourse_grades(submissions(out / "cohort" / "gpu", lab, fills), lab, gpu=True)
    cpu, cpu_s = dlcourse_grades(submissions(out / "cohort" / "cpu", lab, fills), lab, gpu=False)
    problems += compare(f"cohort {lab}", gpu, cpu)
    print(f"cohort of {len(fills)} ({lab}): dlcourse grade on the GPU worker {gpu_s:.1f} s, on a CPU worker {cpu_s:.1f} s")
    print("\n".join(problems) if problems else "every grade cell: the same score on the GPU and on the CPU")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
