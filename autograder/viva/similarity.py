"""Similarity of the solution cells of one lab's submissions: copydetect fingerprints, scaffold removed.

Method (also printed on every cohort page, see :data:`METHOD`):

1. For each submission ``submitted/<student>/<lab>/<lab>.ipynb`` take the solution cells of the graded
   functions only (``grade_id`` = the function's name), nothing else of the notebook.
2. Each cell goes through copydetect's tokenizer/filter (``copydetect.utils.filter_code``): comments and
   whitespace are dropped, every variable, attribute and function name becomes one letter and every
   string ``S``, so renaming variables changes nothing.
3. Each cell is fingerprinted on its own: all k-grams of the filtered code (k = copydetect's noise
   threshold, 25 characters; winnowing window from its guarantee threshold), hashed with BLAKE2b
   rather than Python's ``hash()`` (salted per process) so that the same submissions always give the
   same numbers. No k-gram spans two cells, and a student's fingerprints are the union over cells, so
   moving cells around the notebook changes nothing either.
4. The released scaffold never counts. A cell's leading lines that are the stub's (signature,
   docstring) are cut before fingerprinting, so no k-gram straddles the template and the student's
   first line; and the release's stubs and other code cells are copydetect's boilerplate: every
   k-gram of them is removed from every submission's fingerprints. A submission that is the release
   unchanged has no fingerprints at all (similarity 0 to everyone).
5. For a pair (A, B), copydetect's measure: the share of A's fingerprinted code that lies in k-grams B
   also has (and the other way round). The pair's score is the larger of the two (one student may have
   copied a part of the other's notebook). A pair is flagged when its score is at least the threshold
   and the shared code is at least :data:`MIN_OVERLAP` filtered characters (so that two one-line
   answers that happen to coincide are not a flag on their own).

The default threshold (:data:`DEFAULT_THRESHOLD`, 0.5) comes from the generated cohort of lab 1 in
``tests/viva``: a copy with every variable renamed and cells moved scores 100 %, the reference with
three bugs against the reference 89–93 %, and independent correct solutions that keep the scaffold
0 %. Real cohorts have more common idioms than that cohort: look at the heatmap of the first real
lab, where honest pairs form a band well below copies, and move the threshold (``--threshold``) if
that band reaches it. A flag is a reason to ask in the viva, never a verdict.
"""
from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Optional

import nbformat
import numpy as np
from copydetect import defaults as cd_defaults
from copydetect.utils import (filter_code, find_fingerprint_overlap, get_copied_slices, get_token_coverage,
                              highlight_overlap, winnow)

from autograder.course import REPO, notebook_path
from autograder.course.submissions import grade_id, is_solution_cell

K = cd_defaults.NOISE_THRESHOLD  # k-gram length in filtered characters (copydetect's default, 25)
WINDOW = cd_defaults.GUARANTEE_THRESHOLD - cd_defaults.NOISE_THRESHOLD + 1  # winnowing window (1: every k-gram)
DEFAULT_THRESHOLD = 0.5
MIN_OVERLAP = 60  # filtered characters of shared code before a pair can be flagged

METHOD = (
    "copydetect {version} fingerprints of the graded functions' solution cells only: code tokenized and "
    "filtered (names replaced, comments and whitespace dropped, so renamed variables do not matter), every "
    "{k}-character k-gram of each cell hashed (window {window}), cells fingerprinted separately (so moved "
    "cells do not matter); the released scaffold never counts: each cell's leading lines that are the "
    "stub's (signature, docstring) are cut, and every fingerprint of the release's stubs and other code "
    "cells is removed as boilerplate. Similarity of A to B = share of A's fingerprinted code found in "
    "B; a pair's score is the larger of its two similarities. Flagged: score ≥ {threshold:.0%} and at "
    "least {min_overlap} filtered characters in common."
)


def _copydetect_version() -> str:
    from copydetect import __version__

    return __version__


