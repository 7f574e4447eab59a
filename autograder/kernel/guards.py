"""What surrounds a call into student code while it is graded.

* :func:`quiet` swallows the student's prints and warnings: nbgrader zeroes a test cell that writes
  to stderr, and a NumPy overflow warning is not a wrong answer.
* :class:`ModuleWatch` records calls into forbidden packages (autodiff libraries in the backprop lab),
  both from the function's own code (names it refers to) and at run time (a profile hook that sees
  every Python and C call made while the function runs).
"""
from __future__ import annotations

import contextlib
import io
import sys
import threading
import types
import warnings
from typing import Callable, Iterator


#: Held while this process's sys.stdout is swapped (quiet(), the nbgrader converters of cohort.pipeline):
#: one swap at a time, nested ones in one thread.
STDOUT_LOCK = threading.RLock()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Redirect stdout/stderr and record warnings for the duration of the block.

    Both are process-wide: two threads whose blocks overlapped would restore each other's sink, and the
    process's stdout would stay a ``StringIO`` (a grading run's final table vanished that way when the
    driver drew a lab's expected outputs while a worker thread judged). One block at a time, then."""
    sink = io.StringIO()
    with STDOUT_LOCK, warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield


def _module_of(obj) -> str:
    module = getattr(obj, "__module__", None)
    if isinstance(module, str):
        return module
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, types.ModuleType):
        return owner.__name__
    return type(owner).__module__ if owner is not None else ""


def _matches(name: str, prefixes: tuple) -> str | None:
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def referenced_modules(fn: Callable, prefixes: tuple) -> set:
    """Forbidden packages that ``fn``'s code (and nested code) names through its globals."""
    found: set = set()
    glb = getattr(fn, "__globals__", {})
    codes = [getattr(fn, "__code__", None)]
    if isinstance(fn, type):  # a class: look at its methods
        codes = [getattr(m, "__code__", None) for m in vars(fn).values()]
        glb = getattr(next((m for m in vars(fn).values() if hasattr(m, "__globals__")), None), "__globals__", {})
    seen = set()
    while codes:
        code = codes.pop()
        if code is None or id(code) in seen:
            continue
        seen.add(id(code))
        for name in code.co_names:
            value = glb.get(name)
            mod = value.__name__ if isinstance(value, types.ModuleType) else _module_of(value) if value is not None else ""
            hit = _matches(mod, prefixes)
            if hit:
                found.add(hit)
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return found


class ModuleWatch:
    """Context manager: ``.used`` holds the forbidden packages called while the block ran."""

    def __init__(self, prefixes: tuple):
        self.prefixes = tuple(prefixes)
        self.used: set = set()
        self._previous = None

    def _profile(self, frame, event, arg):
        if event == "call":
            hit = _matches(frame.f_globals.get("__name__", ""), self.prefixes)
        elif event == "c_call":
            hit = _matches(_module_of(arg), self.prefixes)
        else:
            return
        if hit:
            self.used.add(hit)

    def __enter__(self):
        if self.prefixes:
            self._previous = sys.getprofile()
            sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc):
        if self.prefixes:
            sys.setprofile(self._previous)
        return False
