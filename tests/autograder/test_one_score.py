"""One score in both grading paths: correct code in ordinary styles that one path used to punish.

Each test writes its student code and its expected values by hand (a hand-stepped momentum
trajectory, a float32 dropout written here, a class whose ``best`` is ``np.float64(inf)``), and grades
it under plain nbgrader's path and under ``dlcourse grade``'s (:mod:`tests.autograder.grading_paths`).

Then the differential test: every catalogue entry of every lab graded both ways in process (seconds
per lab; trained-model functions only with ``DLCOURSE_DIFFERENTIAL_TRAINED=1``), and, marked
``notebook``, one notebook per kind for a NumPy lab and a Torch lab through real ``nbgrader
autograde`` and ``dlcourse grade``.
"""
import json
import math
import os

import numpy as np
import pytest

from autograder.grading import catalogue
from autograder.grading.cases import get_spec, specs_for_lab
from autograder.grading.compare import Tolerance, compare, within
from autograder.grading.in_kernel import check_in_process
from autograder.grading.judging import drawn_cases, run_cases, score, summary
from autograder.kernel import reports
from autograder.kernel.harness import build_report
from autograder.kernel.runners import Case, decode_cases, encode_cases, unshared_copy
from autograder.kernel.runners.lab03_optimizers import drive
from tests.autograder.grading_paths import RUN_SEED, dlcourse_grade, json_trip, kernel_report, plain_nbgrader

MOMENTUM = get_spec("lab03_optimizers.sgd_momentum")
DROPOUT = get_spec("lab04_regularization_init.dropout_forward")
EARLY = get_spec("lab04_regularization_init.EarlyStopping")


def both_paths(fn, spec):
    return plain_nbgrader(fn, spec), dlcourse_grade(fn, spec)


def failed(results):
    return [(r.case, r.message) for r in results if not r.passed]


# ------------------------------------------------------------------------- aliasing of case inputs
def momentum_scaling_its_gradient_in_place(w, g, state, lr, mu):
    """Correct: Δw ← −η g + μ Δw, w ← w + Δw. It scales the gradient it was handed in place (its own
    argument; the docstring forbids changing w and state only) and leaves w untouched."""
    g *= lr
    v = mu * state.get("v", np.zeros_like(w)) - g
    return w + v, {"v": v}


def test_an_aliased_gradient_list_reaches_each_step_as_its_own_array():
    g = np.array([1.0, -2.0, 0.5])
    case = Case("constant gradient, 3 steps", (np.zeros(3), [g] * 3), {"lr": 0.1, "mu": 0.5})
    copied = unshared_copy(case.args)
    assert copied[1][0] is not copied[1][1] and copied[1][0] is not g
    # by hand: v1 = -0.1 g, v2 = 0.5 v1 - 0.1 g = -0.15 g, v3 = 0.5 v2 - 0.1 g = -0.175 g; w_k = sum of v
    expected = {"w after step 1": -0.1 * g, "w after step 2": -0.25 * g, "w after step 3": -0.425 * g}
    out = drive(momentum_scaling_its_gradient_in_place, case.fresh(), {})
    for key, value in expected.items():
        assert np.allclose(out[key], value, rtol=1e-14, atol=0), key
    assert np.array_equal(g, [1.0, -2.0, 0.5])  # the case's own array is untouched


def test_in_place_work_on_its_own_gradient_gets_full_marks_in_both_paths():
    plain, dl = both_paths(momentum_scaling_its_gradient_in_place, MOMENTUM)
    assert not failed(plain) and not failed(dl)


def test_a_case_run_twice_sees_the_same_inputs_although_the_first_run_scaled_them():
    g = np.ones(4)
    case = Case("c", (np.zeros(4), [g] * 2), {"lr": 0.5, "mu": 0.0})
    first = build_report(momentum_scaling_its_gradient_in_place, MOMENTUM.qualname, [case, case], {})
    one, two = (reports.decode(c["output"]) for c in json_trip(first)["cases"])
    assert np.array_equal(one["w after step 2"], two["w after step 2"])
    assert np.array_equal(one["w after step 2"], -np.ones(4))  # two steps of -0.5 * 1 each


# ------------------------------------------------------------------ the same input types in both paths
def test_both_paths_hand_the_function_inputs_of_the_same_types():
    seen = {"plain": [], "dl": []}

    def recording(path):
        def sgd_momentum(w, g, state, lr, mu):
            seen[path].append((type(w), type(g), type(lr), type(mu)))
            v = -lr * np.asarray(g) + mu * state.get("v", 0.0)
            return w + v, {"v": v}
        return sgd_momentum

    plain_nbgrader(recording("plain"), MOMENTUM)
    dlcourse_grade(recording("dl"), MOMENTUM)
    assert seen["plain"] and seen["plain"] == seen["dl"]


