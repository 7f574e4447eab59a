"""Which locked cells of a lab are demonstrations that grading can skip, and which are marked.

A demonstration ("experiment") cell is a locked, non-graded code cell that binds no name a later cell
reads: skipping it while grading changes no score. ``python -m tools.experiment_cells LAB`` lists each
locked cell with the names it binds, the later cells that read them, and whether it carries the
``# Experiment`` marker; ``--seconds`` runs the reference notebook once and adds each cell's time.
"""
from __future__ import annotations

import ast
import sys

import nbformat

from autograder.cohort.nbgrader_preprocessors import EXPERIMENT_MARKER
from autograder.course import SOURCE


def _code(source: str) -> str:
    return "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))


def _stores(node) -> set[str]:
    """Names a top-level statement binds at module level (not inside a function or class body)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    names, todo = set(), [node]
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
            continue
        if isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            names.add(n.id)
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in n.names)
        todo.extend(ast.iter_child_nodes(n))
    return names


def _loads(node) -> set[str]:
    """Global names ``node`` reads: inside a function or lambda, its parameters and local names are not."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        body = node.body if isinstance(node.body, list) else [node.body]
        local = params | {n.id for b in body for n in ast.walk(b) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        inner = set().union(*(_loads(b) for b in body)) if body else set()
        outer = set().union(*(_loads(d) for d in getattr(node, "decorator_list", [])), *(_loads(d) for d in args.defaults + [d for d in args.kw_defaults if d is not None]))
        return (inner - local) | outer
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        # its loop targets are its own names; only the first iterable is read in the enclosing scope
        targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        first, rest = node.generators[0].iter, [c for c in ast.iter_child_nodes(node) if c is not node.generators[0]]
        rest += [c for c in ast.iter_child_nodes(node.generators[0]) if c is not first]
        return _loads(first) | (set().union(*(_loads(c) for c in rest)) - targets)
    names = set()
    for child in ast.iter_child_nodes(node):
        names |= _loads(child)
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        names.add(node.id)
    return names


def statements(source: str) -> list:
    return ast.parse(_code(source)).body


def bound_names(source: str) -> set[str]:
    """Module-level names a cell binds (assignments, defs, classes, imports, loop and with targets)."""
    return set().union(*(_stores(s) for s in statements(source))) if source.strip() else set()


def readers_of(names: set[str], later_sources: list[tuple[int, str]]) -> dict[int, set[str]]:
    """``{cell index: names it reads while they still hold the value bound before}``: a name a later
    statement binds again (``x = ...``) is no longer the earlier cell's once rebound."""
    live, readers = set(names), {}
    for j, source in later_sources:
        for stmt in statements(source):
            used = live & _loads(stmt)
            if used:
                readers.setdefault(j, set()).update(used)
            live -= _stores(stmt)
        if not live:
            break
    return readers


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_marked(cell) -> bool:
    return cell.source.lstrip().startswith(EXPERIMENT_MARKER)


def locked_cells(lab: str):
    """``[(index, cell, bound names, {later index: names it reads})]`` of the locked, non-graded code cells."""
    nb = nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    out = []
    for k, (i, cell) in enumerate(code):
        m = meta(cell)
        if not m.get("locked") or m.get("grade") or m.get("solution"):
            continue
        bound = bound_names(cell.source)
        out.append((i, cell, bound, readers_of(bound, [(j, c.source) for j, c in code[k + 1:]])))
    return out


def skippable(lab: str) -> set[int]:
    """The largest set of locked, non-graded cells no other cell depends on (a reader may itself be
    skipped: a plot that reads a demonstration's result goes with it)."""
    cells = locked_cells(lab)
    chosen = {i for i, *_ in cells}
    changed = True
    while changed:
        changed = False
        for i, _, _, readers in cells:
            if i in chosen and any(j not in chosen for j in readers):
                chosen.discard(i)
                changed = True
    return chosen


def cell_seconds(lab: str) -> dict[int, float]:
    """``{cell index: seconds}`` of one run of the source notebook (the reference solution), from
    nbclient's timing metadata."""
    from datetime import datetime

    from nbclient import NotebookClient

    nb = nbformat.read(SOURCE / lab / f"{lab}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(SOURCE / lab)}}).execute()
    seconds = {}
    for i, cell in enumerate(nb.cells):
        t = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in t and "shell.execute_reply" in t:
            a, b = (datetime.fromisoformat(t[k].replace("Z", "+00:00")) for k in ("iopub.execute_input", "shell.execute_reply"))
            seconds[i] = (b - a).total_seconds()
    return seconds


def main(argv: list[str]) -> int:
    timed = "--seconds" in argv
    for lab in [a for a in argv if not a.startswith("--")]:
        free = skippable(lab)
        seconds = cell_seconds(lab) if timed else {}
        if timed:
            total = sum(seconds.values())
            skip = sum(seconds.get(i, 0) for i in free)
            print(f"{lab}: {total:.1f} s in all, {skip:.1f} s in cells grading could skip")
        for i, cell, bound, readers in locked_cells(lab):
            first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
            flag = "MARKED" if is_marked(cell) else ("free  " if i in free else "needed")
            took = f"{seconds[i]:6.2f}s " if i in seconds else ""
            print(f"{lab} cell {i:3d} {flag} {took}{first!r} binds {sorted(bound)[:6]} read by {sorted(readers)[:5]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
