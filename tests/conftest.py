import os

os.environ.setdefault("MPLBACKEND", "Agg")

# nbgrader's Gradebook shells out to `alembic` when it creates a database: the venv's bin comes first, as
# `autograder.course.nbgrader` does for nbgrader's commands, so tests that fill a gradebook in-process work
# whether or not the venv is activated.
import sys  # noqa: E402

os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
