"""What a grading kernel sends back: the outputs of a graded function on this run's hidden cases.

In ``dlcourse grade`` a hidden test cell does not judge anything. It runs the student's function on
the cases drawn for this run and *reports* the outputs as one display output of MIME type
:data:`MIME`. The grading process (outside the kernel) decodes the report, computes the reference's
outputs on the same cases and scores the cell (:mod:`autograder.grading.scoring`).

A report is untrusted data, so the encoding is plain JSON: numbers, strings, lists, and tagged
objects for what JSON lacks. Arrays (NumPy, or torch tensors moved to the CPU) are ``.npy`` bytes in
base64, read back with ``allow_pickle=False``; nothing in a report is ever unpickled or executed.
NumPy scalars keep their type (``np.float64(inf)`` arrives as ``np.float64(inf)``, not as a Python
float). A NumPy generator travels as its PCG64 state (hidden *inputs* use the same codec, see
:mod:`autograder.kernel.runners`). Anything else (a model, a function) is reported by its type name only,
and judged as wrong. A case whose output cannot be decoded fails that case alone (:func:`parse`).

Report layout (``MIME`` payload)::

    {"version": 1, "qualname": "lab01_neurons_losses.sigmoid",
     "cases": [{"case": "<case name>", "output": <encoded>} | {"case": ..., "error": "<message>"}],
     "not_implemented": false}
"""
from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np

MIME = "application/vnd.dlcourse.report+json"
VERSION = 1
MAX_DEPTH = 32
#: Largest report kept per output (bytes of JSON); student output has the smaller per-cell cap.
MAX_BYTES = 32_000_000


class ReportError(ValueError):
    """A report that cannot be decoded (malformed, too deep, an array that needs pickle)."""


def _array_bytes(arr: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, np.array(arr, order="C", copy=True), allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-able data; raises nothing (what cannot be encoded becomes ``{"__object__": type}``)."""
    if depth > MAX_DEPTH:
        return {"__object__": "too deeply nested"}
    if isinstance(value, np.generic) and not isinstance(value, str):  # before float: np.float64 is a
        # float, and must arrive as np.float64 (the value and type the function returned), inf and NaN too
        value = np.asarray(value)
        return {"__scalar__": _array_bytes(value)} if value.dtype != object else {"__object__": "numpy object"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {"__float__": repr(float(value))}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(float(value))}
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return {"__array__": _array_bytes(value)} if value.dtype != object else {"__object__": "numpy object array"}
    if isinstance(value, np.random.Generator):
        return _encode_rng(value)
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return {"__object__": type(value).__name__}


def _encode_rng(rng: np.random.Generator) -> dict:
    """A NumPy generator by its PCG64 state (a hidden case may hand the function its own generator)."""
    state = rng.bit_generator.state
    if state.get("bit_generator") != "PCG64":
        return {"__object__": f"{state.get('bit_generator')} generator"}
    return {"__rng__": [str(state["state"]["state"]), str(state["state"]["inc"]),
                        int(state["has_uint32"]), int(state["uinteger"])]}


def _decode_rng(payload: Any) -> np.random.Generator:
    try:
        state, inc, has_uint32, uinteger = payload
        rng = np.random.Generator(np.random.PCG64())
        rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": int(state), "inc": int(inc)},
                                   "has_uint32": int(has_uint32), "uinteger": int(uinteger)}
    except Exception:
        raise ReportError("bad generator state") from None
    return rng


class Unencodable:
    """Stands for an output that the kernel could not report as data (a model, a function)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def _load_array(text: Any) -> np.ndarray:
    if not isinstance(text, str):
        raise ReportError("array payload is not a string")
    try:
        return np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    except Exception as exc:  # malformed base64 or .npy, or an object array (needs pickle)
        raise ReportError(f"unreadable array ({type(exc).__name__})") from None


def decode(data: Any, depth: int = 0) -> Any:
    """Inverse of :func:`encode`; raises :class:`ReportError` on anything it did not produce."""
    if depth > MAX_DEPTH + 1:
        raise ReportError("report nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise ReportError(f"unexpected {type(data).__name__} in report")
    (tag, payload), = data.items()
    if tag == "__float__":
        if payload not in ("nan", "inf", "-inf") and not isinstance(payload, str):
            raise ReportError("bad float")
        try:
            return float(payload)
        except ValueError:
            raise ReportError("bad float") from None
    if tag == "__array__":
        return _load_array(payload)
    if tag == "__scalar__":
        return _load_array(payload)[()]
    if tag == "__tuple__" and isinstance(payload, list):
        return tuple(decode(v, depth + 1) for v in payload)
    if tag == "__dict__" and isinstance(payload, list):
        out = {}
        for item in payload:
            if not (isinstance(item, list) and len(item) == 2):
                raise ReportError("bad dict item")
            key = decode(item[0], depth + 1)
            try:
                out[key] = decode(item[1], depth + 1)
            except TypeError:
                raise ReportError("unhashable dict key") from None
        return out
    if tag == "__rng__":
        return _decode_rng(payload)
    if tag == "__object__":
        return Unencodable(str(payload)[:80])
    raise ReportError(f"unknown tag {str(tag)[:40]!r}")


def parse(payload: Any, qualname: str) -> dict:
    """Check a report's layout for ``qualname``; return ``{"cases": [(name, output|None, error|None)], ...}``.

    A report whose layout is wrong raises :class:`ReportError` (nothing in it can be trusted to belong
    to a case). A case whose output alone cannot be decoded gets an error naming why, and the other
    cases keep theirs.
    """
    if not isinstance(payload, dict) or payload.get("version") != VERSION:
        raise ReportError("not a version-1 report")
    if payload.get("qualname") != qualname:
        raise ReportError(f"report is for {str(payload.get('qualname'))[:60]!r}, not {qualname!r}")
    cases = payload.get("cases")
    if not isinstance(cases, list):
        raise ReportError("report has no case list")
    parsed = []
    for item in cases:
        if not isinstance(item, dict) or not isinstance(item.get("case"), str):
            raise ReportError("bad case entry")
        if "error" in item:
            parsed.append((item["case"], None, str(item["error"])))
        else:
            try:
                parsed.append((item["case"], decode(item.get("output")), None))
            except ReportError as exc:
                parsed.append((item["case"], None, f"the reported output could not be read ({exc})"))
    return {"cases": parsed, "not_implemented": payload.get("not_implemented") is True}
