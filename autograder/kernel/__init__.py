"""The kernel side of grading: the only part of the grader that a sandboxed student kernel can read.

The sandbox (:mod:`autograder.cohort.sandbox`) binds this folder, and ``autograder/__init__.py`` with
its :func:`autograder.check`, into the kernel as a whole. Nothing here decides a score:

* :mod:`~autograder.kernel.runners` -- how each lab's graded functions are called on a case (an
  optimiser driven for several steps, a model trained and its held-out outputs taken), and the
  run's cases file, which the grading process writes as data;
* :mod:`~autograder.kernel.harness` -- runs the student's function on those cases and reports;
* :mod:`~autograder.kernel.reports` -- the report codec (JSON, arrays as ``.npy``, never pickle);
* :mod:`~autograder.kernel.guards` -- prints and warnings swallowed, forbidden modules watched;
* :mod:`~autograder.kernel.torch_grading` -- grading device, TF32 off, deterministic algorithms.

No module here imports ``autograder.grading``, ``autograder.cohort``, ``autograder.viva``,
``autograder.course``, ``autograder.cli`` or ``solutions`` (the import contract in ``pyproject.toml``).
"""
