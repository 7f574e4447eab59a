"""Grade the adversarial corpus with plain ``nbgrader autograde`` and with ``dlcourse grade``; write the table.

    .venv/bin/python tools/attack_table.py [--out docs/attacks.md] [--workdir DIR] [--keep] [--outside-only]

Builds the corpus of ``tests/cohort/attacks.py`` (every attacker is the clean student cam plus one
attack) in two scratch courses that also hold the clean students (ada, ben, cam, dee), and two more
courses with the clean students alone (the clean runs). One pair is graded by plain serial
``nbgrader autograde``, one student at a time in nbgrader's own (sorted) order; the other by
``dlcourse grade`` with the corpus test's options. While grading, this process listens on the port the
network attack aims at. Then it writes a Markdown table, one row per attack (points against cam's
honest points, cell by cell) and one per clean student (against the clean run).

Plain nbgrader runs the attacker's code as this user, unsandboxed: attacks that could take this
machine down run under ``prlimit`` or not at all (:class:`tests.cohort.attacks.Plain`), the run of one
student is killed after :data:`PLAIN_TIMEOUT_S`, and the files the attacks wrote outside the course
are deleted afterwards.

Then come the attacks from outside a notebook (``tests/cohort/outside_attacks.py``: the
grading cluster, a local cluster, intake), run against a TLS cluster on 127.0.0.1 that this process
starts; ``--outside-only`` runs just those (half a minute) and replaces that section of ``--out``. The
last section lists the attacks on the kernel's limits and on the pages (:data:`LIMIT_AND_PAGE_ATTACKS`),
each a test of the suite.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.cohort.execute import kill_tree  # noqa: E402
from autograder.cohort.gradebook import cell_scores  # noqa: E402
from tests.cohort.attacks import (DLCOURSE_FLAGS, PLAIN_CELL_TIMEOUT_S, Attack, Listener, Plain, corpus,  # noqa: E402
                                evidence, exfil_paths, graded_notebook, make_attack_course, outputs_text)
from tests.cohort.cohort import CLEAN, LAB, clean_fills, make_course  # noqa: E402

PLAIN_TIMEOUT_S = 300
BIN = Path(sys.executable).parent
Scores = dict[str, tuple[float, float]]


@dataclass
class Outcome:
    """One student graded one way: per-cell scores (``None``: no grade), what the grader said, what
    the graded notebook shows, and the phrases an attack prints only when it worked."""

    scores: Scores | None
    note: str = ""
    shows: str = ""
    worked: list[str] = field(default_factory=list)

    @property
    def total(self) -> float | None:
        return None if self.scores is None else sum(s for s, _ in self.scores.values())


def read_outcomes(root: Path, notes: dict[str, str], attacks: dict[str, Attack]) -> dict[str, Outcome]:
    """Every student's grade and graded notebook, read after the whole batch (an attack may change earlier grades)."""
    out = {}
    for student, note in notes.items():
        attack = attacks.get(student)
        if attack and attack.plain.skip and note == attack.plain.skip:
            out[student] = Outcome(None, note)
            continue
        nb = graded_notebook(root, student)
        worked = [p for p in (attack.must_not_show if attack else []) if p in outputs_text(nb)]
        out[student] = Outcome(cell_scores(root, LAB, student), note, evidence(nb) if attack else "", worked)
    return out


# --------------------------------------------------------------------------- plain nbgrader

def plain_command(root: Path, student: str, plain: Plain) -> list[str]:
    cmd = [sys.executable, "-m", "nbgrader", "autograde", LAB, f"--student={student}", "--force",
           f"--Execute.timeout={PLAIN_CELL_TIMEOUT_S}", f"--CourseDirectory.root={root}"]
    return (["prlimit", *plain.prlimit, "--"] if plain.prlimit else []) + cmd