def test_numpy_scalars_in_cases_keep_their_type_through_the_cases_file():
    case = Case("c", (np.float64(0.25), np.float32(-1.5), 0.5, np.int64(3)), {"delta": np.float64(1e-8)})
    back, = decode_cases(encode_cases({"lab.f": [case]}), "lab.f")
    assert [type(a) for a in back.args] == [np.float64, np.float32, float, np.int64]
    assert type(back.kwargs["delta"]) is np.float64 and back.kwargs["delta"] == 1e-8


def test_the_plain_path_draws_exactly_the_cases_file_of_a_run():
    from autograder.grading.scoring import run_cases_file

    seed = 99
    via_file = decode_cases(run_cases_file("lab03_optimizers", seed), MOMENTUM.qualname)
    drawn = drawn_cases(MOMENTUM, seed)
    assert encode_cases({"f": via_file}) == encode_cases({"f": drawn})


# --------------------------------------------------------------- non-finite NumPy floats in reports
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
def test_non_finite_numpy_floats_of_any_type_travel_through_a_report(dtype):
    sent = {"inf": dtype(np.inf), "-inf": dtype(-np.inf), "nan": dtype(np.nan), "one": dtype(1.5)}
    got = reports.decode(json.loads(json.dumps(reports.encode(sent))))
    assert {k: type(v) for k, v in got.items()} == {k: dtype for k in sent}
    assert got["inf"] == np.inf and got["-inf"] == -np.inf and np.isnan(got["nan"]) and got["one"] == 1.5


class EarlyStopping:
    """Correct early stopping whose best starts as ``np.float64(np.inf)`` (a NumPy scalar)."""

    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.wait, self.epoch = np.float64(np.inf), None, 0, 0

    def step(self, val_loss):
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = np.float64(val_loss), self.epoch, 0
        else:
            self.wait += 1
        self.epoch += 1
        return self.wait >= self.patience


def test_early_stopping_with_a_numpy_inf_gets_full_marks_in_both_paths():
    plain, dl = both_paths(EarlyStopping, EARLY)
    assert not failed(plain) and not failed(dl)


def test_a_report_with_numpy_float32_nan_and_inf_is_judged_case_by_case():
    def sigmoid_in_float32(x):
        x = np.asarray(x, dtype=np.float64)
        out = (1.0 / (1.0 + np.exp(-x))).astype(np.float32)
        if out.size > 5:  # larger inputs: poisoned with float32 NaN and inf
            out.flat[0], out.flat[1] = np.float32(np.nan), np.float32(np.inf)
        return out

    spec = get_spec("lab01_neurons_losses.sigmoid")
    for results in both_paths(sigmoid_in_float32, spec):
        bad = failed(results)
        assert bad and len(bad) < len(results)  # the small cases still pass: nothing failed wholesale
        assert all("NaN or inf where a finite value is expected" in m for _, m in bad), bad


# ------------------------------------------------------------------------ tolerance follows dtype
def dropout_in_float32(x, p, train, rng):
    """Correct inverted dropout that returns float32 (the same draw as the docstring's)."""
    if not 0.0 <= p < 1.0:
        raise ValueError("p must satisfy 0 <= p < 1")
    x = np.asarray(x, dtype=np.float32)
    if not train:
        return x.copy(), np.ones_like(x)
    mask = (rng.random(x.shape) >= p).astype(np.float32) / np.float32(1.0 - p)
    return x * mask, mask


def test_a_float32_dropout_mask_is_judged_at_float32_precision_in_both_paths():
    p = 0.21
    scale32 = np.float32(1.0) / np.float32(1.0 - p)
    assert abs(float(scale32) - 1 / (1 - p)) > 1e-12 * (1 / (1 - p))  # not 1/(1-p) to float64 precision
    plain, dl = both_paths(dropout_in_float32, DROPOUT)
    assert not failed(plain) and not failed(dl)


def test_a_float32_mask_that_is_wrong_at_float32_precision_still_fails():
    def dropout_rounded_scale(x, p, train, rng):
        out, mask = dropout_in_float32(x, p, train, rng)
        mask = np.where(mask > 0, np.float32(round(1.0 / (1.0 - p), 3)), np.float32(0))  # 3 decimals
        return np.asarray(x, dtype=np.float32) * mask, mask

    for results in both_paths(dropout_rounded_scale, DROPOUT):
        assert any("neither 0 nor 1/(1 - p)" in (r.message or "") for r in results)


