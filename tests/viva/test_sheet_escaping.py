"""The viva sheets carry no raw HTML from a submission (issue 14): a student whose name, code and
exception messages are script payloads gets a Markdown sheet that an independent CommonMark + GFM
renderer (mistune, nbconvert's own) turns into HTML without a single tag from the student, and
whose tables and code blocks keep their shape. In-process, no notebook runs."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone

import mistune

from autograder.course import pages
from autograder.viva.bank import questions_for
from autograder.viva.records import Failure, FunctionRecord, LabRecord, StudentRecord
from autograder.viva.selection import Chosen
from autograder.viva.sheets import Flag, LabView, Sheet, render_html, render_markdown
from tests.browser import browser, remote, visit  # noqa: F401  (fixture)

LAB = "lab01_neurons_losses"
SCRIPT = "<script>window.__pwned_sheet=1</script>"
IMG = '<img src=x onerror="window.__pwned_sheet_img=1">'
LINK = "[my score: 28/28](javascript:window.__pwned_sheet_link=1)"
CODE = f'def sigmoid(z):\n    """{SCRIPT}\n```\n{IMG}\n```"""\n    return 1 / (1 + np.exp(-z))\n'


def hostile_sheet() -> Sheet:
    functions = [
        FunctionRecord(f"sig|moid`{SCRIPT}", 0.0, 2.0, CODE, 0, 3, [Failure(f"case {IMG}", f"{SCRIPT} {LINK}")],
                       errors=[f"ValueError: {IMG}\n# a heading\n| a | b |"]),
        FunctionRecord("relu", 1.0, 1.0, "def relu(x):\n    return np.maximum(x, 0)\n", 4, 4),
    ]
    lab = LabRecord(LAB, 1.0, 3.0, functions, datetime(2026, 11, 20, tzinfo=timezone.utc), None, 0.0, 0.0,
                    notes=[f"note {SCRIPT}"])
    student = StudentRecord(f"mal{SCRIPT}", f"Mallory {IMG}", f"| {LINK}", [lab], [LAB])
    view = LabView(lab, "Neurons and losses", [Flag(f"eve{IMG}", 0.9, 0.8, [f"sig`{SCRIPT}"])],
                   {functions[0].name: f"looks copied: 90% of it also in eve{IMG}'s notebook"}, f"../similarity/{LAB}.html")
    question = questions_for(LAB, "sigmoid")[0]
    return Sheet(student, [view], [Chosen(question, 1.0, (f"lost 100% of the points of {functions[0].name}",))], 0.5,
                 {LAB: {f.name for f in functions}})


def test_markdown_sheet_renders_no_tag_from_the_submission():
    md = render_markdown(hostile_sheet())
    rendered = mistune.create_markdown(escape=False, plugins=["table"])(md)
    assert "__pwned" in rendered  # the payloads are on the sheet, as text
    assert not re.search(r"<(script|img|iframe|svg)\b", rendered, flags=re.I), rendered
    assert not re.search(r"<a\b[^>]*javascript:", rendered, flags=re.I)
    assert "&lt;script&gt;" in rendered or "&lt;script>" in rendered
    # the tables keep their columns: a '|' in a name or a message does not split a cell
    for table in re.findall(r"<table>.*?</table>", rendered, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        assert len({len(re.findall(r"<t[hd][ >]", r)) for r in rows}) == 1, table
    # the student's code stays one code block, whatever fences it holds
    blocks = re.findall(r'<pre><code class="language-python">(.*?)</code></pre>', rendered, flags=re.S)
    assert len(blocks) == 2 and "return 1 / (1 + np.exp(-z))" in blocks[0] and "```" in blocks[0], blocks
    # no heading other than the sheet's own (the exception's '# a heading' stayed in its list item)
    assert "a heading</h1>" not in rendered


def test_html_sheet_escapes_the_same_submission():
    page = render_html(hostile_sheet())
    assert pages.own_scripts_only(page, ()) == []
    assert not re.search(r"<img\b[^>]*onerror", page, flags=re.I) and "&lt;script&gt;" in page


def test_html_sheet_runs_nothing_in_a_browser(browser, tmp_path):
    page = tmp_path / "sheet.html"
    page.write_text(render_html(hostile_sheet()), encoding="utf-8")
    text = html.unescape(page.read_text(encoding="utf-8"))
    assert 'http-equiv="Content-Security-Policy"' in text and "script-src 'none'" in text
    seen = visit(browser, page.as_uri(), screenshot="viva_sheet_hostile")
    assert seen["ran"] == [] and remote(seen["requests"]) == [], seen
    assert seen["title"].startswith("Viva review sheet: Mallory <img")  # the name, shown as text


def test_markdown_helpers():
    assert pages.markdown_text("a <b> & c > d](x)") == "a &lt;b> & c > d]\\(x)"
    assert pages.markdown_text("x | y\nz", table=True) == "x \\| y z"
    assert pages.markdown_code("a``b") == "```a``b```" and pages.markdown_code("`x") == "`` `x ``"
    assert pages.markdown_fence("x\n````\ny") == "`````python\nx\n````\ny\n`````"
