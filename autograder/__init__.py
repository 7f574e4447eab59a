"""Grading side of the course (never shipped to students).

Hidden test cells call :func:`autograder.check`; TAs use the ``dlcourse`` command line.
"""
from autograder.harness import check

__all__ = ["check"]
