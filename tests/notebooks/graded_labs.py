"""One grading run per lab for every notebook-level test of that lab (slow).

A lab's notebook tests used to grade a scratch course each: ``test_autograde`` (reference, blank, the
sampled mutants), ``test_variants_numpy_labs`` (the slides' formulas, labs 1-4) and ``test_one_score``
(a notebook of one mutant and one of one variant for every function, labs 3 and 12). Each run paid
nbgrader's start-up, the release, the reference's timed run and ``dlcourse grade``'s start again. Here
one scratch course per lab holds all of those students and :func:`graded` grades them once, on both
paths (:func:`autograder.workflows.labcheck.check_lab`: plain ``nbgrader autograde``, then ``dlcourse
grade`` with the run's shared canary), for whichever test asks first; the others read the result.

Students (besides check_lab's ``reference`` and ``blank``), each the reference with these fills:

================  =====================================================================================
``mutants``       every ``NOTEBOOK_SAMPLE`` mutant of the lab, one function each (test_autograde)
``slides``        the slides' formula where the lab has one, else the first variant (labs 1-4)
``variants<k>``   the k-th variant of every function (labs 1-4, only with ``DLCOURSE_ALL_VARIANTS=1``)
``mutant-batch``  one mutant for every function (:data:`BATCH_LABS`; ``catalogue.notebook_batch``)
``variant-batch`` one variant for every function (:data:`BATCH_LABS`)
================  =====================================================================================

The tests that read one lab's run share the xdist group :func:`group` so they run on one worker.
"""
from __future__ import annotations

import importlib
import os
from functools import lru_cache

import pytest

from autograder.course import REPO
from autograder.grading import catalogue

#: Labs whose every-function mutant and variant notebooks are graded (a NumPy lab and a Torch lab with a
#: trained model): tests/autograder/test_one_score.py.
BATCH_LABS = ("lab03_optimizers", "lab12_gnn")
#: Labs whose slides-formula notebook is graded: tests/autograder/test_variants_numpy_labs.py.
SLIDES_LABS = ("lab01_neurons_losses", "lab02_backprop", "lab03_optimizers", "lab04_regularization_init")
#: Every variant of labs 1-4 in notebooks (about 5 minutes more on 2 cores); by default the slides
#: student only, and the in-process differential test covers every variant on both paths.
ALL_VARIANTS = os.environ.get("DLCOURSE_ALL_VARIANTS") == "1"
VARIANTS_DIR = REPO / "autograder" / "grading" / "catalogue" / "variants"


def group(lab: str):
    """The xdist group of the tests that read ``lab``'s run (``--dist loadgroup``)."""
    return pytest.mark.xdist_group(f"lab-{lab}")


def variants_module(lab: str):
    return importlib.import_module(f"autograder.grading.catalogue.variants.{lab}")


def sampled_mutants(lab: str) -> dict[str, str]:
    """``{function: bug}`` of the lab's sampled mutants, all carried by the ``mutants`` student."""
    return dict(catalogue.notebook_sample(lab))


def slides_students(lab: str, every: bool = False) -> dict[str, dict[str, str]]:
    """``slides`` writes every function with a slide formula as the slides do and the others as their
    first variant; ``variants<k>`` (with ``every``) writes the k-th variant of every function that has
    one (the reference where it has fewer)."""
    module = variants_module(lab)
    table, slides = module.VARIANTS, module.SLIDE_FORMULA
    first = {f: entries[next(iter(entries))] for f, entries in table.items()}
    students = {"slides": {**first, **{f: table[f][name] for f, name in slides.items()}}}
    for k in (range(max(len(v) for v in table.values())) if every else []):
        students[f"variants{k}"] = {f: e[list(e)[k]] for f, e in table.items() if k < len(e)}
    return students


def batch_fills(lab: str, kind: str) -> dict[str, str]:
    """One ``kind`` ("mutant" or "variant") for every function of ``lab``: ``{function: source}``."""
    return {function: entry.source for function, entry in catalogue.notebook_batch(lab, kind).items()}


def students(lab: str) -> dict[str, dict[str, str]]:
    """``{student: fills}`` of the lab's run, besides ``reference`` and ``blank``."""
    table = catalogue.mutants(lab)
    out = {"mutants": {function: table[function][bug].source for function, bug in sampled_mutants(lab).items()}}
    if lab in SLIDES_LABS and (VARIANTS_DIR / f"{lab}.py").is_file():
        out.update(slides_students(lab, every=ALL_VARIANTS))
    if lab in BATCH_LABS:
        for kind in catalogue.KINDS:
            fills = batch_fills(lab, kind)
            if fills:
                out[f"{kind}-batch"] = fills
    return out


@lru_cache(maxsize=None)
def graded(lab: str) -> dict:
    """:func:`check_lab`'s result for the lab's students: ``{student: {cell: (score, max)}}`` from plain
    nbgrader, ``"_dlcourse"``: the same from ``dlcourse grade`` for every student but reference and
    blank (which its canary grades), ``"_seconds"``, ``"_canary"``, ``"_root"``."""
    from autograder.workflows.labcheck import check_lab
    from tests.scratch import SHARED_CANARY

    extra = students(lab)
    return check_lab(lab, extra=extra, dlcourse_students=tuple(extra), canary_cache=SHARED_CANARY)
