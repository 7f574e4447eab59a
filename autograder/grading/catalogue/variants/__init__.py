"""Correct implementations in the styles students write, one module per lab:
``VARIANTS = {function: {variant name: source | Entry}}``.

Every variant must get full marks under plain ``nbgrader autograde`` and under ``dlcourse grade``
(``tests/autograder/test_catalogue.py``), and must not just call the reference of the same name.
``NOTEBOOK_SAMPLE`` is optional. Read through :mod:`autograder.grading.catalogue`.
"""
