"""How errors look in a student's notebook: the message that helps, not a traceback through labkit.

* :class:`CheckFailed` is what a visible check raises (an ``AssertionError``, so the cell errors and
  ``nbgrader validate`` fails). IPython shows it as one line, ``CheckFailed: sigmoid(0) should be 0.5,
  got 0.25``, through its ``_render_traceback_`` hook: no frames of ``labkit/checks.py``, no paths.
* :func:`install` (run when a notebook imports ``labkit``) makes a bare ``raise NotImplementedError()``
  in a notebook cell, nbgrader's stub, name the function that is still to be written when
  "Run all" reaches it: ``NotImplementedError: linear_neuron is not written yet: ...``. Any other
  ``NotImplementedError`` (one with a message, one raised inside a library) keeps IPython's usual
  traceback. The stub itself, what nbgrader writes into the released notebook, is unchanged.
"""
from __future__ import annotations

import sys

_RED, _RESET = "\x1b[0;31m", "\x1b[0m"


class CheckFailed(AssertionError):
    """A visible check that failed; its message says what is wrong and is all the student sees."""

    def _render_traceback_(self) -> list[str]:
        return [f"{_RED}{type(self).__name__}{_RESET}: {self}"]


def stub_message(function: str | None) -> str:
    """What a student reads when a stub is reached; ``function`` is e.g. ``"adam"`` or ``"VAE.__init__"``."""
    if function is None:
        return ("this cell is not written yet: write your code under `# YOUR CODE HERE`, delete the line "
                "`raise NotImplementedError()` and run the cell again.")
    return (f"`{function}` is not written yet: in the cell that defines it, write your code under "
            f"`# YOUR CODE HERE` and delete the line `raise NotImplementedError()`; run that cell, then this one again.")


def _stub_function(shell, value: BaseException, tb) -> tuple[bool, str | None]:
    """``(is a stub, name of the function holding it or None at a cell's top level)``.

    A stub is a ``NotImplementedError`` without a message whose innermost frame is code of a
    notebook cell (a file name IPython's compiler gave to a cell it ran).
    """
    if type(value) is not NotImplementedError or value.args or tb is None:
        return False, None
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    cells = getattr(getattr(shell, "compile", None), "_filename_map", {})
    if code.co_filename not in cells:
        return False, None
    name = getattr(code, "co_qualname", code.co_name)
    return True, (None if name == "<module>" else name)


def _handler(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler for ``NotImplementedError`` (``set_custom_exc``): shows it."""
    is_stub, function = _stub_function(shell, value, tb)
    if not is_stub:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    shell._showtraceback(etype, value, [f"{_RED}NotImplementedError{_RESET}: {stub_message(function)}"])
    return None


def install() -> bool:
    """Register the stub display in the running IPython kernel, if any; returns whether it did.

    Leaves a custom handler that someone else registered in place.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    current = getattr(shell, "custom_exceptions", ())
    if current and current != (NotImplementedError,):
        return False
    shell.set_custom_exc((NotImplementedError,), _handler)
    return True
