"""Execute one sanitised notebook in its own kernel, with limits (on a Dask worker, or by hand).

    python -m autograder.cohort.execute NOTEBOOK.ipynb OUT.ipynb STATUS.json --limits '{...}'

The notebook runs in its own folder (as nbgrader runs it), through nbgrader's ``Execute``
preprocessor (per-cell timeout, interrupt on timeout, errors recorded and the next cell run), with
what nbgrader lacks added:

* a kernel that dies (``os._exit``, a segfault, killed for memory or for the wall-clock limit) no
  longer aborts the notebook: the cell it died in and every later code cell get an error output that
  says why, so nbgrader's grade-saving step scores what ran before and gives 0 to the rest;
* a memory watchdog on the kernel's process tree (resident memory; works with CUDA, unlike rlimits);
* a wall-clock limit for the whole notebook, kernel start included;
* an output cap per cell (a cell that prints without end keeps its first ``output_bytes``);
* a disk quota on the working copy (the kernel is killed when it has written ``disk_mib``);
* the kernel started inside :mod:`autograder.cohort.sandbox` (bubblewrap and rlimits) when one is given.

The kernel is a process of its own; the student's code never runs in the worker. From the command
line: exit status 0 executed (whatever the student's code did), 3 the kernel failed to start (the
caller may retry: that is infrastructure, not the student), 2 bad input. ``STATUS.json`` holds
``{"status", "reason", "seconds"}``; status is ``ok``, ``kernel_died``, ``memory``, ``wall_clock``,
``disk``, ``processes``, ``timeout`` (a cell that ignored the interrupt) or ``start_failed``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

from autograder.kernel import reports
from autograder.cohort.limits import Limits
from autograder.cohort.nbgrader_preprocessors import EXPERIMENT_TAG
from autograder.cohort.sandbox import PROCESSES, Sandbox

START_FAILED_EXIT = 3


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An nbformat error output; nbgrader scores a test cell holding one as 0."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def mark_not_run(nb: NotebookNode, start: int, ename: str, reason: str) -> int:
    """Give every code cell from index ``start`` on an error output naming ``reason``; return how many."""
    n = 0
    for cell in nb.cells[start:]:
        if cell.cell_type == "code":
            cell.outputs.append(error_output(ename, reason))
            n += 1
    return n


def _tree_usage(pid: int) -> tuple[int, int]:
    """``(resident bytes, number of processes)`` of ``pid`` and all its descendants."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0, 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total, len(procs)


def kill_tree(pid: int) -> None:
    """Kill ``pid`` and all its descendants (children first)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = proc.children(recursive=True) + [proc]
    except psutil.Error:
        return
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass


def _tree_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


class WrappedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command goes through ``wrap`` (the sandbox and rlimits)."""

    wrap = None

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        return self.wrap(cmd) if self.wrap else cmd