def method_text(threshold: float = DEFAULT_THRESHOLD, min_overlap: int = MIN_OVERLAP) -> str:
    return METHOD.format(version=_copydetect_version(), k=K, window=WINDOW, threshold=threshold,
                         min_overlap=min_overlap)


# ---------------------------------------------------------------- reading notebooks
def solution_cells(path: Path, functions: Optional[list[str]] = None) -> dict[str, str]:
    """``{grade_id: source}`` of the solution cells of the notebook at ``path`` (only ``functions`` if
    given), in the order of ``functions`` (else the notebook's). Raises on an unreadable notebook."""
    nb = nbformat.read(Path(path), as_version=4)
    cells = {grade_id(c): c.source for c in nb.cells if is_solution_cell(c) and c.cell_type == "code"}
    if functions is None:
        return cells
    return {name: cells[name] for name in functions if name in cells}


@dataclass(frozen=True)
class Scaffold:
    """What the release gives every student: the solution-cell stubs and the other code cells."""

    stubs: dict[str, str]
    other_code: tuple[str, ...]

    @classmethod
    def from_release(cls, path: Path) -> "Scaffold":
        nb = nbformat.read(Path(path), as_version=4)
        stubs = {grade_id(c): c.source for c in nb.cells if is_solution_cell(c) and c.cell_type == "code"}
        other = tuple(c.source for c in nb.cells if c.cell_type == "code" and not is_solution_cell(c))
        return cls(stubs, other)

    def texts(self) -> list[str]:
        return list(self.stubs.values()) + list(self.other_code)


def own_code_start(code: str, stub: Optional[str]) -> int:
    """Where the student's own code starts in a solution cell: after the leading lines it shares with
    the release's stub (the signature and docstring a student keeps), compared without indentation."""
    if not stub:
        return 0
    stub_lines = stub.splitlines()
    position = 0
    for i, line in enumerate(code.splitlines(keepends=True)):
        if i >= len(stub_lines) or line.strip() != stub_lines[i].strip():
            break
        position += len(line)
    return position


def release_notebook(root: Path, lab: str) -> Path:
    """The release notebook of ``lab``: the course root's ``release/``, else the repository's."""
    for base in (Path(root), REPO):
        path = notebook_path(base, "release", lab)
        if path.is_file():
            return path
    raise FileNotFoundError(f"no release notebook of {lab} under {Path(root) / 'release'} or {REPO / 'release'}")


def graded_functions(lab: str, scaffold: Optional[Scaffold] = None) -> list[str]:
    """The lab's graded functions in grading order (``autograder.grading.cases``), else the release's solution cells."""
    try:
        from autograder.grading.cases import specs_for_lab

        return [spec.name for spec in specs_for_lab(lab)]
    except KeyError:
        return list(scaffold.stubs) if scaffold else []


# ---------------------------------------------------------------- fingerprints
def stable_hashes(text: str, k: int = K) -> np.ndarray:
    """64-bit BLAKE2b hashes of every k-gram of ``text`` (the same in every process, unlike ``hash()``)."""
    out = [int.from_bytes(hashlib.blake2b(text[i:i + k].encode("utf-8"), digest_size=8).digest(), "little",
                          signed=True) for i in range(len(text) - k + 1)]
    return np.array(out, dtype=np.int64)


def filtered(code: str) -> tuple[str, np.ndarray]:
    """copydetect's filtered code of a Python cell and its offsets (filtered index -> characters removed)."""
    return filter_code(code, "cell.py", language="python")


def boilerplate_hashes(texts: list[str], k: int = K) -> set[int]:
    """Every k-gram hash of the filtered scaffold texts (no winnowing: all of it is template)."""
    out: set[int] = set()
    for text in texts:
        out.update(int(h) for h in stable_hashes(filtered(text)[0], k))
    return out


