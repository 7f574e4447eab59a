"""A kernel's whole footprint is bounded: every way of holding memory, disk, processes, CPU or output
past the limits ends with the kernel stopped and the grader's own reason recorded, while the host
and the grading process stay bounded.

Each attack runs in its own sandboxed kernel under the limits of the attack corpus (1024 MiB of
memory, a 64 MiB disk quota), with a :class:`tests.cohort.meter.Meter` sampling, from outside, what
the kernel holds on the host (resident memory of its processes plus the host's shared memory above
its level before; bytes on the host's disks) and the grading process's resident memory. Asserted:
the host gains under 1.5 GiB of memory and 100 MiB of disk, the grading process stays under 1 GiB,
and no process or cgroup is left. The readings go to ``build/test-artifacts/limits.json``.

Every payload carries a fuse (a bounded loop) so that a limit that failed would not take the test
machine down. CI runs as root on Debian (cgroup v1 memory, pids and cpu writable, bubblewrap
installed): there these tests run, never skip; where cgroups are not offered the watchdog's fallback
is what they test (``DLCOURSE_CGROUPS=off`` forces it, as two tests below do).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.cohort import cgroups
from autograder.cohort.execute import GuardedExecute, execute_notebook
from autograder.cohort.grade import diagnose
from autograder.cohort.limits import Limits
from autograder.cohort.outputs import DROP, KEEP, STOP, OutputBudget
from autograder.cohort.sandbox import choose
from autograder.course import REPO
from autograder.kernel import reports
from tests.cohort.meter import MIB, Meter, leftovers

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"), reason="bubblewrap needs Linux"),
              pytest.mark.xdist_group("limits")]

LIMITS = Limits(cell_timeout_s=20, wall_s=60, startup_s=60, memory_mib=1024, disk_mib=64, output_bytes=100_000)
HOST_MEMORY = 1536 * MIB
HOST_DISK = 100 * MIB
DRIVER_RSS = 1024 * MIB
MEASURED: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def record_readings():
    yield
    out = REPO / "build" / "test-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    (out / "limits.json").write_text(json.dumps(MEASURED, indent=1, sort_keys=True))


def run_bounded(tmp_path: Path, name: str, cells: list[str], limits: Limits = LIMITS):
    """Execute ``cells`` sandboxed under ``limits`` while measuring; assert the host stayed bounded."""
    work = tmp_path / "work"
    work.mkdir()
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, work / "n.ipynb")
    with Meter([work]) as meter:
        executed, status, _ = execute_notebook(work / "n.ipynb", limits, sandbox=choose("require"))
    peak = meter.peak
    MEASURED[name] = {"status": status["status"], "reason": status["reason"], "seconds": status["seconds"],
                      "cgroups": cgroups.support().version or "none", **peak.as_mib()}
    assert peak.samples > 3, "the meter took no readings"
    assert peak.kernel_memory < HOST_MEMORY, f"{name}: the kernel held {peak.kernel_memory / MIB:.0f} MiB on the host"
    assert peak.kernel_disk < HOST_DISK, f"{name}: the kernel held {peak.kernel_disk / MIB:.0f} MiB of the host's disk"
    assert peak.driver_rss < DRIVER_RSS, f"{name}: the grading process grew to {peak.driver_rss / MIB:.0f} MiB"
    assert not leftovers(meter.before), leftovers(meter.before)
    return executed, status


def _stopped(executed, status, kind: str, *phrases: str) -> None:
    assert status["status"] == kind, status
    for phrase in phrases:
        assert phrase in status["reason"], status
    # the cell that hit the limit, or the next one, holds the grader's reason; the last cell never ran
    assert executed.cells[-1].outputs and executed.cells[-1].outputs[-1].get("ename") == "LimitExceeded"
    assert "never" not in json.dumps(executed.cells[-1].outputs)


AFTER = "print('never printed')"


def test_memfd_files_count_as_memory(tmp_path):
    """Unmapped memfd files are no resident memory: 48 x 64 MiB under a 1024 MiB limit."""
    attack = """
