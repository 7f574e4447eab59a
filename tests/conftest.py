import os

from autograder.course import skip_slow_imports

skip_slow_imports()  # 1.1 s per test worker (see autograder.course.SKIP_SLOW_IMPORTS)

os.environ.setdefault("MPLBACKEND", "Agg")

# nbgrader's Gradebook shells out to `alembic` when it creates a database: the venv's bin comes first, as
# `autograder.course.nbgrader` does for nbgrader's commands, so tests that fill a gradebook in-process work
# whether or not the venv is activated.
import sys  # noqa: E402

os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])


# The slowest modules first (measured with --durations; minutes each): pytest-xdist hands tests to its
# workers in collection order, so a long test collected last keeps one worker busy after the other has
# finished. Modules stay whole (their module-scoped fixtures are built once).
SLOW_FIRST = [
    "tests/notebooks/test_autograde.py",
    "tests/cohort/test_attacks.py",
    "tests/cohort/test_grade_cluster.py",
    "tests/cohort/test_outside_attacks.py",
    "tests/autograder/test_one_score.py",
    "tests/autograder/test_variants_numpy_labs.py",
    "tests/cohort/test_resume.py",
    "tests/cohort/test_late_grading.py",
]


def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: collection order within a module and among the rest
