import os

from autograder.course import skip_slow_imports

skip_slow_imports()  # 1.1 s per test worker (see autograder.course.SKIP_SLOW_IMPORTS)

os.environ.setdefault("MPLBACKEND", "Agg")

# nbgrader's Gradebook shells out to `alembic` when it creates a database: the venv's bin comes first, as
# `autograder.course.nbgrader` does for nbgrader's commands, so tests that fill a gradebook in-process work
# whether or not the venv is activated.
import sys  # noqa: E402

os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
