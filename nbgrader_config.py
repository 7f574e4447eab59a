"""nbgrader configuration of the Deep Learning course (plain `nbgrader ...` commands read it from the repo root)."""
import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)
_here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "deep-learning"
c.CourseDirectory.root = _here

# Every student notebook starts with the course header.
c.IncludeHeaderFooter.header = os.path.join(_here, "source", "header.ipynb")

# The stub students see in place of each solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Per-cell execution limit while validating and autograding (seconds). A solution cell that loops
# forever is interrupted after this long; the rest of the notebook still runs.
c.Execute.timeout = 60
c.Execute.kernel_name = "python3"
