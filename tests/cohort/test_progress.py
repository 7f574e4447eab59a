"""What the TA reads while a long step runs (a line now and then in a log) and in the final table."""
import io
import sys

from rich.console import Console

from autograder.cohort.grade import FAILED, GRADED, ZERO, Result
from autograder.cohort.progress import CountProgress, GradingProgress, points, print_results


class Clock:
    """A hand-set clock: seconds since the step began."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _log() -> Console:
    return Console(file=io.StringIO(), force_terminal=False, width=300)


def test_a_log_gets_a_progress_line_every_5_percent_with_problems_and_time_left():
    clock, console = Clock(), _log()
    rows = ([Result(f"s{i}", GRADED, 10.0, 18.0) for i in range(35)]
            + [Result("z1", ZERO, 0.0, 18.0, ["corrupt notebook"]), Result("z2", GRADED, 0.0, 18.0)]
            + [Result("t", GRADED, 9.0, 18.0, ["cell(s) ran past the per-cell timeout: test_adam"])]
            + [Result("w", GRADED, 0.0, 18.0, ["the notebook ran past the wall-clock limit of 600 s"])]
            + [Result("f", FAILED, reasons=["KilledWorker: lost"])])
    with GradingProgress("lab03_optimizers", 40, console=console, clock=clock,
                         start="40 notebook(s) to run on 2 worker(s)") as bar:
        for i, row in enumerate(rows, start=1):
            clock.now = 0.85 * i  # 34 s for 40 notebooks
            bar.advance(row)
    lines = console.file.getvalue().splitlines()
    assert lines[0] == "lab03_optimizers: 40 notebook(s) to run on 2 worker(s)"
    # Quiet for the first 2 s (notebook 3 at 2.55 s is the first line), then every 2 notebooks (5 % of 40).
    assert lines[1] == "lab03_optimizers: graded 3/40, 3 s, about 31 s left"  # 2.55 s / 3 * 37 = 31.45 s
    assert lines[2] == "lab03_optimizers: graded 5/40, 4 s, about 30 s left"  # 4.25 s / 5 * 35 = 29.75 s
    assert len(lines) == 2 + 19  # notebooks 3, 5, 7, ..., 39, then 40
    assert lines[-1] == "lab03_optimizers: graded 40/40 (3 zero, 2 timed out, 1 failed), 34 s"


def test_a_slow_step_gets_a_line_every_15_s_and_a_short_one_none():
    clock, console = Clock(), _log()
    with CountProgress("lab06_cnn feedback", 1000, "wrote", unit="pages", console=console, clock=clock) as bar:
        for i in range(1, 6):
            clock.now = 10.0 * i  # 10 s a page: 5 % of 1000 pages would take minutes
            bar.advance()
    assert console.file.getvalue().splitlines() == [
        "lab06_cnn feedback: wrote 1/1000 pages, 10 s, about 9990 s left",
        "lab06_cnn feedback: wrote 3/1000 pages, 30 s, about 9970 s left",  # 20 s after the last line
        "lab06_cnn feedback: wrote 5/1000 pages, 50 s, about 9950 s left"]
    clock, console = Clock(), _log()
    with CountProgress("lab01 collect", 6, "read", unit="files", console=console, clock=clock) as bar:
        for i in range(6):
            clock.now = 0.1 * i
            bar.advance()
    assert console.file.getvalue() == ""


def test_a_terminal_gets_the_bar_and_no_lines():
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    clock = Clock()
    with GradingProgress("lab01", 2, console=console, clock=clock, start="2 notebook(s)") as bar:
        for i in (1, 2):
            clock.now = 10.0 * i
            bar.advance(Result("a", GRADED, 1.0, 1.0))
    out = console.file.getvalue()
    assert "2/2" in out and "graded 2/2," not in out and "2 notebook(s)" not in out


def test_the_table_rounds_scores_and_leaves_out_the_worker():
    console = Console(file=io.StringIO(), width=200)
    results = [Result("dee", GRADED, 87 / 7, 18.0, [], 18.44, "tcp://127.0.0.1:40123"),
               Result("ada", GRADED, 18.0, 18.0, [], 3.0, "tcp://127.0.0.1:40123"),
               Result("fay", ZERO, 0.0, 18.0, ["corrupt notebook"])]
    print_results("lab03_optimizers", results, 34.2, console=console)
    out = console.file.getvalue()
    assert "12.43 / 18" in out and "18 / 18" in out and "0 / 18" in out  # 87/7 = 12.428571...
    assert "12.428" not in out and "tcp://" not in out and "worker" not in out
    assert "18.4" in out and "in 34 s" in out
    assert [points(v) for v in (87 / 7, 18.0, 0.5, 0.125, None)] == ["12.43", "18", "0.5", "0.12", ""]


def test_nbgrader_log_lines_reach_the_caller_as_they_are_written():
    from autograder.course import _run_streaming

    seen = []
    code = "import sys\nprint('to stdout')\nfor i in range(3): print(f'log {i}', file=sys.stderr, flush=True)\n"
    proc = _run_streaming([sys.executable, "-c", code], env=None, timeout=30, on_log_line=seen.append)
    assert seen == ["log 0", "log 1", "log 2"]
    assert proc.returncode == 0 and proc.stdout == "to stdout\n" and proc.stderr == "log 0\nlog 1\nlog 2\n"