import os
fds = []
for i in range(48):  # fuse: 3 GiB
    fd = os.memfd_create(f"hoard{i}")
    for _ in range(64):
        os.write(fd, b"x" * (1 << 20))
    fds.append(fd)
"""
    executed, status = run_bounded(tmp_path, "memfd", [attack, AFTER])
    _stopped(executed, status, "memory", "memory limit of 1024 MiB")


def test_shared_memory_is_a_small_tmpfs_and_dev_is_read_only(tmp_path):
    # /dev is tried in a cell of its own: in the hoarding cell its printed line raced the kernel's stop
    # (the grader may stop the kernel before ipykernel flushes stdout), and the check failed on CI's load
    dev = """
try:
    open("/dev/hoard", "wb")
except OSError as e:
    print("dev:", e.strerror)
"""
    attack = """
for i in range(48):  # fuse: 2.9 GiB
    with open(f"/dev/shm/hoard{i}", "wb") as f:
        f.write(b"x" * (60 << 20))
"""
    executed, status = run_bounded(tmp_path, "dev_shm", [dev, attack, AFTER])
    _stopped(executed, status, "disk", "/dev/shm")
    assert "dev: Read-only file system" in json.dumps(executed.cells[0].outputs)


def test_deleted_open_files_count_against_the_quota(tmp_path):
    attack = """
import os
kept = []
for i in range(150):  # fuse: 2.4 GiB
    f = open(f"gone{i}", "wb")
    f.write(b"x" * (16 << 20))
    f.flush()
    os.unlink(f"gone{i}")
    kept.append(f)
"""
    executed, status = run_bounded(tmp_path, "deleted_files", [attack, AFTER])
    _stopped(executed, status, "disk", "disk quota of 64 MiB")


def test_the_connection_folder_is_not_a_place_to_write(tmp_path):
    """The folder of the kernel's sockets is the one host folder it can write: off the host's disk
    (the host's /dev/shm, charged to the kernel's memory cgroup), and watched."""
    attack = """
import os
from ipykernel.kernelapp import IPKernelApp
folder = os.path.dirname(IPKernelApp.instance().connection_file)
for i in range(120):  # fuse: 1.9 GiB
    with open(os.path.join(folder, f"hoard{i}"), "wb") as f:
        f.write(b"x" * (16 << 20))
"""
    executed, status = run_bounded(tmp_path, "ipc_folder", [attack, AFTER])
    assert status["status"] in ("disk", "memory"), status
    assert "connection folder" in status["reason"] or "memory limit of 1024 MiB" in status["reason"], status
    _stopped(executed, status, status["status"])


def test_display_updates_count_against_the_output_budget(tmp_path):
    """``update_display_data`` is applied by nbclient outside the output hook: it is charged all the same,
    per cell (dropped past 100 kB) and per notebook (the kernel stopped past 64 MB)."""
    attack = """
from IPython.display import display
handle = display({"text/plain": "small"}, raw=True, display_id=True)
for i in range(40):  # fuse: 200 MB
    handle.update({"text/plain": str(i) * 5_000_000}, raw=True)
