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
import asyncio
import contextvars
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
import zmq
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_event_loop
from nbclient.util import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Integer

from autograder.cohort import cgroups, footprint
from autograder.cohort.limits import Limits, timeout_error
from autograder.cohort.nbgrader_preprocessors import SKIPPED_TAG
from autograder.cohort.outputs import DROP, STOP, OutputBudget, content_bytes
from autograder.cohort.sandbox import PROCESSES, Sandbox, ipc_parent
from autograder.kernel import reports

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


def kill_tree(pid: int) -> None:
    """Kill ``pid`` and all its descendants (children first)."""
    for p in reversed(footprint.tree(pid)):
        try:
            p.kill()
        except psutil.Error:
            pass


MIB = 1024 * 1024
#: The largest message the grader accepts from a kernel: a report (the largest legitimate output) and
#: its envelope. A larger one is refused by ZeroMQ before it is read into memory, and stops the kernel.
MAX_MESSAGE_BYTES = reports.MAX_BYTES + 1_000_000
#: Run in every grading kernel at start-up: output goes out in bounded messages (autograder.kernel.streams).
BOUND_STREAMS = "import autograder.kernel.streams as _s; _s.bound_messages(); del _s"
#: What the kernel may leave in its connection folder besides its sockets.
IPC_FOLDER_BYTES = MIB
#: A tmpfs of the sandbox with less than this free counts as full.
FULL_MARGIN = 256 * 1024
_OUTPUT_MSGS = {"stream", "display_data", "execute_result", "error", "update_display_data", "clear_output",
                "comm_open", "comm_msg", "comm_close"}


class WrappedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command goes through ``wrap`` (cgroup, sandbox and rlimits), and
    whose client refuses messages over ``max_message_bytes`` (ZeroMQ drops the connection unread)."""

    wrap = None
    max_message_bytes = 0

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        return self.wrap(cmd) if self.wrap else cmd

    def client(self, **kwargs):
        kc = super().client(**kwargs)
        if self.max_message_bytes:
            kc.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)  # default for the channels' sockets
        return kc


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _cell_label(cell, index: int) -> str:
    gid = str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
    return gid if gid and gid.replace("_", "").replace("-", "").isalnum() and len(gid) <= 64 else f"cell {index + 1}"


class GuardedExecute(Execute):
    """nbgrader's ``Execute`` with the kernel's limits watched and its output budgeted.

    Every reason it records (``stop_reason``, ``timed_out``, ``capped``) is the grader's own
    observation (a cgroup's counters, a measurement, nbclient's timeout, the output budget), never
    text from the kernel.
    """

    output_bytes = Integer(1_000_000, help="bytes of output kept per cell").tag(config=True)
    notebook_output_bytes = Integer(64_000_000, help="bytes of output of the whole notebook").tag(config=True)
    memory_mib = Integer(4096, help="kernel memory limit (everything it holds, MiB)").tag(config=True)
    wall_s = Integer(600, help="wall-clock limit for the whole notebook (s)").tag(config=True)
    disk_mib = Integer(512, help="what the notebook may write into its folder (MiB)").tag(config=True)
    processes = Integer(PROCESSES, help="processes and threads the kernel may run").tag(config=True)
    wrap = None  # the kernel command -> the command that starts it (cgroup, sandbox, rlimits)
    ipc_dir = None  # a folder for Unix-socket connections (a sandboxed kernel has no network)
    cgroup = None  # the kernel's KernelCgroup, when the host offers one
    sandboxed = False  # the working copy, /tmp and /dev/shm are the sandbox's tmpfs mounts

    def create_kernel_manager(self):
        self.kernel_manager_class = WrappedKernelManager
        km = super().create_kernel_manager()
        km.wrap = self.wrap
        km.max_message_bytes = MAX_MESSAGE_BYTES
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

    # --- output -------------------------------------------------------------------------------------

    def _display_targets(self, display_id) -> int:
        return sum(len(v) for v in self._display_id_map.get(display_id, {}).values()) if display_id else 0

    def process_message(self, msg, cell, cell_index):
        """Charge every output message (display updates and widget messages included) to the budget."""
        msg_type = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        if msg_type in _OUTPUT_MSGS and not self._output_stopped:
            content = msg.get("content") or {}
            transient = content.get("transient") or {}
            updates = self._display_targets(transient.get("display_id")) \
                if msg_type in ("display_data", "execute_result", "update_display_data") else 0
            copies = updates + (0 if msg_type == "update_display_data" else 1)
            report = (msg_type in ("display_data", "execute_result") and _is_test_cell(cell)
                      and reports.MIME in (content.get("data") or {}))
            verdict = self._budget.admit(cell_index, content_bytes(content) * max(copies, 1), report=report)
            if verdict == STOP:
                self._stop("output", f"the notebook's output passed {self.notebook_output_bytes // 1_000_000} MB "
                                     "in total (display updates included); the kernel was stopped")
                self._output_stopped = True
                return None
            if verdict == DROP:
                if self._budget.first_drop(cell_index, report):
                    cap = reports.MAX_BYTES if report else self.output_bytes
                    what = "reports" if report else "output"
                    cell.outputs.append(NotebookNode(
                        output_type="stream", name="stderr",
                        text=f"[dlcourse: {what} over {cap} bytes; the rest of this cell's {what} was dropped]\n"))
                if msg_type != "clear_output":
                    return None
        elif msg_type in _OUTPUT_MSGS:
            return None
        return super().process_message(msg, cell, cell_index)

    # --- limits -------------------------------------------------------------------------------------

    async def _async_handle_timeout(self, timeout, cell=None):
        if cell is not None:
            index = next((i for i, c in enumerate(self.nb.cells) if c is cell), -1)
            self.timed_out.append(_cell_label(cell, index))
        return await super()._async_handle_timeout(timeout, cell)

    def _stop(self, kind: str, reason: str) -> None:
        """Record why (the first reason wins) and stop every process of the kernel."""
        if self.stop_reason is None:
            self.stop_reason = (kind, reason)
        if self.cgroup is not None:
            self.cgroup.kill_all()
        pid = self._kernel_pid()
        if pid:
            kill_tree(pid)

    def _limit_hit(self, started: float, check_disk: bool = True) -> tuple[str, str] | None:
        """The first limit the kernel is past, as ``(kind, reason)``, from the grader's own readings."""
        if time.monotonic() - started > self.wall_s:
            return "wall_clock", f"the notebook ran past the wall-clock limit of {self.wall_s} s"
        if self._oversize():
            return "output", (f"the kernel sent a message of more than {MAX_MESSAGE_BYTES // 1_000_000} MB "
                              "(refused unread); the kernel was stopped")
        cg = self.cgroup
        seen = cg.observe() if cg is not None else None
        if seen is not None and seen.oom_kills:
            return "memory", (f"the kernel used more than the memory limit of {self.memory_mib} MiB (resident, "
                              "shared memory, tmpfs and open files together: the memory cgroup's OOM killer stopped it)")
        if seen is not None and seen.refused_forks:
            return "processes", (f"the kernel tried to run more than {self.processes} processes and threads "
                                 "(the pids cgroup refused it)")
        procs = footprint.tree(self._kernel_pid())
        mounts = {}
        inner = footprint.sandbox_root(procs) if self.sandboxed else None
        if inner is not None:
            for name, path in (("working copy", self._workdir), ("/tmp", "/tmp"), ("/dev/shm", "/dev/shm")):
                usage = footprint.mount_usage(inner / str(path).lstrip("/"))
                if usage is not None:
                    mounts[name] = usage
        ipc = footprint.folder_bytes(Path(self.ipc_dir)) if self.ipc_dir else 0
        if ipc > IPC_FOLDER_BYTES:
            return "disk", (f"the kernel wrote {ipc / MIB:.1f} MiB of files into its connection folder, where only "
                            "its sockets belong")
        for name, (used, size, _dev) in mounts.items():
            if size and size - used < FULL_MARGIN:
                if name == "working copy":
                    return "disk", f"the notebook filled its working copy: the disk quota of {self.disk_mib} MiB"
                return "disk", f"the kernel filled its {name} ({size // MIB} MiB)"
        hidden = footprint.hidden_files(procs, {dev for _, _, dev in mounts.values()})
        on_disk = 0
        if not self.sandboxed and check_disk:
            folder_dev = footprint.device_of(self._workdir)
            on_disk = footprint.folder_bytes(self._workdir) + hidden.pop(folder_dev, 0)
            if on_disk > self.disk_mib * MIB:
                return "disk", (f"the notebook wrote more than the disk quota of {self.disk_mib} MiB "
                                "(files in its folder and deleted files it kept open)")
        if cg is None or "memory" not in cg.dirs:
            held = footprint.resident(procs) + sum(hidden.values()) + sum(u for u, _, _ in mounts.values()) + ipc
            if held > self.memory_mib * MIB:
                return "memory", (f"the kernel used more than the memory limit of {self.memory_mib} MiB (resident, "
                                  "tmpfs, memfd and deleted open files together)")
        if cg is None or "pids" not in cg.dirs:
            if footprint.tasks(procs) > self.processes:
                return "processes", f"the kernel ran more than {self.processes} processes and threads"
        return None

    def _watch(self, started: float) -> None:
        """Stop the kernel at the first limit it passes."""
        ticks = 0
        while not self._done.wait(0.2):
            ticks += 1
            hit = self._limit_hit(started, check_disk=self.sandboxed or ticks % 5 == 0)
            if hit:
                self._stop(*hit)
                return

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._budget = OutputBudget(self.output_bytes, self.notebook_output_bytes, reports.MAX_BYTES)
        self._output_stopped = False
        self._done = threading.Event()
        self._workdir = Path(self.resources.get("metadata", {}).get("path") or ".").resolve()
        self.stop_reason: tuple[str, str] | None = None
        self.timed_out: list[str] = []
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
                        self._explain(started, ("kernel_died", "the kernel died (os._exit, a crash, or killed)"))
                        kind, reason = self.stop_reason
                        mark_not_run(self.nb, index, "KernelDied" if kind == "kernel_died" else "LimitExceeded", reason)
                        break
                    except CellTimeoutError:
                        # the cell ignored the interrupt (unless a limit explains it): stop the kernel,
                        # keep what ran before
                        self._explain(started, ("timeout", f"a cell ran past the per-cell timeout of {self.timeout} s "
                                                           "and ignored the interrupt; the kernel was stopped"))
                        self._stop(*self.stop_reason)
                        kind, reason = self.stop_reason
                        mark_not_run(self.nb, index, "LimitExceeded", reason)
                        break
                    hit = self.stop_reason or self._limit_hit(started)  # a limit reached by the cell's end
                    if hit:
                        self._stop(*hit)
                        mark_not_run(self.nb, index + 1, "LimitExceeded", self.stop_reason[1])
                        break
        finally:
            self._done.set()
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _explain(self, started: float, default: tuple[str, str]) -> None:
        """After the kernel died or stopped answering: the grader's reading of why, else ``default``."""
        if self.stop_reason is None:
            self.stop_reason = self._limit_hit(started)
        if self.stop_reason is None:
            self.stop_reason = default

    # --- messages over MAX_MESSAGE_BYTES ------------------------------------------------------------
    # ZeroMQ drops the connection of a peer whose message passes ZMQ_MAXMSGSIZE, unread, and reconnects.
    # A monitor on the iopub and shell sockets sees the drop; with the kernel still alive, that is a
    # refused message (a kernel that died closes its connections too, and is explained otherwise).

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        self._monitors = []
        self._monitor_lock = threading.Lock()
        self._refused = False
        ctx = zmq.Context.shadow(kc.context.underlying)
        for channel in (kc.iopub_channel, kc.shell_channel):
            sock = getattr(channel, "socket", None)
            if sock is None:
                continue
            addr = f"inproc://dlcourse-monitor-{id(self)}-{id(sock)}"
            sock.monitor(addr, zmq.EVENT_DISCONNECTED)
            pair = ctx.socket(zmq.PAIR)
            pair.linger = 0
            pair.connect(addr)
            self._monitors.append((sock, pair))
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    async def _async_cleanup_kernel(self):
        self._close_monitors()
        await super()._async_cleanup_kernel()

    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def _close_monitors(self) -> None:
        with getattr(self, "_monitor_lock", threading.Lock()):
            for sock, pair in getattr(self, "_monitors", []):
                try:
                    sock.disable_monitor()
                except zmq.ZMQError:
                    pass
                pair.close(linger=0)
            self._monitors = []

    def _oversize(self) -> bool:
        """True once a connection to the live kernel was dropped (a message over the size limit)."""
        if getattr(self, "_refused", False):
            return True
        lock = getattr(self, "_monitor_lock", None)
        if lock is None:
            return False
        with lock:
            dropped = False
            for _sock, pair in self._monitors:
                while pair.poll(0):
                    try:
                        pair.recv_multipart(zmq.NOBLOCK)
                        dropped = True
                    except zmq.ZMQError:
                        break
        if dropped and any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                           for p in footprint.tree(self._kernel_pid())[-1:]):
            self._refused = True
        return self._refused

    def status_details(self) -> dict:
        """What the grader saw besides the stop reason: cells past their timeout, cells whose output was capped."""
        labels = [_cell_label(self.nb.cells[i], i) for i in self._budget.capped_cells() if i < len(self.nb.cells)]
        return {"timed_out": list(self.timed_out), "capped": labels,
                "output_bytes": self._budget.total}


