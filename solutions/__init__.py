"""Reference solutions: the truth that grading rests on.

Topic modules hold the code (NumPy for labs 1-4); ``solutions/<lab_id>.py`` re-exports exactly the
functions that lab grades, under the notebook's names and signatures. Pure functions, no I/O, no
grading logic. Conventions: rows are samples; a dense layer is ``x @ W + b`` with ``W`` of shape
``(fan_in, fan_out)``.
"""