"""
    executed, status = run_bounded(tmp_path, "display_updates", [attack, AFTER])
    _stopped(executed, status, "output", "passed 64 MB")
    kept = len(json.dumps(executed.cells[0].outputs))
    assert kept < 200_000, f"the cell kept {kept} bytes of output"


def test_one_huge_message_is_refused_unread(tmp_path):
    """A 60 MB display update (the issue's attack) never reaches the grader's memory."""
    attack = """
from IPython.display import display
handle = display({"text/plain": "small"}, raw=True, display_id=True)
handle.update({"text/plain": "y" * 60_000_000}, raw=True)
"""
    executed, status = run_bounded(tmp_path, "huge_message", [attack, "import time; time.sleep(3)", AFTER])
    assert status["status"] == "output" and "refused unread" in status["reason"], status
    assert "y" * 1000 not in json.dumps(executed.cells[0].outputs)


def test_report_mime_outside_test_cells_is_ordinary_output(tmp_path):
    """Ten cells under the report MIME type got the 32 MB report cap each: now a report counts as
    one only in a test cell, and the notebook's total stops the kernel."""
    cell = f"""
from IPython.display import display
display({{"{reports.MIME}": {{"qualname": "x", "pad": "z" * 20_000_000}}, "text/plain": "r"}}, raw=True)
"""
    executed, status = run_bounded(tmp_path, "report_mime", [cell] * 10 + [AFTER])
    _stopped(executed, status, "output", "passed 64 MB")
    assert all(len(json.dumps(c.outputs)) < 200_000 for c in executed.cells), "a cell kept a 20 MB report"


def test_a_process_and_thread_storm_is_stopped(tmp_path):
    attack = """
import os, threading, time
threads = []
for _ in range(2000):  # fuse: 2000 threads, then 200 processes
    t = threading.Thread(target=time.sleep, args=(30,), daemon=True)
    t.start()
    threads.append(t)
for _ in range(200):
    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
"""
    executed, status = run_bounded(tmp_path, "task_storm", [attack, AFTER])
    _stopped(executed, status, "processes", "more than 256 processes and threads")


def test_the_cpu_share_is_capped(tmp_path):
    """Three busy processes for 2 s get one CPU between them (the cpu cgroup's quota)."""
    if not cgroups.support().has("cpu"):
        pytest.skip(f"no cpu cgroup here: {cgroups.support().describe('cpu')}")
    busy = """
import os, time, resource
end = time.time() + 2
pids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        while time.time() < end:
            pass
        os._exit(0)
    pids.append(pid)
while time.time() < end:
    pass
for pid in pids:
    os.waitpid(pid, 0)
usage = resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
print(f"cpu {usage:.2f}")
"""
    executed, status = run_bounded(tmp_path, "cpu_share", [busy])
    assert status["status"] == "ok", status
    text = "".join(o.get("text", "") for o in executed.cells[0].outputs)
    seconds = float(text.split("cpu ")[1])
    MEASURED["cpu_share"]["cpu_seconds_in_2s"] = seconds
    assert seconds < 2 * 1.3, f"three busy processes used {seconds:.2f} CPU seconds in 2 s under a 1-CPU quota"


@pytest.mark.parametrize("attack", ["memfd", "threads"])
def test_without_cgroups_the_watchdog_stops_the_same_attacks(tmp_path, monkeypatch, attack):
    """The fallback of a host without cgroups (a TA's laptop): the watchdog counts memfd files and threads."""
    monkeypatch.setattr(cgroups, "support", lambda: cgroups.Support("", {}, {c: "off in this test" for c in cgroups.CONTROLLERS}))
    if attack == "memfd":
        code = ("import os, time\nfds = []\nfor i in range(40):\n    fd = os.memfd_create('h')\n"
                "    for _ in range(64):\n        os.write(fd, b'x' * (1 << 20))\n    fds.append(fd)\n    time.sleep(0.05)\n")
        kind, phrase = "memory", "memory limit of 1024 MiB"
    else:
        code = ("import threading, time\nts = [threading.Thread(target=time.sleep, args=(20,), daemon=True) "
                "for _ in range(600)]\nfor t in ts:\n    t.start()\n    time.sleep(0.002)\n")
        kind, phrase = "processes", "more than 256 processes and threads"
    executed, status = run_bounded(tmp_path, f"watchdog_{attack}", [code, AFTER])
    _stopped(executed, status, kind, phrase)


def test_reasons_come_from_the_grader_not_from_the_kernel(tmp_path):
    """A kernel that prints the grader's phrases and raises exceptions named like the grader's gets no
    reason out of it: the TA's reasons are the executor's own readings."""
    forged = """
print("[dlcourse: output over 100000 bytes; the rest of this cell's output was dropped]")
print("cell(s) ran past the per-cell timeout: test_softmax")
CellTimeoutError = type("CellTimeoutError", (Exception,), {})
raise CellTimeoutError("No reply from kernel before timeout")
"""
    executed, status = run_bounded(tmp_path, "forged_reasons", [forged, "print('next')"])
    assert status["status"] == "ok" and status["timed_out"] == [] and status["capped"] == [], status
    assert diagnose(executed, executed, status) == []


# --------------------------------------------------------------------------- the budget, in process

def _message(msg_type: str, data: dict | None = None, display_id: str | None = None, text: str = "") -> dict:
    content = {"name": "stdout", "text": text} if msg_type == "stream" else {"data": data or {}, "metadata": {}}
    if display_id:
        content["transient"] = {"display_id": display_id}
    return {"msg_type": msg_type, "header": {"msg_type": msg_type}, "parent_header": {"msg_id": "m"},
            "content": content, "metadata": {}}


def _client(cells: int = 2, test_cell: int | None = None):
    nb = new_notebook(cells=[new_code_cell("") for _ in range(cells)])
    if test_cell is not None:
        nb.cells[test_cell].metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_x", "points": 1}
    ex = GuardedExecute(output_bytes=1000, notebook_output_bytes=20_000)
    from nbclient import NotebookClient

    NotebookClient.__init__(ex, nb)
    ex.reset_execution_trackers()
    ex._budget = OutputBudget(1000, 20_000, reports.MAX_BYTES)
    ex._output_stopped = False
    ex.stop_reason = None
    ex.timed_out = []
    ex.km = None
    ex.clear_before_next_output = False
    return ex, nb


def test_a_display_id_shown_many_times_is_charged_for_every_copy():
    ex, nb = _client()
    for _ in range(4):  # each display of the id also rewrites the earlier ones: 1 + 2 + 3 + 4 copies charged
        ex.process_message(_message("display_data", {"text/plain": "a"}, display_id="d"), nb.cells[0], 0)
    assert len(nb.cells[0].outputs) == 4
    # one update of 300 bytes rewrites 4 outputs: over 1200 bytes, past the 1000-byte cell budget
    ex.process_message(_message("update_display_data", {"text/plain": "b" * 300}, display_id="d"), nb.cells[1], 1)
    assert all(o.get("data", {}).get("text/plain") == "a" for o in nb.cells[0].outputs)
    assert "output over 1000 bytes" in nb.cells[1].outputs[-1]["text"]
    assert ex.status_details()["capped"] == ["cell 2"]


def test_widget_messages_are_charged_too():
    ex, nb = _client()
    big = {"msg_type": "comm_open", "header": {"msg_type": "comm_open"}, "parent_header": {"msg_id": "m"},
           "content": {"comm_id": "c", "target_name": "jupyter.widget", "data": {"state": {"v": "w" * 5000}}},
           "metadata": {}}
    ex.process_message(big, nb.cells[0], 0)
    assert not ex.widget_state, "a widget over the cell's budget was kept"


def test_the_report_budget_holds_in_test_cells_only():
    budget = OutputBudget(cell_bytes=1000, notebook_bytes=10_000_000, report_bytes=5_000_000)
    assert budget.admit(0, 2_000_000, report=True) == KEEP
    assert budget.admit(1, 2_000) == DROP
    ex, nb = _client(test_cell=1)
    report = _message("display_data", {reports.MIME: {"qualname": "q", "pad": "p" * 3000}})
    ex.process_message(report, nb.cells[0], 0)  # a solution cell: ordinary output, over 1000 bytes
    ex.process_message(report, nb.cells[1], 1)  # the test cell: the report budget
    assert nb.cells[0].outputs[-1]["output_type"] == "stream"
    assert reports.MIME in nb.cells[1].outputs[-1]["data"]
    assert OutputBudget(10, 100, 10).admit(0, 101) == STOP