@dataclass
class Fingerprint:
    """A submission's fingerprints, with what copydetect's ``compare_files`` needs plus cell spans."""

    student: str
    cells: dict[str, str]                 # raw code per function, in the lab's order
    filtered_cells: dict[str, str]
    offsets: dict[str, np.ndarray]
    spans: dict[str, tuple[int, int]]     # each cell's [start, end) in ``filtered_code``
    starts: dict[str, int]                # where the student's own code starts in each raw cell
    filtered_code: str
    hashes: set[int]
    hash_idx: dict[int, list[int]]
    k: int
    token_coverage: float
    cell_coverage: dict[str, float]


def fingerprint(student: str, cells: dict[str, str], boilerplate: set[int], stubs: Optional[dict[str, str]] = None,
                k: int = K, window: int = WINDOW) -> Fingerprint:
    """Fingerprint each cell separately (copydetect's filter and winnowing, stable hashes), drop the
    boilerplate, and lay the cells end to end so that overlaps can be mapped back to functions.

    Only a cell's own code is fingerprinted: the leading lines it shares with its stub in ``stubs``
    (signature, docstring) are cut first, so that no k-gram straddles the template and the student's
    first line (every student whose first line starts ``x = np.asarray(`` would share it)."""
    filtered_cells, offsets, spans, starts = {}, {}, {}, {}
    hash_idx: dict[int, list[int]] = {}
    start = 0
    cell_coverage = {}
    for name, code in cells.items():
        starts[name] = own_code_start(code, (stubs or {}).get(name))
        text, offs = filtered(code[starts[name]:])
        filtered_cells[name], offsets[name] = text, offs
        spans[name] = (start, start + len(text))
        local: dict[int, list[int]] = {}
        if len(text) >= k:
            hashes, idx = winnow(stable_hashes(text, k), window, remove_duplicates=False)
            for h, i in zip(hashes.tolist(), idx.tolist()):
                if h not in boilerplate:
                    local.setdefault(h, []).append(i)
        cell_coverage[name] = float(get_token_coverage(local, k, len(text))) if text else 0.0
        for h, positions in local.items():
            hash_idx.setdefault(h, []).extend(start + i for i in positions)
        start += len(text)
    code = "".join(filtered_cells.values())
    return Fingerprint(student, dict(cells), filtered_cells, offsets, spans, starts, code, set(hash_idx), hash_idx, k,
                       float(get_token_coverage(hash_idx, k, len(code))) if code else 0.0, cell_coverage)


# ---------------------------------------------------------------- comparing
@dataclass
class FunctionMatch:
    """Code of one function that two submissions share: the share of each side's fingerprinted code in
    that cell found in the other, and each side's cell as HTML with the shared fragments in ``<mark>``."""

    function: str
    share_a: float
    share_b: float
    html_a: str
    html_b: str


@dataclass
class Pair:
    a: str
    b: str
    similarity_a: float  # share of a's code found in b
    similarity_b: float
    overlap: int         # filtered characters of a's code that b shares
    functions: list[FunctionMatch] = field(default_factory=list)
    flagged: bool = False

    @property
    def score(self) -> float:
        return max(self.similarity_a, self.similarity_b)

    def partner(self, student: str) -> str:
        return self.b if student == self.a else self.a

    def similarity_of(self, student: str) -> float:
        return self.similarity_a if student == self.a else self.similarity_b

    def shared_functions(self, min_share: float = 0.5) -> list[str]:
        """Functions where at least ``min_share`` of either side's code is shared."""
        return [m.function for m in self.functions if max(m.share_a, m.share_b) >= min_share]


def _cell_slices(fp: Fingerprint, slices: np.ndarray) -> dict[str, np.ndarray]:
    """Cut slices of the laid-out filtered code at cell boundaries: ``{function: 2xN local slices}``."""
    out = {}
    if slices.size == 0:
        return out
    for name, (lo, hi) in fp.spans.items():
        starts = np.clip(slices[0], lo, hi)
        ends = np.clip(slices[1], lo, hi)
        keep = ends > starts
        if keep.any():
            out[name] = np.array([starts[keep] - lo, ends[keep] - lo], dtype=np.int64)
    return out


