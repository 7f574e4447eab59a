"""Plausible student bugs, one module per lab: ``MUTANTS[function][bug name] = solution cell source``.

:func:`build` turns a mutant's source into a function, executed in a namespace holding ``np`` and
every reference function of the lab (so a buggy ``mlp_forward`` can call the reference
``dense_forward``).
"""
from __future__ import annotations

import importlib
import math
from typing import Callable

import numpy as np

def _course_labs() -> list[str]:
    from autograder.course import labs

    return labs()


def available_labs() -> list[str]:
    """Labs whose mutants module exists."""
    out = []
    for lab in _course_labs():
        try:
            importlib.import_module(f"tests.mutants.{lab}")
        except ModuleNotFoundError:
            continue
        out.append(lab)
    return out


def mutants(lab: str) -> dict:
    return importlib.import_module(f"tests.mutants.{lab}").MUTANTS


def notebook_sample(lab: str) -> list[tuple[str, str]]:
    """(function, bug name) pairs the slow tests submit through nbgrader autograde."""
    return [tuple(entry.split(":", 1)) for entry in importlib.import_module(f"tests.mutants.{lab}").NOTEBOOK_SAMPLE]


def namespace(lab: str) -> dict:
    """What a lab's solution cells can see: numpy, math, torch (as torch, nn, F) and the lab's reference."""
    reference = importlib.import_module(f"solutions.{lab}")
    ns = {"np": np, "math": math}
    if int(lab[3:5]) >= 5:  # the PyTorch labs
        import torch

        ns.update(torch=torch, nn=torch.nn, F=torch.nn.functional)
    ns.update({k: v for k, v in vars(reference).items() if not k.startswith("_")})
    return ns


def build(lab: str, function: str, source: str) -> Callable:
    """Execute a mutant's solution-cell source and return the object it defines as ``function``."""
    ns = namespace(lab)
    ns.pop(function, None)
    exec(compile(source, f"<mutant {lab}.{function}>", "exec"), ns)
    if function not in ns:
        raise AssertionError(f"mutant source for {function} does not define {function}")
    return ns[function]
