"""Correct variants of labs 5-8 earn full marks in-process on both grading paths.

The variants live in ``autograder/grading/catalogue/variants/<lab>.py`` (``VARIANTS = {function:
{name: solution-cell source}}``). Each variant of a function that is not trained is judged twice,
without a kernel: as plain nbgrader does (the course's salted cases, the judge in the same process)
and as ``dlcourse grade`` does (the cases of a run seed after the JSON round trip of the cases file,
the outputs through the report codec, judged by :func:`autograder.grading.scoring.judge_report`).
The trained functions' variants are recipes; the cheap checks that an alternative recipe passes and
an undertrained one fails are in ``tests/solutions``, their scores over seeds 0-2 in
``bench/trained_recipes.py``.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import math
import re

import numpy as np
import pytest

from autograder.course import REPO
from autograder.grading.cases import specs_for_lab
from autograder.grading.judging import run_cases
from autograder.grading.scoring import judge_report, run_cases_file
from autograder.kernel.harness import build_report
from autograder.kernel.runners import decode_cases

LABS = ["lab05_autoencoders", "lab06_cnn", "lab07_lstm", "lab08_vae"]
TRAINED = {"train_autoencoder", "train_cnn", "train_forecaster", "train_vae"}
RUN_SEED = 20260101


def variants(lab: str) -> dict:
    """The ``VARIANTS`` table of ``lab`` (loaded by path: the catalogue package is another module's)."""
    path = REPO / "autograder" / "grading" / "catalogue" / "variants" / f"{lab}.py"
    spec = importlib.util.spec_from_file_location(f"_variants_{lab}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VARIANTS


def notebook_modules(lab: str) -> dict:
    """The modules the lab's notebook imports that a solution cell may use (``math`` and ``copy`` only where
    the notebook imports them: a variant that needs them otherwise imports them itself, as in a notebook)."""
    import copy

    import torch

    from autograder.course import SOURCE

    text = (SOURCE / lab / f"{lab}.ipynb").read_text()
    modules = {"np": np, "torch": torch, "nn": torch.nn, "F": torch.nn.functional}
    modules.update({name: module for name, module in (("math", math), ("copy", copy))
                    if f"import {name}\\n" in text})
    return modules


def build(lab: str, function: str, source: str):
    """Execute a variant's source as a solution cell of ``lab`` and return ``function``."""
    reference = importlib.import_module(f"solutions.{lab}")
    ns = dict(notebook_modules(lab))
    ns.update({k: v for k, v in vars(reference).items() if not k.startswith("_") and k not in ("math", "copy")})
    ns.pop(function, None)
    exec(compile(source, f"<variant {lab}.{function}>", "exec"), ns)
    assert function in ns, f"the variant does not define {function}"
    return ns[function]


def _untrained():
    for lab in LABS:
        for function, entries in variants(lab).items():
            if function in TRAINED:
                continue
            for name in entries:
                yield pytest.param(lab, function, name, id=f"{lab}.{function}:{name}")


@pytest.mark.parametrize("lab", LABS)
def test_every_graded_function_has_three_variants(lab):
    table = variants(lab)
    graded = {spec.name for spec in specs_for_lab(lab)}
    short = {f: len(table.get(f, {})) for f in graded if len(table.get(f, {})) < 3}
    assert not short, f"{lab}: functions with fewer than 3 variants: {short}"
    assert set(table) <= graded, f"{lab}: variants of functions that are not graded: {sorted(set(table) - graded)}"
    for function, entries in table.items():
        for name, source in entries.items():
            assert f"def {function}(" in source, f"{lab}.{function}:{name} does not define {function}"
            # a variant is its own code: it never calls the reference function of the same name
            # (a torch helper of that name, F.linear or torch.distributions.kl_divergence, is not it)
            calls = re.findall(rf"(?<![\w.]){function}\(", source)
            assert len(calls) == 1, f"{lab}.{function}:{name} calls {function}"


@pytest.mark.parametrize("lab,function,name", list(_untrained()))
def test_variant_earns_full_marks_on_both_paths(lab, function, name):
    spec = next(s for s in specs_for_lab(lab) if s.name == function)
    fn = build(lab, function, variants(lab)[function][name])
    uses = spec.reference_uses()
    plain = [(r.case, r.message) for r in run_cases(fn, spec, uses) if not r.passed]
    assert not plain, f"plain nbgrader's path: {plain}"
    cases = decode_cases(run_cases_file(lab, RUN_SEED), spec.qualname)
    payload = json.loads(json.dumps(build_report(fn, spec.qualname, cases, uses)))
    reported = [(r.case, r.message) for r in judge_report(spec.qualname, RUN_SEED, payload) if not r.passed]
    assert not reported, f"dlcourse grade's path: {reported}"
