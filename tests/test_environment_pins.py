"""requirements.txt and environment.yml pin the same versions; torch is the pinned CPU build."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _pins(text):
    return dict(re.findall(r"^\s*-?\s*([A-Za-z0-9_.-]+)==([\w.+-]+)\s*$", text, flags=re.M))


def test_requirements_and_environment_agree():
    req = _pins((REPO / "requirements.txt").read_text())
    env = _pins((REPO / "environment.yml").read_text())
    assert req, "requirements.txt pins nothing"
    assert req == env, f"differences: {set(req.items()) ^ set(env.items())}"
    assert req["torch"] == "2.13.0"


def test_constraints_agree_with_requirements():
    req = _pins((REPO / "requirements.txt").read_text())
    cons = {k.lower().replace("_", "-"): v for k, v in _pins((REPO / "constraints.txt").read_text()).items()}
    for name, version in req.items():
        assert cons.get(name.lower().replace("_", "-")) == version, f"constraints.txt pins {name} differently"