def test_float32_outputs_are_compared_at_float32_precision_and_only_wrong_values_are_named():
    x = np.linspace(-4, 4, 50)
    exact = 1 / (1 + np.exp(-x))
    right32 = exact.astype(np.float32)  # correctly rounded: off by up to 6e-8 relative
    assert np.max(np.abs(right32 - exact) / exact) > Tolerance(rtol=1e-12).rtol
    assert compare(right32, exact, Tolerance(rtol=1e-12, atol=0)) is None
    wrong = right32.copy()
    wrong[7] *= np.float32(1.001)
    message = compare(wrong, exact, Tolerance(rtol=1e-12, atol=0))
    assert message.startswith("output: 1 of 50 values off") and "index (7,)" in message and "float32" in message
    # a difference of nearly equal numbers, exact to float32 relative to the inputs' magnitude
    diff64 = exact - 0.5
    diff32 = right32 - np.float32(0.5)
    assert compare(diff32, diff64) is None
    assert within(np.float32(1) / np.float32(0.79), 1 / 0.79, Tolerance(rtol=1e-12, atol=0))
    assert not within(1 / 0.79 * (1 + 1e-9), 1 / 0.79, Tolerance(rtol=1e-12, atol=0))  # float64 stays strict


def test_float16_outputs_are_refused_with_a_message():
    message = compare(np.ones(3, dtype=np.float16), np.ones(3))
    assert message == "output has dtype float16, which is too coarse to grade: use float32 or float64"


def test_partial_credit_is_the_same_fraction_in_both_paths_on_the_same_cases():
    """A function right on some cases only: the same cases give the same verdict case by case."""
    def half(x):
        out = 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))
        return out if np.ndim(x) != 1 else out * 1.01

    spec = get_spec("lab01_neurons_losses.sigmoid")
    same_cases = run_cases(half, spec, seed=RUN_SEED)
    dl = dlcourse_grade(half, spec)
    assert [(r.case, r.passed) for r in same_cases] == [(r.case, r.passed) for r in dl]
    assert 0 < score(dl, 1.0) < 1.0 and math.isclose(score(dl, 1.0), score(same_cases, 1.0))
    assert kernel_report(half, spec)["qualname"] == spec.qualname


def test_a_float32_xavier_draw_rounded_up_to_float32_a_is_inside_the_range():
    from autograder.grading.cases.lab04_regularization_init import judge_xavier

    # The larger of the slides' two bounds is a = sqrt(6 / fan_in) = sqrt(6/7) = 0.9258200997725514;
    # float32(a) = 0.92582011222839355 > a
    fan_in, fan_out = 7, 4
    a = math.sqrt(6 / 7)
    assert float(np.float32(a)) > a * (1 + 1e-12)
    case = Case("(7, 4)", (fan_in, fan_out, np.random.default_rng(0)))
    assert judge_xavier(np.full((7, 4), np.float32(a)), None, case) is None
    message = judge_xavier(np.full((7, 4), a * (1 + 1e-9)), None, case)  # float64 keeps the exact range
    assert message.startswith("has values outside [-a, a] with a = sqrt(6 / fan_in)"), message


# ============================================================================ the differential test
# Every catalogue entry (mutants, and variants where a lab has a variants module) graded in process
# both ways on the SAME cases (the run seed's): plain nbgrader's judge path (judging.run_cases, what
# autograder.check runs inside the kernel) and dlcourse grade's path (the kernel's report on the
# cases file, through JSON, scored by scoring.judge_report). The cell's points and every case's
# verdict must be equal. Mutants must lose points, variants must get full marks,
# also on plain nbgrader's own fixed cases (variants; the mutants' fixed cases: test_mutants.py).
#: Trained-model functions (specs judged against fixed tiers, ``reference_needed=False``) train a
#: model per entry: 4-110 s per function's entries on 2 cores (measured: lab 8's train_vae 107 s),
#: minutes per lab. They are skipped here unless this variable is set; the notebook-level test
#: below grades the Torch lab's trained function in both paths on real notebooks.
TRAINED_ENV = "DLCOURSE_DIFFERENTIAL_TRAINED"
POINTS = 2.0  # any cell value: both paths scale the same fraction


def _differential_params():
    params = []
    for lab in catalogue.catalogued_labs():
        specs = {s.name: s for s in specs_for_lab(lab)}
        catalogued = {*catalogue.mutants(lab), *catalogue.variants(lab)}
        functions = [f for f in specs if f in catalogued] + sorted(catalogued - set(specs))  # unknown: fail below
        for function in functions:
            spec = specs.get(function)
            marks = []
            if spec is not None and not spec.reference_needed:
                marks.append(pytest.mark.skipif(not os.environ.get(TRAINED_ENV),
                                                reason=f"trained model: minutes in process; set {TRAINED_ENV}=1"))
            params.append(pytest.param(lab, function, marks=marks, id=f"{lab}.{function}"))
    return params


