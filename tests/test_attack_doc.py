"""docs/attacks.md's section on the limits and the pages names tests that exist (and says what they do)."""
import ast
import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("attack_table", REPO / "tools" / "attack_table.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_limit_and_page_attack_names_a_test_that_exists_and_the_doc_lists_them():
    tool = _tool()
    doc = (REPO / "docs" / "attacks.md").read_text()
    assert tool.limits_and_pages_section() in doc, "docs/attacks.md is stale: run tools/attack_table.py --outside-only"
    for name, _, _, test in tool.LIMIT_AND_PAGE_ATTACKS:
        path, function = test.split("::")
        tree = ast.parse((REPO / path).read_text())
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert function in defined, f"{name}: {test} does not exist"
