"""``dlcourse``: the TA's command line (adds to plain nbgrader, does not replace it)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _venv_on_path() -> None:
    """Put this Python's ``bin`` first on PATH: nbgrader runs ``alembic`` (stamping a new gradebook) and
    ``python3`` kernels from PATH, and a TA may run ``.venv/bin/dlcourse`` without activating the venv."""
    here = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != here:
        os.environ["PATH"] = os.pathsep.join([here, path]) if path else here


def main(argv: list[str] | None = None) -> int:
    from autograder.course import skip_slow_imports

    skip_slow_imports()
    _venv_on_path()
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
        return _refusing(TA_COMMANDS[args.command], args)

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
    p = sub.add_parser("calendar", help="print and check the course calendar (calendar.yaml); --apply, --ics")
    p.add_argument("--apply", action="store_true",
                   help="write its due dates and extensions into the gradebook and recompute the late penalties")
    p.add_argument("--ics", nargs="?", type=Path, const=True, default=None, metavar="DIR",
                   help="write one iCalendar file per session and the schedule page (default: <course>/schedule/)")
    _course_arg(p)

    p = sub.add_parser("extend", help="grant a student an extension for a lab (kept in extensions.csv)")
    p.add_argument("student")
    p.add_argument("lab")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--days", type=float, help="days added to the student's own session deadline (0: none)")
    when.add_argument("--until", help="new deadline: YYYY-MM-DD (the end of that day) or 'YYYY-MM-DD HH:MM', term zone")
    p.add_argument("--reason", required=True, help="why (kept with the grant)")
    p.add_argument("--by", default=None, help="who grants it (default: your login name)")
    _course_arg(p)

    p = sub.add_parser("course-grades", help="the Lab item from code scores and viva marks: CSV, LMS CSV, HTML")
    p.add_argument("--labs", nargs="+", metavar="LAB", help="labs to count (default: every graded lab)")
    p.add_argument("--out", type=Path, default=None, help="folder (default: <course>/reports)")
    _course_arg(p)

    p = sub.add_parser("roster", help="the class list: `roster import students.csv`, `roster move`")
    rsub = p.add_subparsers(dest="roster_command", required=True)
    q = rsub.add_parser("import", help="import a CSV (id, first_name, last_name, email, session) into the gradebook")
    q.add_argument("csv", type=Path)
    _course_arg(q)
    q = rsub.add_parser("move", help="move a student to another lab session from a week on (recorded)")
    q.add_argument("student")
    q.add_argument("session")
    q.add_argument("--from-week", type=int, required=True, help="the first term week in the new session")
    q.add_argument("--reason", required=True, help="why (kept with the move)")
    q.add_argument("--by", default=None, help="who records it (default: your login name)")
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
    p.add_argument("--scheduler", help="address of a running Dask scheduler started with the course's certificates, "
                                       "e.g. tls://10.0.0.5:8786 (see `dlcourse cluster init`)")
    p.add_argument("--cluster-dir", type=Path, default=None,
                   help="the cluster's credentials (default: <course>/.dlcourse/cluster, from `dlcourse cluster init`)")
    p.add_argument("--insecure-cluster", action="store_true",
                   help="allow a plain tcp:// --scheduler on a loopback address (experiments only: anyone who "
                        "reaches it controls the workers)")
    p.add_argument("--recheck-workers", action="store_true",
                   help="run every worker's canary again even where its environment passed before")
    p.add_argument("--canary-cache", type=Path, default=None,
                   help="the file of the workers' canary passes (default: <course>/.dlcourse/canary.json); course "
                        "roots graded on the same workers may share one, as a pass's key covers all it depends on")
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

    p = sub.add_parser("cluster", help="the grading cluster's credentials: `cluster init`")
    csub = p.add_subparsers(dest="cluster_command", required=True)
    q = csub.add_parser("init", help="make the course CA and client/scheduler/worker certificates (keys 0600)")
    q.add_argument("--out", type=Path, default=None, help="folder (default: <course>/.dlcourse/cluster)")
    q.add_argument("--host", action="append", default=[], help="scheduler or worker host name or address to name in "
                                                               "the certificates (repeatable)")
    q.add_argument("--days", type=int, default=None, help="validity in days (default 200)")
    q.add_argument("--force", action="store_true", help="replace existing credentials")
    _course_arg(q)

    p = sub.add_parser("report", help="grades.csv, LMS CSV, pass rates, charts and one HTML page for a lab")
    p.add_argument("lab")
    p.add_argument("--out", type=Path, default=None, help="folder (default: <course>/reports/<lab>)")
    _course_arg(p)

    p = sub.add_parser("feedback", help="per-student HTML feedback (nbgrader), hidden test code removed")
    p.add_argument("lab")
    p.add_argument("--student", action="append")
    _course_arg(p)


def _root(args) -> Path:
    from autograder.cohort.preflight import CourseError
    from autograder.course import REPO

    root = (args.course or REPO).resolve()
    if not root.is_dir():
        raise CourseError(f"no course root at {root}: `--course` names the folder that holds (or will hold) "
                          "gradebook.db, submitted/ and autograded/")
    return root


def _user(args) -> str:
    import getpass

    return getattr(args, "by", None) or getpass.getuser()


def _refusing(command, args) -> int:
    """Run a TA command; a refused input (bad calendar, roster, extension, LMS export) is one line, exit 2;
    a course root that lacks what the command needs (no gradebook, nothing released) is one line, exit 1."""
    from autograder.cohort.lms_export import LmsExportError
    from autograder.cohort.roster import RosterError
    from autograder.course.extensions import ExtensionError
    from autograder.course.schedule import CalendarError
    from autograder.cohort.preflight import CourseError

    try:
        return command(args)
    except (CalendarError, RosterError, ExtensionError, LmsExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CourseError as exc:  # the course root lacks what the command needs: one line, no traceback
        print(f"dlcourse {args.command}: {exc}", file=sys.stderr)
        return 1


def _roster(args) -> int:
    from autograder.cohort.duedates import apply_calendar
    from autograder.cohort.roster import import_roster, move_student

    if args.roster_command == "move":
        print(move_student(_root(args), args.student, args.session, args.from_week, args.reason, _user(args)))
    else:
        created, updated = import_roster(_root(args), args.csv, _user(args))
        print(f"roster: {created} student(s) added, {updated} updated")
    applied = apply_calendar(_root(args))  # sessions move deadlines: derive them again
    if applied and (applied.extensions or applied.penalties):
        print(f"gradebook: {len(applied.extensions)} extension(s) and {len(applied.penalties)} late penalt(y/ies) changed")
    return 0


def _calendar(args) -> int:
    from autograder.workflows.calendar_command import run_calendar

    ics = None if args.ics in (None, True) else args.ics
    return run_calendar(_root(args), apply=args.apply, ics=ics, want_ics=args.ics is not None)


def _extend(args) -> int:
    from autograder.cohort.duedates import grant_extension

    due, applied = grant_extension(_root(args), args.student, args.lab, days=args.days, until=args.until,
                                   reason=args.reason, by=_user(args))
    from autograder.course.schedule import load_calendar

    calendar = load_calendar(_root(args))
    print(f"{args.student} {args.lab}: due {calendar.local(due.due)} (session {due.session or '(none)'}: "
          f"{calendar.local(due.session_due)}); recorded in {_root(args) / 'extensions.csv'}")
    for lab, student, old, new in applied.penalties:
        print(f"  late penalty of {student} {lab}: {old:.2f} -> {new:.2f}")
    return 0


def _course_grades(args) -> int:
    from autograder.workflows.course_grades import print_course_grades, write_course_grades

    try:
        grades = write_course_grades(_root(args), args.labs, args.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_course_grades(grades)
    out = args.out or _root(args) / "reports"
    print(f"wrote {out / 'course-grades.csv'}, {out / 'course-grades-lms.csv'} (LMS import), "
          f"{out / 'course-grades.html'}")
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
                            progress=not args.no_progress, sandbox=args.sandbox,
                            insecure_cluster=args.insecure_cluster, credentials=args.cluster_dir,
                            recheck_workers=args.recheck_workers, canary_cache=args.canary_cache)
    except RuntimeError as exc:  # no sandbox for --sandbox require, an unsafe cluster, a failed canary
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if any(r.status == "failed" for rows in results.values() for r in rows) else 0


def _cluster(args) -> int:
    from autograder.cohort.cluster import DAYS, default_folder, init_credentials

    folder = (args.out or default_folder(_root(args))).resolve()
    try:
        written = init_credentials(folder, hosts=args.host, days=args.days or DAYS, force=args.force)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"cluster credentials in {folder} (private keys readable by you only):")
    for path in written:
        print(f"  {path.name}  {oct(path.stat().st_mode & 0o777)}")
    print("Scheduler (TA's machine):  dask scheduler --protocol tls --port 8786 --dashboard-address 127.0.0.1:8787 "
          f"--tls-ca-file {folder}/ca.pem --tls-cert {folder}/scheduler.pem --tls-key {folder}/scheduler-key.pem")
    print("Each worker machine: copy ca.pem, worker.pem, worker-key.pem (keep it 0600), then\n"
          "  dask worker tls://TA-HOST:8786 --nthreads 1 --dashboard-address 127.0.0.1:0 "
          "--tls-ca-file ca.pem --tls-cert worker.pem --tls-key worker-key.pem")
    print("Grade:  dlcourse grade LAB --scheduler tls://TA-HOST:8786"
          + (f" --cluster-dir {folder}" if args.out else ""))
    return 0


def _report(args) -> int:
    from autograder.cohort.report import write_report

    page = write_report(_root(args), args.lab, args.out)
    print(f"report: {page}")
    return 0


def _feedback(args) -> int:
    from autograder.cohort.feedback import feedback_pages, write_feedback

    root = _root(args)
    written, withheld = write_feedback(root, args.lab, args.student)
    outcomes = feedback_pages(root, args.lab, written, withheld, args.student)
    for o in outcomes:  # who got which page, and who got none
        where = o.page.relative_to(root) if o.page else "no page"
        print(f"  {o.student}: {where} ({o.kind}{': ' + o.note if o.note else ''})")
    counts = {kind: sum(o.kind == kind for o in outcomes) for kind in ("graded", "unreadable upload", "withheld", "none")}
    print(f"feedback: {len(written)} file(s) under {root / 'feedback'}; "
          + ", ".join(f"{n} {kind if kind != 'none' else 'without a page'}" for kind, n in counts.items() if n))
    for path, why in withheld.items():
        print(f"withheld (deleted, not handed out): {path}: {why[0]}", file=sys.stderr)
    _moodle_feedback_zip(root, args.lab)
    return 1 if withheld or counts.get("none") else 0


def _moodle_feedback_zip(root: Path, lab: str) -> None:
    from autograder.cohort.feedback_zip import write_lab_feedback_zip

    result = write_lab_feedback_zip(root, lab)
    if result.path:
        print(f"Moodle: {result.path.relative_to(root)} holds the pages of {len(result.included)} student(s); upload it at "
              "the assignment's View all submissions > Grading action > Upload multiple feedback files in a zip")
    if not result.path and result.left_out:  # e.g. collected with --pattern classroom: one line, not one per student
        print(f"no Moodle feedback zip: none of the {len(result.left_out)} student(s) with a page was collected from a "
              "Moodle \"Download all submissions\" zip")
        return
    for student, why in result.left_out.items():
        print(f"  not in the Moodle zip: {student}: {why}")


TA_COMMANDS = {"roster": _roster, "collect": _collect, "grade": _grade, "cluster": _cluster, "report": _report,
               "feedback": _feedback, "calendar": _calendar, "extend": _extend, "course-grades": _course_grades}


if __name__ == "__main__":
    sys.exit(main())
