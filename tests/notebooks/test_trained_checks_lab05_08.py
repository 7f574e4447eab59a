"""The visible checks of the trained functions of labs 5-8 use the bounds their cases modules set from the
hidden tiers (``VISIBLE_BOUNDS``, the tiers divided by the largest held-out / validation ratio of the family
of recipes), and the notebooks state the hidden tiers. Reads the source notebooks only (no kernel)."""
from __future__ import annotations

import importlib
import re

import nbformat
import pytest

from autograder.course import SOURCE

TRAINED = {"lab05_autoencoders": ("train_autoencoder", "md_train", False),
           "lab06_cnn": ("train_cnn", "md_train", True),
           "lab07_lstm": ("train_forecaster", "md_train_forecaster", False),
           "lab08_vae": ("train_vae", "md_train_vae", False)}


def _cells(lab: str) -> dict:
    nb = nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}


@pytest.mark.parametrize("lab", sorted(TRAINED))
def test_visible_check_fails_beyond_the_lower_bound_and_warns_beyond_the_upper(lab):
    function, markdown, higher_is_better = TRAINED[lab]
    cases = importlib.import_module(f"autograder.grading.cases.{lab}")
    check = _cells(lab)[f"check_{function}"]
    fail, warn = (">=", "<") if higher_is_better else ("<=", ">")
    failing = [float(v) for v in re.findall(rf"expect_true\(val_\w+ {fail} ([0-9.]+)", check)]
    warning = [float(v) for v in re.findall(rf"if val_\w+ {warn} ([0-9.]+):", check)]
    assert failing == [cases.VISIBLE_BOUNDS[0]], f"{lab}: the check fails at {failing}, not {cases.VISIBLE_BOUNDS[0]}"
    assert warning == [cases.VISIBLE_BOUNDS[1]], f"{lab}: the check warns at {warning}, not {cases.VISIBLE_BOUNDS[1]}"
    # the bounds lie on the safe side of the tiers they stand for
    for bound, tier in zip(cases.VISIBLE_BOUNDS, cases.TIERS):
        assert (bound >= tier) if higher_is_better else (bound <= tier)


@pytest.mark.parametrize("lab", sorted(TRAINED))
def test_notebook_states_the_hidden_tiers_and_the_budget(lab):
    function, markdown, higher_is_better = TRAINED[lab]
    cases = importlib.import_module(f"autograder.grading.cases.{lab}")
    text = _cells(lab)[markdown]
    for tier in cases.TIERS:
        forms = {f"{tier:g}", f"{tier:.2f}", f"{tier:.1f}", f"{100 * tier:g} %"}
        assert any(form in text for form in forms), f"{lab}: the notebook does not state the tier {tier}"
    assert f"{cases.BUDGET_S:g} s" in text
    assert "**Fixed**" in text and "**Free**" in text, f"{lab}: the notebook does not say which choices are free"