class GuardedExecute(Execute):
    """nbgrader's ``Execute`` with an output cap, a memory watchdog, a wall clock, and dead-kernel marking."""

    output_bytes = Integer(1_000_000, help="bytes of output kept per cell").tag(config=True)
    memory_mib = Integer(4096, help="kernel memory limit (resident, MiB)").tag(config=True)
    wall_s = Integer(600, help="wall-clock limit for the whole notebook (s)").tag(config=True)
    disk_mib = Integer(512, help="what the notebook may write into its folder (MiB)").tag(config=True)
    processes = Integer(PROCESSES, help="processes the kernel's tree may hold").tag(config=True)
    wrap = None  # the kernel command -> the command that starts it (sandbox, rlimits)
    ipc_dir = None  # a folder for Unix-socket connections (a sandboxed kernel has no network)

    def create_kernel_manager(self):
        self.kernel_manager_class = WrappedKernelManager
        km = super().create_kernel_manager()
        km.wrap = self.wrap
        if self.ipc_dir:
            # Interrupt (cell timeout) over the control channel: a signal from here would reach
            # bubblewrap, not the kernel inside its PID namespace.
            km.kernel_spec.interrupt_mode = "message"
            km.transport = "ipc"
            km.ip = str(Path(self.ipc_dir) / "k")
            km.connection_file = str(Path(self.ipc_dir) / "kernel.json")
        return km

    def _kernel_pid(self) -> int | None:
        prov = getattr(self.km, "provisioner", None)
        proc = getattr(prov, "process", None)
        return getattr(proc, "pid", None)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(json.dumps(content, default=str))
        # A grader's report (outputs on the hidden cases) has its own, larger cap per cell: a trained
        # model's held-out outputs can be a few MB, and dropping them would zero the cell.
        is_report = reports.MIME in (content.get("data") or {})
        key, cap = ((cell_index, "report"), reports.MAX_BYTES) if is_report else (cell_index, self.output_bytes)
        used = self._output_used.get(key, 0)
        self._output_used[key] = used + size
        if used + size > cap:
            if key not in self._output_capped:
                self._output_capped.add(key)
                what = "reports" if is_report else "output"
                outs.append(NotebookNode(output_type="stream", name="stderr",
                                         text=f"[dlcourse: {what} over {cap} bytes; the rest of this cell's {what} was dropped]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _watch(self, started: float) -> None:
        """Kill the kernel when it passes the memory limit or the notebook passes the wall clock."""
        limit = self.memory_mib * 1024 * 1024
        disk = self.disk_mib * 1024 * 1024
        folder = Path(self.resources.get("metadata", {}).get("path") or ".")
        ticks = 0
        while not self._done.wait(0.2):
            ticks += 1
            pid = self._kernel_pid()
            rss, count = _tree_usage(pid) if pid else (0, 0)
            if time.monotonic() - started > self.wall_s:
                self.stop_reason = ("wall_clock", f"the notebook ran past the wall-clock limit of {self.wall_s} s")
            elif rss > limit:
                self.stop_reason = ("memory", f"the kernel used more than the memory limit of {self.memory_mib} MiB")
            elif count > self.processes:
                # RLIMIT_NPROC does not bind a kernel whose user maps to root (a grader run as root)
                self.stop_reason = ("processes", f"the kernel started more than {self.processes} processes")
            elif ticks % 5 == 0 and _tree_bytes(folder) > disk:
                self.stop_reason = ("disk", f"the notebook wrote more than the disk quota of {self.disk_mib} MiB")
            else:
                continue
            if pid:
                kill_tree(pid)
            return

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._output_used: dict = {}
        self._output_capped: set = set()
        self._done = threading.Event()
        self.stop_reason: tuple[str, str] | None = None
        self.kernel_started = False
        started = time.monotonic()
        watchdog = threading.Thread(target=self._watch, args=(started,), daemon=True)
        watchdog.start()
        try:
            with self.setup_kernel(env=getattr(self, "kernel_env", None) or dict(os.environ)):
                self.kernel_started = True
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                for index, cell in enumerate(self.nb.cells):
                    try:
                        self.preprocess_cell(cell, resources, index)
                    except DeadKernelError:
                        kind, reason = self.stop_reason or ("kernel_died", "the kernel died (os._exit, a crash, or killed)")
                        self.stop_reason = (kind, reason)
                        mark_not_run(self.nb, index, "KernelDied" if kind == "kernel_died" else "LimitExceeded", reason)
                        break
                    except CellTimeoutError:
                        # the cell ignored the interrupt: stop the kernel, keep what ran before
                        self.stop_reason = ("timeout", f"a cell ran past the per-cell timeout of {self.timeout} s "
                                                       "and ignored the interrupt; the kernel was stopped")
                        pid = self._kernel_pid()
                        if pid:
                            kill_tree(pid)
                        mark_not_run(self.nb, index, "LimitExceeded", self.stop_reason[1])
                        break
        finally:
            self._done.set()
        self.set_widgets_metadata()
        return self.nb, self.resources


def execute_notebook(notebook: Path, limits: Limits, kernel_name: str = "python3",
                     env: dict | None = None, sandbox: Sandbox | None = None) -> tuple[NotebookNode, dict, int]:
    """Execute ``notebook`` in its folder; ``(executed notebook, status, exit code)``.

    ``env`` is the kernel's environment (default: this process's), filtered by ``sandbox`` when one
    is given; the kernel then starts inside it, with the notebook's folder as its only writable
    place. The exit code is :data:`START_FAILED_EXIT` when the kernel never started, else 0.
    """
    started = time.monotonic()
    env = dict(os.environ if env is None else env)
    use_gpu = bool(env.get("DLCOURSE_GRADING_GPU"))
    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    ex = GuardedExecute(timeout=limits.cell_timeout_s, startup_timeout=limits.startup_s,
                        skip_cells_with_tag=EXPERIMENT_TAG, kernel_name=kernel_name, output_bytes=limits.output_bytes,
                        memory_mib=limits.memory_mib, wall_s=limits.wall_s, disk_mib=limits.disk_mib)
    ipc_dir = None
    if sandbox is not None:
        workdir = notebook.parent.resolve()
        ipc_dir = Path(tempfile.mkdtemp(prefix="dlcourse-ipc-")) if sandbox.active else None
        ex.wrap = lambda cmd: sandbox.command(cmd, workdir, ipc_dir, limits, use_gpu)
        ex.ipc_dir = ipc_dir
        env = sandbox.environment(env)
    if use_gpu:
        ex.extra_arguments = list(ex.extra_arguments) + [
            '--IPKernelApp.exec_lines=["import autograder.kernel.torch_grading as _g; _g.grading_defaults(); del _g"]']
    ex.kernel_env = env
    resources = {"metadata": {"path": str(notebook.parent)}}
    status = {"status": "ok", "reason": ""}
    code = 0
    try:
        ex.preprocess(nb, resources)
        if ex.stop_reason:
            status = {"status": ex.stop_reason[0], "reason": ex.stop_reason[1]}
    except Exception as exc:  # noqa: BLE001 - anything before the first cell is a start failure
        if ex.kernel_started:
            kind, reason = ex.stop_reason or ("kernel_died", f"the kernel stopped answering: {exc}")
            mark_not_run(nb, 0, "KernelDied", reason)
            status = {"status": kind, "reason": reason}
        else:
            kind, reason = ex.stop_reason or ("start_failed", f"the kernel failed to start: {type(exc).__name__}: {exc}")
            status = {"status": kind, "reason": reason}
            code = START_FAILED_EXIT if kind == "start_failed" else 0
            mark_not_run(nb, 0, "KernelNotStarted", reason)
    finally:
        if ipc_dir:
            shutil.rmtree(ipc_dir, ignore_errors=True)
    status["seconds"] = round(time.monotonic() - started, 3)
    return nb, status, code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("status", type=Path)
    parser.add_argument("--limits", default="{}", help="JSON of autograder.cohort.limits.Limits fields")
    parser.add_argument("--kernel-name", default="python3")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        print(f"no notebook at {args.notebook}", file=sys.stderr)
        return 2
    env = dict(os.environ, NBGRADER_EXECUTION="autograde")
    nb, status, code = execute_notebook(args.notebook, Limits(**json.loads(args.limits)), args.kernel_name, env)
    nbformat.write(nb, args.out)
    args.status.write_text(json.dumps(status))
    return code


if __name__ == "__main__":
    sys.exit(main())
