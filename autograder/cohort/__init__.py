"""Grading a cohort in bulk: the TA's ``dlcourse roster|collect|grade|report|feedback`` commands.

Built on nbgrader's own machinery and split so that many notebooks run at once while one process
writes the gradebook:

* :mod:`.roster` and :mod:`.collect` bring students and an LMS download into the course.
* :mod:`.pipeline` runs nbgrader's autograde preprocessors in the driver: the sanitising half before
  a notebook is executed, the grade-saving half after (the only code that writes the gradebook).
* :mod:`.execute` runs one sanitised notebook in its own kernel, with limits (a subprocess on a worker).
* :mod:`.tasks` is the Dask task around it: files in, executed notebook and a status out, with a retry
  for infrastructure failures only.
* :mod:`.state` remembers what was graded from which file hash, so a rerun resumes.
* :mod:`.grade` drives it all on a Dask cluster (a ``LocalCluster`` unless ``--scheduler`` names one).
* :mod:`.report` and :mod:`.feedback` turn the gradebook into CSVs, charts, an HTML page and feedback.
"""
