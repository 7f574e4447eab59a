"""The catalogue of correct variants, every lab: enough of them, their own code, none a known mistake.

That each variant gets full marks on both grading paths (and on plain nbgrader's fixed cases) is
:func:`tests.autograder.test_one_score.test_every_catalogue_entry_scores_the_same_in_both_paths`;
labs 1-4's variants in real notebooks and their visible checks are ``test_variants_numpy_labs.py``.
The trained functions' variants are recipes; their scores over seeds are in ``bench/trained_recipes.py``
and ``bench/trained_tiers.py``.
"""
from __future__ import annotations

import importlib
import re

import pytest

from autograder.course import labs
from autograder.grading import catalogue
from autograder.grading.cases import specs_for_lab

LABS = labs()


def test_every_lab_has_a_variants_module():
    assert catalogue.catalogued_labs("variant") == LABS


@pytest.mark.parametrize("lab", LABS)
def test_every_graded_function_has_three_variants_of_its_own_code(lab):
    table = catalogue.variants(lab)
    graded = {spec.name for spec in specs_for_lab(lab)}
    thin = {f: len(table.get(f, {})) for f in graded if len(table.get(f, {})) < 3}
    assert not thin, f"{lab}: functions with fewer than 3 variants: {thin}"
    assert set(table) <= graded, f"{lab}: variants of functions that are not graded: {sorted(set(table) - graded)}"
    for function, entries in table.items():
        for name, entry in entries.items():
            source = catalogue.source_of(entry)
            assert re.search(rf"\b(def|class) {function}\b", source), f"{lab}.{function}:{name} does not define {function}"
            # its own code: catalogue.build leaves the reference function of that name out of the
            # namespace, and a variant must not fetch it from the reference package either
            assert "solutions" not in source, f"{lab}.{function}:{name} reaches into the reference package"


@pytest.mark.parametrize("lab", LABS)
def test_no_variant_is_also_a_mutant(lab):
    bugs = catalogue.mutants(lab)
    for function, entries in catalogue.variants(lab).items():
        known_bugs = {" ".join(catalogue.source_of(b).split()) for b in bugs.get(function, {}).values()}
        for name, entry in entries.items():
            assert " ".join(catalogue.source_of(entry).split()) not in known_bugs, f"{lab}.{function}:{name} is also a mutant"


@pytest.mark.parametrize("lab", LABS)
def test_slide_formulas_name_existing_variants(lab):
    module = importlib.import_module(f"autograder.grading.catalogue.variants.{lab}")
    for function, name in getattr(module, "SLIDE_FORMULA", {}).items():
        assert name in catalogue.variants(lab).get(function, {}), f"{lab}.{function}: no variant named {name!r}"
