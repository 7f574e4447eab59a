"""The report codec: what a grading kernel sends must decode to the same values, and nothing else."""
import base64
import io
import json
import pickle

import numpy as np
import pytest
import torch

from autograder.kernel import reports


def _roundtrip(value):
    return reports.decode(json.loads(json.dumps(reports.encode(value))))


def test_graded_output_types_survive_the_trip_through_json():
    value = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), 3: (1, 2.5, True, None, "s"),
             "scalar": np.float32(0.25), "f64": np.float64(0.5), "flag": np.bool_(True), "nan": float("nan"), "inf": -float("inf"),
             "tensor": torch.tensor([[1.0, 2.0]], dtype=torch.float64), "nested": [[np.int64(7)]]}
    got = _roundtrip(value)
    assert set(got) == set(value)
    assert got["w"].dtype == np.float32 and np.array_equal(got["w"], value["w"])
    assert got[3] == (1, 2.5, True, None, "s") and isinstance(got[3], tuple)
    assert got["scalar"] == 0.25 and got["scalar"].dtype == np.float32 and np.ndim(got["scalar"]) == 0
    assert got["f64"] == 0.5 and type(got["f64"]) is np.float64  # a float subclass, but it stays NumPy's
    assert got["flag"] == np.bool_(True) and np.ndim(got["flag"]) == 0
    assert np.isnan(got["nan"]) and got["inf"] == -np.inf
    assert isinstance(got["tensor"], np.ndarray) and got["tensor"].tolist() == [[1.0, 2.0]]
    assert got["nested"][0][0] == 7


def test_objects_are_reported_by_type_name_only():
    got = _roundtrip({"model": torch.nn.Linear(2, 2), "fn": len})
    assert isinstance(got["model"], reports.Unencodable) and got["model"].type_name == "Linear"
    assert got["fn"].type_name == "builtin_function_or_method"


def test_an_array_that_needs_pickle_is_refused():
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    forged = {"__array__": base64.b64encode(buf.getvalue()).decode()}
    with pytest.raises(reports.ReportError):
        reports.decode(forged)


@pytest.mark.parametrize("forged", [
    {"__pickle__": base64.b64encode(pickle.dumps(print)).decode()},
    {"__array__": "not base64!"},
    {"__tuple__": "x"},
    {"__dict__": [[[1], 2]]},          # an unhashable key
    {"a": 1, "b": 2},                  # an untagged dict
    {"__float__": "1e999x"},
])
def test_malformed_reports_raise_report_error(forged):
    with pytest.raises(reports.ReportError):
        reports.decode(forged)


def test_nesting_is_bounded_both_ways():
    deep = []
    for _ in range(reports.MAX_DEPTH + 5):
        deep = [deep]
    assert "__object__" in json.dumps(reports.encode(deep))
    forged = []
    for _ in range(reports.MAX_DEPTH + 5):
        forged = [forged]
    with pytest.raises(reports.ReportError):
        reports.decode(forged)


def test_parse_fails_a_case_whose_output_is_malformed_and_keeps_the_others():
    payload = {"version": 1, "qualname": "lab.f", "cases": [
        {"case": "a", "output": {"__array__": "not base64!"}},
        {"case": "b", "output": {"__scalar__": reports._array_bytes(np.asarray(np.float32(np.inf)))}},
        {"case": "c", "output": {"__float__": "np.float64(inf)"}}]}
    (a, a_out, a_err), (b, b_out, b_err), (c, c_out, c_err) = reports.parse(payload, "lab.f")["cases"]
    assert a_out is None and a_err.startswith("the reported output could not be read (unreadable array")
    assert b_err is None and b_out == np.inf and type(b_out) is np.float32
    assert c_out is None and "bad float" in c_err


def test_parse_checks_layout_and_qualname():
    payload = {"version": 1, "qualname": "lab.f", "cases": [{"case": "a", "output": 1.5}, {"case": "b", "error": "boom"}]}
    parsed = reports.parse(payload, "lab.f")
    assert parsed["cases"] == [("a", 1.5, None), ("b", None, "boom")] and not parsed["not_implemented"]
    with pytest.raises(reports.ReportError, match="not 'lab.g'"):
        reports.parse(payload, "lab.g")
    with pytest.raises(reports.ReportError):
        reports.parse({**payload, "version": 2}, "lab.f")
    with pytest.raises(reports.ReportError):
        reports.parse({**payload, "cases": [{"output": 1}]}, "lab.f")


def test_a_numpy_generator_travels_by_its_state_and_draws_the_same_numbers():
    rng = np.random.default_rng(7)
    rng.normal(size=5)  # a state past the seed's
    copy = reports.decode(json.loads(json.dumps(reports.encode(rng))))
    assert np.array_equal(copy.normal(size=4), rng.normal(size=4))
    with pytest.raises(reports.ReportError):
        reports.decode({"__rng__": ["x", "1", 0, 0]})


def test_hidden_cases_must_be_data_and_come_back_equal():
    from autograder.kernel.runners import Case, decode_cases, encode_cases

    x = np.arange(6.0).reshape(2, 3)
    case = Case("c", (x, 3, (1.5, "s")), {"h": 0.1, "rng": np.random.default_rng(1)}, checks=2)
    back, = decode_cases(encode_cases({"lab.f": [case]}), "lab.f")
    assert back.name == "c" and back.checks == 2
    assert np.array_equal(back.args[0], x) and back.args[1:] == (3, (1.5, "s"))
    assert back.kwargs["h"] == 0.1 and back.kwargs["rng"].integers(1000) == np.random.default_rng(1).integers(1000)
    with pytest.raises(TypeError, match="not data"):
        encode_cases({"lab.f": [Case("fn", (np.sin, x))]})


def test_non_finite_numpy_floats_nested_in_lists_dicts_and_tuples_keep_their_type_and_value():
    sent = [np.float32(np.nan), {"best": (np.float64(-np.inf), np.array([np.inf, np.nan, 1.0], np.float32))},
            [np.longdouble(np.inf), float("-inf")]]
    got = reports.decode(json.loads(json.dumps(reports.encode(sent), allow_nan=False)))  # strict JSON: no NaN token
    assert type(got[0]) is np.float32 and np.isnan(got[0])
    best = got[1]["best"]
    assert isinstance(best, tuple) and type(best[0]) is np.float64 and best[0] == -np.inf
    assert best[1].dtype == np.float32 and best[1][0] == np.inf and np.isnan(best[1][1]) and best[1][2] == 1.0
    assert type(got[2][0]) is np.longdouble and got[2][0] == np.inf
    assert type(got[2][1]) is float and got[2][1] == -np.inf
