"""The course salt of the fixed hidden cases (plain ``nbgrader autograde``).

Kept in a module of its own so that the grading sandbox can leave it out: a kernel run by
``dlcourse grade`` draws its cases from a fresh run seed and never needs the salt.
"""
import os

_DEFAULT_SALT = "dl-course:hidden-cases:7f3c9a51e2"


def course_salt() -> str:
    """``DLCOURSE_GRADING_SALT`` when set (a new term's inputs), else the default."""
    return os.environ.get("DLCOURSE_GRADING_SALT", _DEFAULT_SALT)
