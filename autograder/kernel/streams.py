"""A grading kernel's stdout and stderr send bounded messages (``dlcourse grade`` only).

ipykernel gathers what a cell prints and sends it every 0.2 s. A cell that prints fast (a loss printed
at every step of a tight loop) can gather tens of MB in that time, more than the largest message the
grader reads (``autograder.cohort.execute.MAX_MESSAGE_BYTES``): the grader then stops the kernel and the
notebook's later cells are lost, where a slower machine would only have capped the cell's output.
:func:`bound_messages` makes each stream send what it holds as soon as that reaches ``limit``
characters, so every message stays far below that size and the cell's output budget applies.
Run in the kernel at start-up (``--IPKernelApp.exec_lines``); a student's code can undo it, which only
brings back the kernel stop.
"""
from __future__ import annotations

import sys

#: Characters held before a stream sends at once (at most 4 bytes each in UTF-8: about 4 MB a message).
LIMIT_CHARS = 1_000_000


def bound_messages(limit: int = LIMIT_CHARS) -> None:
    """Bound the messages of ``sys.stdout`` and ``sys.stderr`` of an ipykernel kernel (nothing elsewhere)."""
    try:
        from ipykernel.iostream import OutStream
    except ImportError:
        return
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, OutStream) and not getattr(stream, "_dlcourse_bounded", False):
            _bound(stream, limit)


def _bound(stream, limit: int) -> None:
    """After each write, ipykernel's ``OutStream.write`` asks the instance to schedule a send: past
    ``limit`` characters held, send now instead (IPython's history tee holds the original ``write``,
    so that method cannot be wrapped). Reads ipykernel 7.4's buffers (pinned)."""
    schedule = stream._schedule_flush

    def send_when_large():
        with stream._buffer_lock:
            held = sum(buffer.tell() for buffer in stream._buffers.values())
        if held >= limit:
            stream.flush()  # the IO thread sends the buffers now; this waits for it
        else:
            schedule()

    stream._schedule_flush = send_when_large
    stream._dlcourse_bounded = True
