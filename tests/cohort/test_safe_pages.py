"""Pages that never run a student's code (issue 14): the feedback page of a submission full of script
payloads (:mod:`tests.cohort.hostile`), opened in a real browser (Debian's chromium, driven by the
pinned ``playwright``), runs none of them, fetches nothing, and shows the grader's score.

The sanitiser and the Content-Security-Policy are each shown to stop the payloads on their own (the
other one removed), and the same payloads in a page with neither are shown to run, so the browser
checks can fail. The whole-course test autogrades one submission with plain nbgrader (~1 min).
"""
from __future__ import annotations

import base64
import html
import hashlib
import re

import pytest

from autograder.course import nbgrader, pages
from tests.browser import SCREENSHOTS, beacon, browser, remote, visit  # noqa: F401  (fixtures)
from tests.cohort.cohort import LAB, clean_fills, make_course
from tests.cohort.hostile import FAKE_SCORE, LOG, PWNED, add_payloads, markdown_payloads

STUDENT = "mallory"


# --------------------------------------------------------------------------- the feedback page

@pytest.fixture(scope="module")
def feedback(tmp_path_factory, beacon):
    """``(page, grader's score, max score)``: mallory (cam plus every payload) autograded, feedback written."""
    from autograder.cohort.feedback import write_feedback
    from autograder.cohort.gradebook import cell_scores

    root = make_course(tmp_path_factory.mktemp("safe_pages"), {STUDENT: clean_fills()["cam"]})
    add_payloads(root / "submitted" / STUDENT / LAB / f"{LAB}.ipynb", f"{beacon.url}/{STUDENT}")
    nbgrader("autograde", LAB, f"--student={STUDENT}", "--force", root=root)
    files, withheld = write_feedback(root, LAB, [STUDENT])
    assert not withheld and len(files) == 1, withheld
    scores = cell_scores(root, LAB, STUDENT)
    return files[0], sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())


@pytest.mark.notebook
@pytest.mark.xdist_group("safe_pages")
def test_feedback_page_holds_no_script_but_its_own(feedback):
    page, _, _ = feedback
    text = page.read_text(encoding="utf-8")
    assert f"{PWNED}md_script" in text and f"{PWNED}javascript" in text  # the payloads are on the page, as text
    assert pages.own_scripts_only(text, pages.MATHJAX_SCRIPTS) == []
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", text, flags=re.I), "an event-handler attribute"
    assert not re.search(r"""(href|src|action|data)\s*=\s*["']?\s*javascript:""", text, flags=re.I)
    assert not re.search(r"<(iframe|object|embed|form|base|link|style)\b", text.split("</head>")[1], flags=re.I)
    assert not re.search(r"<meta\b[^>]*refresh", text, flags=re.I)
    csp = re.search(r'<meta content="([^"]+)" http-equiv="Content-Security-Policy"', text)
    assert csp and text.index("Content-Security-Policy") < text.index("<script")
    for script in pages.MATHJAX_SCRIPTS:  # the policy runs exactly the page's two scripts, by hash
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp.group(1)
    assert "'unsafe-inline'" not in csp.group(1).split("script-src")[1].split(";")[0]
    assert (page.parent / pages.MATHJAX_FILE).is_file()  # MathJax next to the page, not from a CDN


@pytest.mark.notebook
@pytest.mark.xdist_group("safe_pages")
def test_hostile_feedback_page_runs_no_student_script_in_a_browser(feedback, browser, beacon):
    page, score, max_score = feedback
    seen = visit(browser, page.as_uri(), screenshot="feedback_hostile")
    assert seen["ran"] == [], f"student scripts ran: {seen['ran']}"
    assert not [m for m in seen["console"] if LOG in m], seen["console"]
    assert seen["title"] == LAB and seen["fake"] == 0 and seen["first"].startswith('<a name="top">'), seen
    assert f"(Score: {round(score, 2):.1f} / {round(max_score, 2):.1f})" in seen["heading"], (seen["heading"], score)
    assert 0 < score < max_score  # cam's half, not the 28/28 the payloads claim
    assert seen["math"] >= 2, "MathJax (the page's own script) did not typeset the student's math"
    assert remote(seen["requests"]) == [] and f"/{STUDENT}" not in "".join(beacon.hits), remote(seen["requests"])


@pytest.mark.notebook
@pytest.mark.xdist_group("safe_pages")
def test_ta_report_of_a_hostile_name_runs_nothing_in_a_browser(feedback, browser, tmp_path):
    """The TA report escapes names (and carries the scriptless CSP): a student named like a payload."""
    from nbgrader.api import Gradebook

    from autograder.cohort.gradebook import db_url
    from autograder.cohort.report import write_report

    page, _, _ = feedback
    root = page.parents[3]
    with Gradebook(db_url(root)) as gb:
        gb.update_or_create_student(STUDENT, first_name=f"<script>window.{PWNED}report=1</script>",
                                    last_name=f'<img src=x onerror="window.{PWNED}report_img=1">')
    report = write_report(root, LAB, tmp_path / "report")
    text = report.read_text(encoding="utf-8")
    assert pages.own_scripts_only(text, ()) == [] and "script-src 'none'" in html.unescape(text)
    seen = visit(browser, report.as_uri(), screenshot="report_hostile")
    assert seen["ran"] == [] and remote(seen["requests"]) == [], seen