def _raw_slices(offsets: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Filtered-code slices of one cell -> slices of its raw code (as copydetect's ``compare_files``)."""
    local = local.copy()
    if len(offsets) > 0:
        local += offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], local), 0, offsets.shape[0] - 1)]
    return local


def _highlight(fp: Fingerprint, name: str, local: Optional[np.ndarray]) -> str:
    """The whole cell as HTML, the shared fragments of the student's own code in ``<mark>``."""
    code, start = fp.cells[name], fp.starts[name]
    if local is None or local.size == 0:
        return html.escape(code)
    marked, _ = highlight_overlap(code[start:], _raw_slices(fp.offsets[name], local), "<mark>", "</mark>",
                                  escape_html=True)
    return html.escape(code[:start]) + marked


def compare(fa: Fingerprint, fb: Fingerprint) -> Pair:
    """copydetect's pairwise measure on two fingerprints, with the shared code mapped to functions."""
    idx_a, idx_b = find_fingerprint_overlap(fa.hashes, fb.hashes, fa.hash_idx, fb.hash_idx)
    slices_a = get_copied_slices(idx_a, fa.k)
    slices_b = get_copied_slices(idx_b, fb.k)
    if len(slices_a[0]) == 0:
        return Pair(fa.student, fb.student, 0.0, 0.0, 0)
    overlap_a = int(np.sum(slices_a[1] - slices_a[0]))
    overlap_b = int(np.sum(slices_b[1] - slices_b[0]))
    sim_a = overlap_a / fa.token_coverage if fa.token_coverage else 0.0
    sim_b = overlap_b / fb.token_coverage if fb.token_coverage else 0.0
    cells_a, cells_b = _cell_slices(fa, slices_a), _cell_slices(fb, slices_b)
    matches = []
    for name in fa.cells:
        if name not in cells_a or name not in cells_b:
            continue
        share_a = float(np.sum(cells_a[name][1] - cells_a[name][0])) / (fa.cell_coverage[name] or 1.0)
        share_b = float(np.sum(cells_b[name][1] - cells_b[name][0])) / (fb.cell_coverage[name] or 1.0)
        matches.append(FunctionMatch(name, min(share_a, 1.0), min(share_b, 1.0),
                                     _highlight(fa, name, cells_a[name]), _highlight(fb, name, cells_b[name])))
    matches.sort(key=lambda m: (-max(m.share_a, m.share_b), list(fa.cells).index(m.function)))
    return Pair(fa.student, fb.student, min(float(sim_a), 1.0), min(float(sim_b), 1.0), overlap_a, matches)


@dataclass
class LabSimilarity:
    """Every pair of one lab's submissions: the directional matrix, the pairs, the flagged ones."""

    lab: str
    students: list[str]
    matrix: np.ndarray          # [i, j] = share of student i's code found in student j's (diagonal nan)
    pairs: list[Pair]           # every pair, highest score first (ties by names)
    threshold: float
    min_overlap: int
    skipped: dict[str, str]     # student -> why the submission was left out
    functions: list[str]

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.flagged]

    def flags_for(self, student: str) -> list[Pair]:
        return [p for p in self.flagged if student in (p.a, p.b)]

    def method(self) -> str:
        return method_text(self.threshold, self.min_overlap)


def submitted_students(root: Path, lab: str) -> list[str]:
    base = Path(root) / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if notebook_path(root, "submitted", lab, p.name).is_file())


