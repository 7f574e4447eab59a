"""``dlcourse``: the TA's command line (adds to plain nbgrader, does not replace it)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader generate_assignment")
    p.add_argument("labs", nargs="*", help="lab ids (default: all)")
    p = sub.add_parser("check-lab", help="autograde a lab's reference and blank submissions in a scratch course")
    p.add_argument("lab")
    p = sub.add_parser("publish", help="build the student bundle (release notebooks, labkit, requirements, README)")
    p.add_argument("--out", type=Path, default=None, help="folder (default: build/student-bundle; a .zip beside it)")
    p = sub.add_parser("demo", help="release, grade the bundled example cohort with nbgrader, print the table")
    p.add_argument("--out", default="build/demo", help="scratch course root (default: build/demo)")
    p.add_argument("--labs", nargs="+", metavar="LAB", help="labs to grade (default: labs 1-4)")
    _add_ta_commands(sub)
    from autograder.viva.commands import register as register_viva

    register_viva(sub)
    args = parser.parse_args(argv)
    if args.command == "viva":
        from autograder.viva.commands import run as viva_run

        return viva_run(args)
    if args.command in TA_COMMANDS:
        return TA_COMMANDS[args.command](args)

    if args.command == "release":
        from autograder.workflows.release import regenerate_release

        regenerate_release(args.labs or None)
        return 0
    if args.command == "check-lab":
        from autograder.workflows.labcheck import main as check_main

        return check_main(args.lab)
    if args.command == "publish":
        from autograder.workflows.publish import build_bundle

        folder, archive = build_bundle(args.out)
        print(f"student bundle: {folder} and {archive}")
        return 0
    if args.command == "demo":
        from autograder.workflows.demo import run_demo

        return run_demo(args.out, args.labs)
    return 2


def _course_arg(p) -> None:
    p.add_argument("--course", type=Path, default=None, help="course root (default: the repository)")


def _add_ta_commands(sub) -> None:
    p = sub.add_parser("roster", help="the class list: `roster import students.csv`")
    rsub = p.add_subparsers(dest="roster_command", required=True)
    q = rsub.add_parser("import", help="import a CSV (id, first_name, last_name, email) into the gradebook")
    q.add_argument("csv", type=Path)
    _course_arg(q)

    p = sub.add_parser("collect", help="import an LMS download (zip) into submitted/<student>/<lab>/")
    p.add_argument("lab")
    p.add_argument("archive", type=Path)
    p.add_argument("--pattern", default=None, help="file-name regexp (default: the course config's)")
    _course_arg(p)

    p = sub.add_parser("grade", help="autograde labs in parallel on Dask, resuming where the last run stopped")
    p.add_argument("labs", nargs="+", metavar="LAB", help="one or more labs (graded in turn on one cluster)")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--workers", type=int, default=2, help="local worker processes (default 2; ignored with --scheduler)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--force", action="store_true", help="regrade even what is unchanged since the last grade")
    p.add_argument("--wall-s", type=int, default=None, help="wall-clock limit per notebook (s)")
    p.add_argument("--memory-mib", type=int, default=None,
                   help="kernel memory limit: resident, shared memory, tmpfs, open files together (MiB)")
    p.add_argument("--tasks", type=int, default=None, help="processes and threads a kernel may run together")
    p.add_argument("--cpus", type=float, default=None, help="a kernel's CPU share (CPUs; needs a cpu cgroup)")
    p.add_argument("--output-bytes", type=int, default=None, help="output kept per cell (bytes)")
    p.add_argument("--notebook-output-bytes", type=int, default=None,
                   help="output of a whole notebook (bytes); past it the kernel is stopped")
    p.add_argument("--cell-timeout-s", type=int, default=None, help="per-cell timeout (default: nbgrader_config.py)")
    p.add_argument("--startup-s", type=int, default=None, help="seconds a kernel may take to start")
    p.add_argument("--disk-mib", type=int, default=None, help="what a notebook may write into its folder (MiB)")
    p.add_argument("--sandbox", choices=["auto", "require", "none"], default="auto",
                   help="kernel sandbox: bubblewrap when it works (auto), refuse to grade without it (require), "
                        "or off (none); the active protections are printed first")
    p.add_argument("--no-progress", action="store_true")
    _course_arg(p)

    p = sub.add_parser("report", help="grades.csv, LMS CSV, pass rates, charts and one HTML page for a lab")
    p.add_argument("lab")
    p.add_argument("--out", type=Path, default=None, help="folder (default: <course>/reports/<lab>)")
    _course_arg(p)

    p = sub.add_parser("feedback", help="per-student HTML feedback (nbgrader), hidden test code removed")
    p.add_argument("lab")
    p.add_argument("--student", action="append")
    _course_arg(p)


def _root(args) -> Path:
    from autograder.course import REPO

    return (args.course or REPO).resolve()


def _roster(args) -> int:
    from autograder.cohort.roster import RosterError, import_roster

    try:
        created, updated = import_roster(_root(args), args.csv)
    except RosterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"roster: {created} student(s) added, {updated} updated")
    return 0


def _collect(args) -> int:
    from autograder.cohort.collect import run_collect

    return run_collect(_root(args), args.lab, args.archive, pattern=args.pattern)


def _grade(args) -> int:
    from autograder.cohort.grade import run_grade

    overrides = {k: v for k, v in (("wall_s", args.wall_s), ("memory_mib", args.memory_mib),
                                   ("output_bytes", args.output_bytes), ("tasks", args.tasks), ("cpus", args.cpus),
                                   ("notebook_output_bytes", args.notebook_output_bytes),
                                   ("cell_timeout_s", args.cell_timeout_s), ("startup_s", args.startup_s),
                                   ("disk_mib", args.disk_mib)) if v is not None}
    try:
        results = run_grade(_root(args), args.labs, scheduler=args.scheduler, workers=args.workers,
                            students=args.student, force=args.force, limit_overrides=overrides,
                            progress=not args.no_progress, sandbox=args.sandbox)
    except RuntimeError as exc:  # --sandbox require without a working sandbox
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if any(r.status == "failed" for rows in results.values() for r in rows) else 0


def _report(args) -> int:
    from autograder.cohort.report import write_report

    page = write_report(_root(args), args.lab, args.out)
    print(f"report: {page}")
    return 0


def _feedback(args) -> int:
    from autograder.cohort.feedback import write_feedback

    written, withheld = write_feedback(_root(args), args.lab, args.student)
    print(f"feedback: {len(written)} file(s) under {_root(args) / 'feedback'}")
    for path, why in withheld.items():
        print(f"withheld (deleted, not handed out): {path}: {why[0]}", file=sys.stderr)
    return 1 if withheld else 0


TA_COMMANDS = {"roster": _roster, "collect": _collect, "grade": _grade, "report": _report, "feedback": _feedback}


if __name__ == "__main__":
    sys.exit(main())