def plain_grade(root: Path, student: str, plain: Plain) -> str:
    """``nbgrader autograde`` of one student (from the repo root, so the course config is read).

    Returns a note when it was not run or failed, else ``""``.
    """
    if plain.skip:
        return plain.skip
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    proc = subprocess.Popen(plain_command(root, student, plain), cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        log, _ = proc.communicate(timeout=PLAIN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        proc.communicate()
        return f"nbgrader still running after {PLAIN_TIMEOUT_S} s: killed"
    return f"nbgrader failed: {_first_exception(log)}" if proc.returncode != 0 else ""


def _first_exception(log: str) -> str:
    """The first exception line of an nbgrader log (``Name: message``)."""
    for line in log.splitlines():
        found = re.match(r"\s*([A-Za-z_.]*(?:Error|Exception|Exit)): (.*)", line)
        if found:
            return f"{found.group(1).split('.')[-1]}: {found.group(2)[:120]}"
    return "exit status not 0"


def run_plain(root: Path, attacks: dict[str, Attack], students: list[str]) -> dict[str, Outcome]:
    """Every student in nbgrader's sorted order, one ``nbgrader autograde`` each."""
    notes = {s: plain_grade(root, s, attacks[s].plain if s in attacks else Plain()) for s in sorted(students)}
    return read_outcomes(root, notes, attacks)


# --------------------------------------------------------------------------- dlcourse grade

def run_dlcourse(root: Path, attacks: dict[str, Attack], students: list[str]) -> dict[str, Outcome]:
    """One ``dlcourse grade`` of the course, with the corpus test's options."""
    proc = subprocess.run([str(BIN / "dlcourse"), "grade", LAB, *DLCOURSE_FLAGS, "--course", str(root)],
                          capture_output=True, text=True, env=dict(os.environ, COLUMNS="250", OMP_NUM_THREADS="1"))
    if proc.returncode != 0:
        raise SystemExit(f"dlcourse grade failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    records = json.loads((root / ".dlcourse" / f"{LAB}.json").read_text())
    return read_outcomes(root, {s: "; ".join(records.get(s, {}).get("reasons", [])) for s in students}, attacks)


# --------------------------------------------------------------------------- verdicts and table

def _fmt(points: float | None) -> str:
    return "–" if points is None else f"{points:.4g}"


def verdict(got: Outcome, honest: Scores) -> str:
    """Against cam's honest per-cell points: unearned points, lost points, or ok; and what the attack did."""
    if got.scores is None:
        return got.note or "no grade"
    unearned = sum(max(0.0, got.scores[c][0] - honest[c][0]) for c in honest)
    lost = sum(max(0.0, honest[c][0] - got.scores[c][0]) for c in honest)
    parts = ([f"**gave {unearned:.4g} unearned points**"] if unearned > 1e-9 else []) + \
            ([f"lost {lost:.4g} earned points"] if lost > 1e-9 else [])
    if got.worked:
        parts.append(f"**the attack worked: it printed {', '.join(map(repr, got.worked))}**")
    return ", ".join(parts) or "ok"


def clean_verdict(got: Outcome, clean: Outcome) -> str:
    if got.scores == clean.scores:
        return "ok (as in the clean run)"
    return f"**changed** (clean run: {_fmt(clean.total)})"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")[:240]


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def attack_row(a: Attack, plain: Outcome, dl: Outcome, honest: dict[str, Scores]) -> str:
    plain_said = verdict(plain, honest["plain"])
    if plain.scores is not None and plain.note:
        plain_said += f" ({plain.note})"
    recorded = "; ".join(x for x in (dl.note, dl.shows) if x) or "nothing"
    return _row([f"**{a.title}** (`{a.student}`)", a.what_it_tries, _fmt(sum(s for s, _ in honest["dl"].values())),
                 _fmt(plain.total), plain_said, _fmt(dl.total), verdict(dl, honest["dl"]), recorded])


def clean_row(student: str, plain: Outcome, dl: Outcome, clean: dict[str, dict[str, Outcome]]) -> str:
    return _row([f"clean student `{student}`", "none (graded beside the attackers)", _fmt(clean["dl"][student].total),
                 _fmt(plain.total), clean_verdict(plain, clean["plain"][student]), _fmt(dl.total),
                 clean_verdict(dl, clean["dl"][student]), dl.note or "nothing"])


HEADER = """# The attack corpus, graded by plain nbgrader and by `dlcourse grade`

Generated by `tools/attack_table.py` on {date} with `{command}`; do not edit by hand.

Every attacker is the clean student cam (the first half of lab 1's functions solved, the rest left as
stubs) plus one attack (`tests/cohort/attacks.py`), so its honest points are cam's, cell by cell; the
verdicts compare each grade cell with cam's in a clean run graded the same way, and say when an
attack printed what it prints only when it worked. Plain nbgrader: `nbgrader autograde` one student
at a time in its own (sorted) order, `--Execute.timeout={timeout}`, unsandboxed; a dash is no grade.
`dlcourse grade`: `{flags}`; kernel sandbox on this machine: {sandbox}. Out of 28 points.

{columns}
| --- | --- | --- | --- | --- | --- | --- | --- |
"""
COLUMNS = ["attack", "what it tries", "honest (cam)", "plain nbgrader", "plain nbgrader verdict", "dlcourse grade",
           "dlcourse verdict", "what dlcourse recorded (TA record; attack cell; test_softmax)"]


def render(attacks: list[Attack], plain: dict, dl: dict, clean: dict, footer: list[str]) -> str:
    from autograder.cohort.sandbox import choose

    honest = {mode: clean[mode]["cam"].scores for mode in ("plain", "dl")}
    box = choose("auto")
    text = HEADER.format(
        date=datetime.date.today().isoformat(), command=" ".join(["python tools/attack_table.py", *sys.argv[1:]]),
        timeout=PLAIN_CELL_TIMEOUT_S, flags=" ".join(DLCOURSE_FLAGS), columns=_row(COLUMNS),
        sandbox=box.kind + (f" ({box.why})" if box.why else ""))
    rows = [attack_row(a, plain[a.student], dl[a.student], honest) for a in attacks]
    rows += [clean_row(s, plain[s], dl[s], clean) for s in CLEAN]
    gaps = [f"* `{a.student}`: {a.gap}." for a in attacks if a.gap]
    gained = [a.student for a in attacks if dl[a.student].scores is not None and any(
        dl[a.student].scores[c][0] > honest["dl"][c][0] + 1e-9 for c in honest["dl"])]
    changed = [s for s in CLEAN if dl[s].scores != clean["dl"][s].scores]
    measured = (f"In this run, under `dlcourse grade`: {len(gained)} of {len(attacks)} attackers got a point cam did "
                f"not earn{' (' + ', '.join(gained) + ')' if gained else ''}, and {len(changed)} of {len(CLEAN)} "
                f"clean students' grades changed{' (' + ', '.join(changed) + ')' if changed else ''}.")
    notes = ["", "## Known gaps of `dlcourse grade` (see docs/tamper-proof-grading.md)", "", measured, ""]
    return text + "\n".join(rows + notes + (gaps or ["No attack of the corpus is marked as a known gap."]) + [""] + footer) + "\n"


# --------------------------------------------------------------------------- attacks from outside a notebook

OUTSIDE_MARK = "## Attacks from outside the notebook"


def outside_section(work: Path) -> str:
    """Run every attack of :mod:`tests.cohort.outside_attacks` on loopback; its Markdown section."""
    from tests.cohort.outside_attacks import ATTACKS, AttackWorked, Setting
    from tests.cohort.tls_cluster import TLSCluster

    work.mkdir(parents=True, exist_ok=True)
    cluster = TLSCluster(work / "tls-cluster")
    rows, worked = [], 0
    try:
        setting = Setting(cluster, work / "outside")
        for attack in ATTACKS:
            print(f"outside: {attack.name} ...", flush=True)
            try:
                verdict, said = "stopped", attack.run(setting)
            except AttackWorked as exc:
                verdict, said = "**the attack worked**", str(exc)
                worked += 1
            rows.append(_row([f"**{attack.title}** (`{attack.name}`)", attack.where, attack.what_it_tries, verdict,
                              _cell(said)]))
    finally:
        cluster.close()
    return "\n".join([
        OUTSIDE_MARK, "",
        "Run on 127.0.0.1 against a scheduler and two workers started with `dlcourse cluster init`'s certificates "
        "(as the README's recipe starts them), a `LocalCluster` started as `dlcourse grade` starts one, and a "
        f"scratch course (`tests/cohort/outside_attacks.py`; `{_sys_command()}`). {worked} of {len(rows)} got through.",
        "", _row(["attack", "where", "what it tries", "verdict", "what stopped it"]), "| --- | --- | --- | --- | --- |",
        *rows, ""])


#: Attacks on the kernel's limits and on the pages people open (issue 14). Each is its own test, which
#: the suite runs; the section lists them with the test that shows the defence holding (checked by
#: tests/test_attack_doc.py: every test named here exists).
LIMIT_AND_PAGE_ATTACKS = [
    ("memfd files", "48 x 64 MiB of `os.memfd_create` files (not resident memory) under a 1024 MiB limit",
     "memory cgroup (else the watchdog, which counts memfd)", "tests/cohort/test_limits.py::test_memfd_files_count_as_memory"),
    ("shared memory and /dev", "fill /dev/shm and write into /dev",
     "/dev/shm a 64 MiB tmpfs, /dev read-only", "tests/cohort/test_limits.py::test_shared_memory_is_a_small_tmpfs_and_dev_is_read_only"),
    ("deleted open files", "write files, keep them open, delete them (the quota sees no file)",
     "the working copy is a size-limited tmpfs charged to the memory cgroup",
     "tests/cohort/test_limits.py::test_deleted_open_files_count_against_the_quota"),
    ("the connection folder", "write gigabytes into the folder of the kernel's sockets (the host's /tmp)",
     "on the host's /dev/shm, charged to the kernel's cgroup, watched",
     "tests/cohort/test_limits.py::test_the_connection_folder_is_not_a_place_to_write"),
    ("display updates", "`display(..., display_id=True)` then `update(60 MB)` (nbclient applies it outside the output hook)",
     "updates charged per cell (dropped past 100 kB) and per notebook (kernel stopped past 64 MB)",
     "tests/cohort/test_limits.py::test_display_updates_count_against_the_output_budget"),
    ("one huge message", "a single 60 MB display message", "refused unread (ZeroMQ's message size limit)",
     "tests/cohort/test_limits.py::test_one_huge_message_is_refused_unread"),
    ("report MIME type everywhere", "ten cells under the report MIME type, 32 MB each",
     "a report counts as one only in a test cell; the notebook's total stops the kernel",
     "tests/cohort/test_limits.py::test_report_mime_outside_test_cells_is_ordinary_output"),
    ("process and thread storm", "hundreds of processes and threads", "pids cgroup: 256 together",
     "tests/cohort/test_limits.py::test_a_process_and_thread_storm_is_stopped"),
    ("CPU hog", "busy processes to starve a student graded beside it", "cpu cgroup quota: 1 CPU",
     "tests/cohort/test_limits.py::test_the_cpu_share_is_capped"),
    ("forged reasons", "print the grader's own phrases (\"ran past the per-cell timeout\") and raise its exceptions",
     "the TA's reasons are the executor's own readings, never kernel text",
     "tests/cohort/test_limits.py::test_reasons_come_from_the_grader_not_from_the_kernel"),
    ("script in the feedback page", "`<script>` in markdown, `HTML(...)`, `Javascript(...)`, SVG, event handlers, a fake score",
     "sanitised template, Content-Security-Policy, local MathJax; opened in Chromium, nothing runs or is fetched",
     "tests/cohort/test_safe_pages.py::test_hostile_feedback_page_runs_no_student_script_in_a_browser"),
    ("script in the TA report", "a student named `<script>...` / `<img onerror=...>`", "escaped, scriptless CSP",
     "tests/cohort/test_safe_pages.py::test_ta_report_of_a_hostile_name_runs_nothing_in_a_browser"),
    ("HTML in the viva sheet", "raw HTML in names, code and exception messages of the Markdown sheet",
     "escaped in Markdown and HTML sheets", "tests/viva/test_sheet_escaping.py::test_markdown_sheet_renders_no_tag_from_the_submission"),
]


def limits_and_pages_section() -> str:
    """The Markdown section of :data:`LIMIT_AND_PAGE_ATTACKS`."""
    lines = ["## Attacks on the kernel's limits and on the pages", "",
             "Each is its own test in the suite (`make test`), which fails if the defence gives way; the "
             "protections table of `dlcourse grade` says which of them hold on the host it runs on.", "",
             "| attack | what it does | what stops it | test |", "|---|---|---|---|"]
    lines += [f"| **{name}** | {what} | {stops} | `{test}` |" for name, what, stops, test in LIMIT_AND_PAGE_ATTACKS]
    return "\n".join(lines) + "\n"


def _sys_command() -> str:
    return " ".join(["python tools/attack_table.py", *sys.argv[1:]])


def replace_outside_section(text: str, section: str) -> str:
    """``text`` (docs/attacks.md) with its outside-attacks section replaced by (or ending with) ``section``."""
    head = text.split(OUTSIDE_MARK, 1)[0].rstrip("\n")
    return head + "\n\n" + section


# --------------------------------------------------------------------------- main

def build(work: Path, attacks: list[Attack]) -> dict[str, Path]:
    return {"plain": make_attack_course(work / "plain", attacks), "dl": make_attack_course(work / "dl", attacks),
            "plain_clean": make_course(work / "plain_clean", clean_fills()),
            "dl_clean": make_course(work / "dl_clean", clean_fills())}


def _remove_exfiltrated(token: str) -> list[str]:
    found = [p for p in exfil_paths(token) if p.exists()]
    for p in found:
        p.unlink()
    return [str(p) for p in found]


def grade_all(courses: dict[str, Path], attacks: list[Attack], listener: Listener, token: str):
    """Both ways, the corpus and the clean run; ``(plain, dl, clean, footer lines)``."""
    by_name = {a.student: a for a in attacks}
    students = CLEAN + list(by_name)
    print("plain nbgrader ...", flush=True)
    plain = run_plain(courses["plain"], by_name, students)
    contacts = {"plain": list(listener.contacts)}
    files = {"plain": _remove_exfiltrated(token)}
    clean = {"plain": run_plain(courses["plain_clean"], {}, CLEAN)}
    print("dlcourse grade ...", flush=True)
    listener.contacts.clear()
    dl = run_dlcourse(courses["dl"], by_name, students)
    contacts["dl"], files["dl"] = list(listener.contacts), _remove_exfiltrated(token)
    clean["dl"] = run_dlcourse(courses["dl_clean"], {}, CLEAN)
    said = {mode: (", ".join(contacts[mode]) or "nothing", ", ".join(files[mode]) or "none") for mode in contacts}
    footer = ["## Outside the course", "",
              f"* What reached the grader's port (127.0.0.1:{listener.port}): under plain nbgrader {said['plain'][0]}; "
              f"under `dlcourse grade` {said['dl'][0]}.",
              "* Files the attacks wrote outside the course (deleted afterwards): under plain nbgrader "
              f"{said['plain'][1]}; under `dlcourse grade` {said['dl'][1]}."]
    return plain, dl, clean, footer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "attacks.md")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch courses")
    parser.add_argument("--outside-only", action="store_true",
                        help="run only the attacks from outside a notebook and replace their section of --out")
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="attack-table-"))
    if args.outside_only:
        try:
            section = outside_section(work / "outside") + "\n" + limits_and_pages_section()
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        args.out.write_text(replace_outside_section(args.out.read_text() if args.out.is_file() else "", section))
        print(f"wrote {args.out}")
        return 0
    token, listener = secrets.token_hex(4), Listener()
    attacks = corpus(token, listener.port)
    try:
        plain, dl, clean, footer = grade_all(build(work, attacks), attacks, listener, token)
        section = outside_section(work / "outside") + "\n" + limits_and_pages_section()
    finally:
        listener.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(replace_outside_section(render(attacks, plain, dl, clean, footer), section))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