def compare_lab(root: Path, lab: str, threshold: float = DEFAULT_THRESHOLD, min_overlap: int = MIN_OVERLAP,
                students: Optional[list[str]] = None) -> LabSimilarity:
    """Compare every pair of ``submitted/*/<lab>/<lab>.ipynb`` under the course root ``root``.

    Unreadable notebooks are left out and listed in ``skipped``. Deterministic: students in name order,
    stable hashes, ties broken by names.
    """
    root = Path(root)
    scaffold = Scaffold.from_release(release_notebook(root, lab))
    functions = graded_functions(lab, scaffold)
    boilerplate = boilerplate_hashes(scaffold.texts())
    prints, skipped = {}, {}
    for student in sorted(students if students is not None else submitted_students(root, lab)):
        path = notebook_path(root, "submitted", lab, student)
        try:
            cells = solution_cells(path, functions)
        except Exception as exc:  # a corrupt upload must not stop the comparison of everyone else
            skipped[student] = f"notebook could not be read ({type(exc).__name__})"
            continue
        prints[student] = fingerprint(student, cells, boilerplate, scaffold.stubs)
    names = list(prints)
    matrix = np.full((len(names), len(names)), np.nan)
    pairs = []
    for (i, a), (j, b) in combinations(enumerate(names), 2):
        pair = compare(prints[a], prints[b])
        pair.flagged = pair.score >= threshold and pair.overlap >= min_overlap
        matrix[i, j], matrix[j, i] = pair.similarity_a, pair.similarity_b
        pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return LabSimilarity(lab, names, matrix, pairs, threshold, min_overlap, skipped, functions)


# ---------------------------------------------------------------- the cohort page
def write_heatmap(result: LabSimilarity, path: Path) -> Path:
    """A PNG heatmap of the directional similarity matrix (row's code found in column's)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(result.students)
    side = min(3.0 + 0.32 * n, 24.0)
    fig, ax = plt.subplots(figsize=(side + 1.2, side))
    data = np.ma.masked_invalid(result.matrix if n else np.zeros((1, 1)))
    image = ax.imshow(data, vmin=0.0, vmax=1.0, cmap="viridis")
    ax.set_xticks(range(n), result.students, rotation=90 if n > 8 else 0)
    ax.set_yticks(range(n), result.students)
    ax.set_xlabel("found in this student's submission")
    ax.set_ylabel("this student's code")
    ax.set_title(f"{result.lab}: pairwise similarity (threshold {result.threshold:.0%})", fontsize=10)
    if n <= 25:
        for i in range(n):
            for j in range(n):
                if i != j:
                    v = result.matrix[i, j]
                    ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=7 if n > 12 else 9,
                            color="black" if v > 0.6 else "white")
    for p in result.flagged:  # outline flagged pairs in both cells
        i, j = result.students.index(p.a), result.students.index(p.b)
        for r, c in ((i, j), (j, i)):
            ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the row student's code")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


def write_pairs_csv(result: LabSimilarity, path: Path) -> Path:
    """Every pair, most similar first: ``a,b,similarity_a,similarity_b,score,overlap,flagged``."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "similarity_a", "similarity_b", "score", "overlap", "flagged"])
        for p in result.pairs:
            writer.writerow([p.a, p.b, f"{p.similarity_a:.4f}", f"{p.similarity_b:.4f}", f"{p.score:.4f}",
                             p.overlap, int(p.flagged)])
    return path


def render_cohort_page(result: LabSimilarity, heatmap_src: str, near: int = 10) -> str:
    from autograder.viva.render import base_css, environment
    from autograder.viva.self_review import lab_title

    below = [p for p in result.pairs if not p.flagged and p.score > 0][:near]
    return environment().get_template("cohort.html.j2").render(
        base_css=base_css(), lab=result.lab, title=lab_title(result.lab), n_students=len(result.students),
        n_pairs=len(result.pairs), threshold=result.threshold, flagged=result.flagged, near=below,
        method=result.method(), skipped=result.skipped, heatmap=heatmap_src)


def write_cohort_page(result: LabSimilarity, out_dir: Path) -> dict[str, Path]:
    """``out_dir/<lab>.html`` (the cohort page), ``<lab>-heatmap.png`` and ``<lab>-pairs.csv``."""
    out_dir = Path(out_dir)
    png = write_heatmap(result, out_dir / f"{result.lab}-heatmap.png")
    csv_path = write_pairs_csv(result, out_dir / f"{result.lab}-pairs.csv")
    page = out_dir / f"{result.lab}.html"
    page.write_text(render_cohort_page(result, png.name), encoding="utf-8")
    return {"html": page, "png": png, "csv": csv_path}
