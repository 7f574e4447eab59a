"""The grader side of a hidden test: everything that decides a score, run outside the student's kernel.

* :mod:`~autograder.grading.cases` -- one module per lab: how each graded function's hidden cases are
  drawn (the :class:`~autograder.grading.cases.Spec` registry) and judged;
* :mod:`~autograder.grading.seeding`, :mod:`~autograder.grading.salt` -- the run seed and the course salt;
* :mod:`~autograder.grading.compare` -- the tolerance policy (one place);
* :mod:`~autograder.grading.judging` -- the reference's output, the verdict of one case, the points;
* :mod:`~autograder.grading.trained_models` -- score tiers and time budgets of trained models;
* :mod:`~autograder.grading.scoring` -- ``dlcourse grade``: a kernel's report scored on the worker;
* :mod:`~autograder.grading.in_kernel` -- plain ``nbgrader autograde``: the same judging, in the kernel.

This side may import the kernel side (the reference is run through the same runners as the student's
function); the kernel side never imports this one.
"""