# --------------------------------------------------------------------------- each defence alone

def _page(body: str, head: str = "") -> str:
    return f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}<title>t</title></head><body><a name="top"></a>{body}</body></html>'


def test_the_same_payloads_run_in_a_page_with_neither_defence(browser, beacon, tmp_path):
    """The control: without sanitiser and CSP the payloads do run, so the checks above can fail."""
    raw = tmp_path / "raw.html"
    raw.write_text(_page(markdown_payloads(beacon.url)), encoding="utf-8")
    seen = visit(browser, raw.as_uri())
    assert {f"{PWNED}md_script", f"{PWNED}md_onerror"} <= set(seen["ran"]), seen["ran"]
    assert seen["title"] == FAKE_SCORE and any(LOG in m for m in seen["console"])
    assert remote(seen["requests"]), "the control page should have tried the beacon"


def test_the_csp_alone_stops_the_payloads(browser, beacon, tmp_path):
    """No script runs and nothing is fetched; only ``<meta http-equiv=refresh>``, a navigation that no
    CSP governs, still leaves (the sanitiser removes it: the test below and the feedback page's)."""
    page = tmp_path / "csp_only.html"
    page.write_text(_page(markdown_payloads(beacon.url), head=pages.csp_meta(pages.MATHJAX_SCRIPTS)), encoding="utf-8")
    before = len(beacon.hits)
    seen = visit(browser, page.as_uri())
    assert seen["ran"] == [] and seen["title"] == "t" and not [m for m in seen["console"] if LOG in m], seen
    assert remote(seen["requests"]) == [f"{beacon.url}/refresh"] and beacon.hits[before:] == ["/refresh"], \
        (remote(seen["requests"]), beacon.hits[before:])


def test_the_sanitiser_alone_stops_the_payloads(browser, beacon, tmp_path):
    page = tmp_path / "sanitised_only.html"
    page.write_text(_page(pages.sanitize(markdown_payloads(beacon.url))), encoding="utf-8")
    before = len(beacon.hits)
    seen = visit(browser, page.as_uri())
    assert seen["ran"] == [] and seen["title"] == "t" and seen["fake"] == 0, seen
    assert remote(seen["requests"]) == [] and beacon.hits[before:] == [], remote(seen["requests"])


# --------------------------------------------------------------------------- the sanitiser, in-process

@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>", "<SCRIPT SRC=//x/a.js></SCRIPT>", "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>", "<a href=' JaVaScRiPt:alert(1)'>x</a>", "<a href='data:text/html,<script>'>x</a>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>", "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>", "<object data=x.swf>", "<embed src=x>", "<form action=//x><button>go</button></form>",
    "<meta http-equiv=refresh content='0;url=//x'>", "<base href=//x/>", "<link rel=stylesheet href=//x>",
    "<style>@import '//x'</style>", "<div style='background:url(//x)'>x</div>", "<img src='http://127.0.0.1:9/x'>",
    "<div class='navbar-fixed-top'>my score: 28/28</div>", "<div style='margin-top:-900px'>x</div>", "<p id=top>x</p>",
    "<script><img src=x onerror=alert(1)></script>", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
])
def test_sanitize_leaves_nothing_that_runs_or_fetches(payload):
    out = pages.sanitize(payload)
    tags = re.findall(r"<\s*([a-z]+)([^>]*)>", out, flags=re.I)
    assert all(t.lower() in pages.ALLOWED_TAGS for t, _ in tags), out
    attrs = " ".join(a for _, a in tags)
    assert not re.search(r"\bon[a-z]+\s*=|javascript:|data:text|url\(|//x|127\.0\.0\.1|navbar|margin|\bid=", attrs, re.I), out


def test_sanitize_keeps_the_students_formatting():
    png = "data:image/png;base64,iVBORw0KGgo="
    md = (f'<h2>Results</h2><p><b>bold</b> <code>x</code> <a href="https://example.org/a">ref</a> <a href="#s">up</a></p>'
          f'<table><thead><tr><th>a</th></tr></thead><tbody><tr><td colspan="2">1</td></tr></tbody></table>'
          f'<img src="{png}" alt="plot"><span class="k">def</span><span style="color: red;">red</span>')
    assert pages.sanitize(md) == md
    assert pages.sanitize("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"  # kept, as text
