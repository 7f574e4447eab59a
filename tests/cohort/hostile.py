"""A lab 1 submission full of script payloads, for the safe-pages tests (tests/cohort/test_safe_pages.py).

"mallory" is the clean student "cam" (first half of the functions solved) plus cells that try to run
JavaScript in whoever opens the feedback page: ``<script>`` in markdown, an ``onerror`` image, a
``javascript:`` link, an iframe, SVG with a script, ``HTML(...)``, ``Javascript(...)``, ``SVG(...)``
and ``Markdown(...)`` outputs, a widget view, a fake "my score: 28/28" written into the page, and
references to a loopback URL (:data:`BEACON`) that would show a request leaving the page.

Every payload that runs sets ``window.__pwned_<what> = 1`` and logs ``STUDENT-<what>`` on the console,
so a test can see exactly which of them ran.
"""
from __future__ import annotations

import nbformat

PWNED = "__pwned_"
LOG = "STUDENT-"
FAKE_SCORE = "my score: 28/28"


def _js(what: str) -> str:
    """Script that marks ``what`` as run and writes the fake score into the page (no ``<``: it fits XML)."""
    return (f"window.{PWNED}{what}=1;console.log('{LOG}{what}');document.title='{FAKE_SCORE}';"
            f"var h=document.createElement('h1');h.textContent='{FAKE_SCORE}';document.body.prepend(h)")


def markdown_payloads(beacon: str) -> str:
    """Markdown with every way to carry a script into rendered HTML."""
    return "\n\n".join([
        "# My answers\n\nThe loss is $\\sum_i (y_i - \\hat y_i)^2$ and $$\\frac{1}{n}\\sum_i x_i$$",
        f"<script>{_js('md_script')}</script>",
        f"<img src=\"x\" onerror=\"{_js('md_onerror')}\">",
        f"<a href=\"javascript:{_js('md_link')}\" id=\"jslink\">click for my score</a>",
        f"[a markdown link](javascript:{_js('md_mdlink')})",
        f"<iframe srcdoc=\"<script>parent.{PWNED}iframe=1</script>\"></iframe>",
        f"<svg><script>{_js('md_svg')}</script><circle r=\"5\" onload=\"{_js('md_svg_onload')}\"/></svg>",
        f"<div onmouseover=\"{_js('md_hover')}\" style=\"background:url({beacon}/css)\">hover me</div>",
        f"<img src=\"{beacon}/img\"><object data=\"{beacon}/object\"></object><embed src=\"{beacon}/embed\">",
        f"<form action=\"{beacon}/form\"><input name=\"q\"><button id=\"send\">send</button></form>",
        f"<style>body {{ background: url({beacon}/style) }}</style><link rel=\"stylesheet\" href=\"{beacon}/link\">",
        f"<meta http-equiv=\"refresh\" content=\"0;url={beacon}/refresh\"><base href=\"{beacon}/\">",
        f"$\\href{{javascript:{_js('tex_href')}}}{{\\text{{math link}}}}$",
    ])


def code_payloads(beacon: str) -> str:
    """A code cell whose outputs carry scripts (the kernel really displays them during autograde)."""
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='20' height='20' onload=\"{_js('svg_onload')}\">"
           f"<script>{_js('svg_script')}</script><rect width='20' height='20'/></svg>")
    widget = {"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                          "model_id": "0123"},
              "text/plain": "a widget"}
    displays = [
        ("HTML", f"<script>{_js('html_script')}</script>"),
        ("HTML", f"<img src=x onerror=\"{_js('html_onerror')}\">"),
        ("HTML", f"<iframe src=\"{beacon}/frame\"></iframe>"),
        ("Javascript", _js("javascript")),
        ("SVG", svg),
        ("Markdown", f"<script>{_js('markdown_output')}</script>"),
    ]
    return "\n".join(["from IPython.display import HTML, SVG, Javascript, Markdown, display"]
                     + [f"display({kind}({payload!r}))" for kind, payload in displays]
                     + [f"display({widget!r}, raw=True)", f"print({'<script>' + _js('stdout') + '</script>'!r})"])


def add_payloads(path, beacon: str) -> None:
    """Append the payload cells to the submitted notebook at ``path`` (after the student's answers)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(markdown_payloads(beacon)))
    nb.cells.append(nbformat.v4.new_code_cell(code_payloads(beacon)))
    nbformat.write(nb, path)
