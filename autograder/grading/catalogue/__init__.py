"""The catalogue of students' code: plausible mistakes (mutants) and correct variants, per graded function.

Grader side (never bound into the sandbox, never imported by ``autograder/kernel/``). One module per
lab and kind::

    autograder/grading/catalogue/mutants/<lab_id>.py    MUTANTS  = {function: {name: entry}}   must lose points
    autograder/grading/catalogue/variants/<lab_id>.py   VARIANTS = {function: {name: entry}}   must get full marks

An entry is the full source of a solution cell that defines ``function`` (a string), or
:class:`Entry` with metadata; a lab module's ``NOTES = {function: {field: value}}`` gives every entry
of ``function`` the fields it does not set itself (:data:`NOTE_FIELDS`), and ``NOTES["function:name"]``
sets one entry's fields (:data:`ENTRY_NOTE_FIELDS`: an equivalence, ``diagnosable=False``). ``NOTEBOOK_SAMPLE = ["function:name", ...]`` (optional) says which
entries the notebook-level tests prefer when they submit one entry per function. A lab without a
module has no entries (empty dicts).

An entry's source runs like a solution cell (:func:`build`): in a namespace holding ``np``, ``math``,
``torch``, ``nn``, ``F`` (labs 5 on) and the public names of the lab's reference ``solutions.<lab_id>``
(so a buggy ``mlp_forward`` can call the reference ``dense_forward``), minus the function itself.

API::

    mutants(lab), variants(lab), entries(lab, kind)  -> {function: {name: Entry}}   (lab, function, name, kind filled in)
    notebook_sample(lab, kind)                       -> [(function, name)]          (NOTEBOOK_SAMPLE)
    notebook_batch(lab, kind)                        -> {function: Entry}           (one per function, for one notebook)
    all_entries(kind=None, labs=None)                -> [Entry]                     (every lab, in order)
    catalogued_labs(kind=None)                       -> [lab]                       (labs with a module)
    available(entry)                                 -> bool                        (its ``needs`` import)
    build(entry)                                     -> the object the source defines as ``entry.function``
    source_of(entry)                                 -> the solution-cell source
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import math
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

# The lab modules' packages, imported first: importing a subpackage binds its name in this package,
# and the functions ``mutants`` and ``variants`` defined below must have the last word.
from autograder.grading.catalogue import mutants as _mutant_modules  # noqa: E402
from autograder.grading.catalogue import variants as _variant_modules  # noqa: E402

KINDS = ("mutant", "variant")
#: The dict each kind's lab module defines.
TABLE_NAMES = {"mutant": "MUTANTS", "variant": "VARIANTS"}


@dataclass(frozen=True)
class Entry:
    """One catalogued solution cell.

    source:        the full source of a solution cell that defines the graded function.
    description:   what the code does, in the student's terms (a mutant: the mistake).
    follows:       where its formula comes from ("slides.txt:1690-1742 RMSProp", a notebook heading).
    contradicts:   what it departs from (a mutant: the rule it breaks).
    viva:          ids of viva questions that probe it; empty (the rule): the bank's questions ``about`` its
                   function (``autograder/viva/questions/<lab>.yaml``, read by the viva side).
    needs:         modules that must import for it to run (``("scipy",)``); skipped where one does not.
    equivalent_to: another entry of the same function and kind that it must score exactly like on every
                   hidden case (a restyling, or a mistake whose outputs coincide with another's on the
                   course's cases, so that diagnosis names both); the differential test checks this.
    diagnosable:   ``False`` for a mutant that misconception diagnosis must not name: it only raises, draws
                   from a generator other than the case's, or its outputs are judged statistically or by
                   training (:mod:`autograder.grading.diagnosis`).
    lab, function, name, kind: where it sits in the catalogue (filled in when the catalogue is read).
    """

    source: str
    description: str = ""
    follows: str = ""
    contradicts: str = ""
    viva: tuple = ()
    needs: tuple = ()
    equivalent_to: str | None = None
    diagnosable: bool = True
    lab: str = ""
    function: str = ""
    name: str = ""
    kind: str = ""

    @property
    def id(self) -> str:
        """``"<lab>.<function>:<name>"``: how tests and messages name the entry."""
        return f"{self.lab}.{self.function}:{self.name}"


def _module(lab: str, kind: str):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    name = f"{__name__}.{kind}s.{lab}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def entries(lab: str, kind: str) -> dict[str, dict[str, Entry]]:
    """``{function: {name: Entry}}`` of ``lab`` and ``kind`` ("mutant" or "variant"); ``{}`` without a module.

    Raises ``TypeError`` naming the entry when a value is neither a string nor an :class:`Entry`.
    """
    module = _module(lab, kind)
    if module is None:
        return {}
    table = getattr(module, TABLE_NAMES[kind], {})
    notes = getattr(module, "NOTES", {})
    for key in notes:
        function, _, name = key.partition(":")
        if function not in table or (name and name not in table[function]):
            raise KeyError(f"NOTES of {kind}s/{lab}.py names {key}, which is not a function or entry of {TABLE_NAMES[kind]}")
    out: dict[str, dict[str, Entry]] = {}
    for function, named in table.items():
        out[function] = {}
        for name, value in named.items():
            where = dict(lab=lab, function=function, name=name, kind=kind)
            if isinstance(value, str):
                value = Entry(value)
            if isinstance(value, Entry):
                value = _with_notes(value, notes.get(function, {}), NOTE_FIELDS)
                value = _with_notes(value, notes.get(f"{function}:{name}", {}), ENTRY_NOTE_FIELDS, force=True)
                out[function][name] = dataclasses.replace(value, viva=tuple(value.viva), needs=tuple(value.needs),
                                                          **where)
            else:
                raise TypeError(f"{TABLE_NAMES[kind]}[{function!r}][{name!r}] of {lab} should be a source string "
                                f"or an Entry, got {type(value).__name__}")
    return out


#: What a lab module's ``NOTES = {function: {field: value}}`` may give every entry of a function that
#: does not set the field itself (the slide a function's mistakes contradict;
#: ``diagnosable=False`` for a function judged statistically or by training applies to every entry).
NOTE_FIELDS = ("follows", "contradicts", "viva", "diagnosable")
#: What ``NOTES = {"function:entry name": {field: value}}`` may set for one entry whose value is a plain
#: source string (the fields of :class:`Entry` other than its source and place).
ENTRY_NOTE_FIELDS = ("description", "follows", "contradicts", "viva", "needs", "equivalent_to", "diagnosable")


def _with_notes(entry: Entry, notes: dict, fields: tuple, force: bool = False) -> Entry:
    unknown = set(notes) - set(fields)
    if unknown:
        raise TypeError(f"NOTES may set {fields}, not {sorted(unknown)}")
    return dataclasses.replace(entry, **{k: v for k, v in notes.items()
                                        if force or k == "diagnosable" or not getattr(entry, k)})


def mutants(lab: str) -> dict[str, dict[str, Entry]]:
    """The plausible mistakes of ``lab``: ``{function: {name: Entry}}``."""
    return entries(lab, "mutant")


def variants(lab: str) -> dict[str, dict[str, Entry]]:
    """The correct variants of ``lab``: ``{function: {name: Entry}}``."""
    return entries(lab, "variant")


def notebook_sample(lab: str, kind: str = "mutant") -> list[tuple[str, str]]:
    """``[(function, name)]`` from the lab module's ``NOTEBOOK_SAMPLE`` (``[]`` without one).

    Raises ``KeyError`` naming an item that is not an entry of the catalogue.
    """
    module = _module(lab, kind)
    pairs = [tuple(item.split(":", 1)) for item in getattr(module, "NOTEBOOK_SAMPLE", [])] if module else []
    table = entries(lab, kind)
    for function, name in pairs:
        if name not in table.get(function, {}):
            raise KeyError(f"NOTEBOOK_SAMPLE of {kind}s/{lab}.py names {function}:{name}, which is not an entry")
    return pairs


def available(entry: Entry) -> bool:
    """Whether every module in ``entry.needs`` can be imported here."""
    return all(importlib.util.find_spec(name) is not None for name in entry.needs)


def notebook_batch(lab: str, kind: str) -> dict[str, Entry]:
    """One entry per function of ``lab`` to submit in one notebook: the function's first
    ``NOTEBOOK_SAMPLE`` item, else its first entry; entries whose ``needs`` are missing are passed over."""
    table = entries(lab, kind)
    chosen: dict[str, Entry] = {}
    for function, name in notebook_sample(lab, kind):
        entry = table[function][name]
        if function not in chosen and available(entry):
            chosen[function] = entry
    for function, named in table.items():
        if function not in chosen:
            usable = [e for e in named.values() if available(e)]
            if usable:
                chosen[function] = usable[0]
    return {function: chosen[function] for function in table if function in chosen}


def catalogued_labs(kind: str | None = None) -> list[str]:
    """Labs that have a module of ``kind`` (of either kind when ``None``), in order."""
    found = set()
    for k in (KINDS if kind is None else (kind,)):
        package = {"mutant": _mutant_modules, "variant": _variant_modules}[k]
        found |= {m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("lab")}
    return sorted(found)


def all_entries(kind: str | None = None, labs: list[str] | None = None) -> list[Entry]:
    """Every entry of ``kind`` (both kinds when ``None``) of ``labs`` (default: every catalogued lab)."""
    out = []
    for lab in labs if labs is not None else catalogued_labs(kind):
        for k in (KINDS if kind is None else (kind,)):
            for named in entries(lab, k).values():
                out.extend(named.values())
    return out


def namespace(lab: str) -> dict[str, Any]:
    """What a lab's solution cells can see: ``np``, ``math``, torch (``torch``, ``nn``, ``F``; labs 5 on) and
    the public names of the lab's reference package ``solutions.<lab>``."""
    reference = importlib.import_module(f"solutions.{lab}")
    ns: dict[str, Any] = {"np": np, "math": math}
    if int(lab[3:5]) >= 5:  # the PyTorch labs
        import torch

        ns.update(torch=torch, nn=torch.nn, F=torch.nn.functional)
    ns.update({k: v for k, v in vars(reference).items() if not k.startswith("_")})
    return ns


def source_of(entry: Entry | str) -> str:
    """The solution-cell source of an entry (or of a bare source string)."""
    return entry if isinstance(entry, str) else entry.source


def build(entry: Entry) -> Callable:
    """Execute ``entry``'s source in its lab's namespace and return what it defines as ``entry.function``.

    The reference of the same name is removed first, so an entry that forgets to define it fails here
    (``AssertionError`` naming the entry) instead of silently grading the reference.
    """
    ns = namespace(entry.lab)
    ns.pop(entry.function, None)
    exec(compile(entry.source, f"<{entry.kind} {entry.id}>", "exec"), ns)
    if entry.function not in ns:
        raise AssertionError(f"{entry.kind} {entry.id} does not define {entry.function}")
    return ns[entry.function]


__all__ = ["KINDS", "Entry", "entries", "mutants", "variants", "notebook_sample", "notebook_batch", "all_entries",
           "catalogued_labs", "available", "namespace", "build", "source_of"]