def _graded_both_ways(entry, spec):
    fn = catalogue.build(entry)
    uses = spec.reference_uses()
    plain = run_cases(fn, spec, uses, seed=RUN_SEED)
    dl = dlcourse_grade(fn, spec, RUN_SEED, uses)
    return fn, uses, plain, dl


@pytest.mark.parametrize("lab,function", _differential_params())
def test_every_catalogue_entry_scores_the_same_in_both_paths(lab, function):
    specs = {s.name: s for s in specs_for_lab(lab)}
    assert function in specs, f"{lab}: catalogue entries for {function}, which is not graded"
    spec = specs[function]
    problems, verdicts = [], {}
    for kind in catalogue.KINDS:
        for entry in catalogue.entries(lab, kind).get(function, {}).values():
            if not catalogue.available(entry):
                continue
            fn, uses, plain, dl = _graded_both_ways(entry, spec)
            verdicts[(kind, entry.name)] = [(r.case, r.passed) for r in dl]
            plain_cell, dl_cell = summary(spec, plain, POINTS), summary(spec, dl, POINTS)
            # Points and every case's verdict; not the messages' wording: a mutant that draws from the
            # global generator instead of the case's returns other numbers on every run, in either path.
            if plain_cell[0] != dl_cell[0] or [(r.case, r.passed) for r in plain] != verdicts[(kind, entry.name)]:
                problems.append(f"{kind} {entry.id}: plain nbgrader {plain_cell} but dlcourse grade {dl_cell}")
                continue
            earned = dl_cell[0]
            if kind == "mutant" and earned >= POINTS:
                problems.append(f"mutant {entry.id} keeps full marks in both paths")
            if kind == "variant":
                if earned < POINTS:
                    problems.append(f"variant {entry.id} loses points in both paths: {dl_cell[1]}")
                else:  # and on plain nbgrader's own (fixed) cases, exactly as the test cell computes them
                    fixed = check_in_process(fn, spec.qualname, POINTS, uses)
                    if fixed < POINTS:
                        problems.append(f"variant {entry.id} loses points on plain nbgrader's fixed cases: {fixed}")
            if entry.equivalent_to is not None:
                twin = verdicts.get((kind, entry.equivalent_to))
                if twin is not None and twin != verdicts[(kind, entry.name)]:
                    problems.append(f"{kind} {entry.id} does not score like {entry.equivalent_to} case by case")
    assert not problems, "\n".join(problems)


# ================================================== the same, through real notebooks (slow: notebook)
# One submission carries one mutant for every function (catalogue.notebook_batch), another one variant
# for every function (where the lab has variants), in the lab's one grading run
# (tests/notebooks/graded_labs.py: real plain `nbgrader autograde` and real `dlcourse grade`, sandboxed
# kernel). The two paths draw different cases (the course's fixed ones; the run seed's), so the check is
# on verdicts: a cell loses points in one path exactly where it loses points in the other, every
# mutated function's own cell loses points, and every variant cell gets full marks.


def _notebook_params():
    from tests.notebooks.graded_labs import BATCH_LABS, group

    return [pytest.param(lab, marks=[pytest.mark.notebook, group(lab)], id=lab) for lab in BATCH_LABS]


def _batch(lab, kind):
    from tests.notebooks.graded_labs import batch_fills, graded

    fills = batch_fills(lab, kind)
    if not fills:
        pytest.skip(f"{lab} has no {kind}s in the catalogue (autograder/grading/catalogue/{kind}s/{lab}.py)")
    result = graded(lab)
    scores = {"plain": result[f"{kind}-batch"], "dlcourse": result["_dlcourse"][f"{kind}-batch"]}
    for path, cells in scores.items():
        assert cells, f"{lab}: the {kind} notebook was not graded by {path}"
    assert scores["plain"].keys() == scores["dlcourse"].keys()
    lost = {path: {cell for cell, (s, m) in cells.items() if s < m} for path, cells in scores.items()}
    assert lost["plain"] == lost["dlcourse"], f"{lab}: the {kind} notebook loses points on other cells per path: {lost}"
    return fills, scores, lost["plain"]


@pytest.mark.parametrize("lab", _notebook_params())
def test_a_notebook_of_mutants_loses_points_on_the_same_cells_in_both_paths(lab):
    fills, scores, lost = _batch(lab, "mutant")
    kept = sorted(f"test_{function}" for function in fills if f"test_{function}" not in lost)
    assert not kept, f"{lab}: mutated functions keep full marks in both paths: {kept} ({scores})"


@pytest.mark.parametrize("lab", _notebook_params())
def test_a_notebook_of_variants_gets_full_marks_in_both_paths(lab):
    fills, scores, lost = _batch(lab, "variant")
    assert not lost, f"{lab}: correct variants lose points on {sorted(lost)} ({scores})"
