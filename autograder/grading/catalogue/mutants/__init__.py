"""Plausible student bugs, one module per lab: ``MUTANTS = {function: {bug name: source | Entry}}``.

Every mutant must lose points on its own function's hidden cases under both grading paths
(``tests/autograder/test_catalogue.py``). ``NOTEBOOK_SAMPLE = ["function:bug name", ...]`` names the
mutants that notebook-level tests and the demo submit first. Read through :mod:`autograder.grading.catalogue`.
"""