def in_own_event_loop(fn, *args):
    """``fn(*args)`` in a fresh ``contextvars`` context with an event loop of its own, closed afterwards.

    nbclient's and jupyter_client's blocking calls run on the loop that jupyter_core keeps in a
    ``ContextVar``. Dask runs each task in a copy of the context of whoever submitted it, so every task
    thread of an in-process worker inherited the driver's main-thread loop (set by any notebook the
    driver had run before): two notebooks graded at once ran on one loop, and the second kernel
    "failed to start: This event loop is already running". An empty context gives each execution its
    own loop, and closing it afterwards frees its file descriptors.
    """
    context = contextvars.Context()
    loop = context.run(ensure_event_loop)
    try:
        return context.run(fn, *args)
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def execute_notebook(notebook: Path, limits: Limits, kernel_name: str = "python3",
                     env: dict | None = None, sandbox: Sandbox | None = None) -> tuple[NotebookNode, dict, int]:
    """Execute ``notebook`` in its folder; ``(executed notebook, status, exit code)``.

    ``env`` is the kernel's environment (default: this process's), filtered by ``sandbox`` when one
    is given; the kernel then starts inside it, in a tmpfs copy of the notebook's folder (its only
    writable place besides its private ``/tmp`` and ``/dev/shm``). Where the host offers cgroups the
    kernel runs in one of its own (:mod:`autograder.cohort.cgroups`), removed afterwards with every
    process left in it. The exit code is :data:`START_FAILED_EXIT` when the kernel never started, else 0.
    ``status`` holds ``status``, ``reason``, ``seconds``, and the grader's own readings: ``timed_out``
    (cells interrupted at their timeout), ``capped`` (cells whose output was cut), ``output_bytes``.
    """
    started = time.monotonic()
    env = dict(os.environ if env is None else env)
    use_gpu = bool(env.get("DLCOURSE_GRADING_GPU"))
    nb = nbformat.read(notebook, as_version=nbformat.NO_CONVERT)
    ex = GuardedExecute(timeout=limits.cell_timeout_s, error_on_timeout=timeout_error(limits.cell_timeout_s),
                        startup_timeout=limits.startup_s,
                        skip_cells_with_tag=SKIPPED_TAG, kernel_name=kernel_name, output_bytes=limits.output_bytes,
                        notebook_output_bytes=limits.notebook_output_bytes, processes=limits.tasks,
                        memory_mib=limits.memory_mib, wall_s=limits.wall_s, disk_mib=limits.disk_mib)
    ipc_dir = None
    wrap = None
    if sandbox is not None:
        workdir = notebook.parent.resolve()
        ipc_dir = Path(tempfile.mkdtemp(prefix="dlcourse-ipc-", dir=ipc_parent())) if sandbox.active else None
        wrap = lambda cmd: sandbox.command(cmd, workdir, ipc_dir, limits, use_gpu)  # noqa: E731
        ex.ipc_dir = ipc_dir
        ex.sandboxed = sandbox.active
        env = sandbox.environment(env)
    cgroup = cgroups.for_kernel(limits.memory_mib, limits.tasks, limits.cpus)
    if cgroup is not None:
        inner = wrap
        wrap = (lambda cmd: cgroup.wrap(inner(cmd))) if inner else cgroup.wrap
        ex.cgroup = cgroup
    ex.wrap = wrap
    # At start-up the kernel bounds its output messages (autograder.kernel.streams) and, on a GPU,
    # switches Torch to deterministic kernels (autograder.kernel.torch_grading).
    lines = [BOUND_STREAMS]
    if use_gpu:
        lines.append("import autograder.kernel.torch_grading as _g; _g.grading_defaults(); del _g")
    ex.extra_arguments = list(ex.extra_arguments) + [
        "--IPKernelApp.exec_lines=[" + ", ".join(f'"{line}"' for line in lines) + "]"]
    ex.kernel_env = env
    resources = {"metadata": {"path": str(notebook.parent)}}
    status = {"status": "ok", "reason": ""}
    code = 0
    try:
        in_own_event_loop(ex.preprocess, nb, resources)
        if ex.stop_reason:
            status = {"status": ex.stop_reason[0], "reason": ex.stop_reason[1]}
    except Exception as exc:  # noqa: BLE001 - anything before the first cell is a start failure
        if ex.kernel_started:
            kind, reason = ex.stop_reason or ("kernel_died", f"the kernel stopped answering ({type(exc).__name__})")
            mark_not_run(nb, 0, "KernelDied", reason)
            status = {"status": kind, "reason": reason}
        else:
            kind, reason = ex.stop_reason or (
                "start_failed", f"the kernel failed to start: {type(exc).__name__}: {str(exc)[:200]}")
            status = {"status": kind, "reason": reason}
            code = START_FAILED_EXIT if kind == "start_failed" else 0
            mark_not_run(nb, 0, "KernelNotStarted", reason)
    finally:
        if cgroup is not None:
            cgroup.close()  # every process still in it is killed first
        if ipc_dir:
            shutil.rmtree(ipc_dir, ignore_errors=True)
    if hasattr(ex, "_budget"):
        status.update(ex.status_details())
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
