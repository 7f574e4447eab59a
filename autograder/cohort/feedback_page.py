"""nbgrader's feedback page made safe to open: no script from a submission runs in the reader's browser.

``nbgrader generate_feedback`` (plain, or under ``dlcourse feedback``) renders each autograded notebook
with nbconvert's HTMLExporter and nbgrader's ``feedback`` template, which keeps a student's
``<script>`` in markdown, ``HTML(...)``, ``Javascript(...)`` and widget outputs live. :func:`configure`
(called from ``nbgrader_config.py``) switches it to ``templates/dlcourse_feedback/safe_index.html.j2``, which extends
nbgrader's template and

- passes the student's markdown, HTML and Markdown outputs, raw cells and the TA's comments through
  :func:`autograder.course.pages.sanitize` (an allow-list: what is not allowed is shown as text);
- replaces Javascript outputs and widgets by a notice, and shows SVG as an ``<img>`` (no script runs);
- puts a Content-Security-Policy right after ``<meta charset>``: only the page's own two MathJax
  scripts run (by hash), nothing is fetched from the network;
- loads MathJax from a copy next to the page (:data:`autograder.course.pages.MATHJAX_FILE`), which
  :class:`SafeFeedbackPage` puts in each ``feedback/<student>/<lab>/`` folder (a hard link where the
  file system allows it). Without the copy the page still works, math shown as TeX source.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from autograder.course import pages

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "dlcourse_feedback"
#: Not ``index.html.j2``: it extends nbgrader's file of that name, found next in the template search path.
TEMPLATE_FILE = "safe_index.html.j2"


def nbgrader_templates() -> Path:
    """nbgrader's own template folder (holds the ``feedback`` template ours extends)."""
    import nbgrader

    return Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"


def page_head() -> str:
    """What goes right after ``<meta charset>``: the CSP, then MathJax's config and loader."""
    return pages.csp_meta(pages.MATHJAX_SCRIPTS) + "\n" + pages.mathjax_head(pages.MATHJAX_FILE)


#: Bootstrap's icon font, which nbgrader's inlined ``bootstrap.min.css`` loads from a ``../fonts/`` folder
#: that no feedback page has (the page uses no icon): without the rule the browser asks for nothing.
_ICON_FONT = re.compile(r"@font-face\s*\{[^}]*Glyphicons[^}]*\}")


def without_icon_font(css_and_html: str) -> str:
    """``css_and_html`` without the ``@font-face`` of Bootstrap's Glyphicons (a dangling ``../fonts/`` link)."""
    return _ICON_FONT.sub("", css_and_html)


def place_mathjax(folder: Path) -> Path | None:
    """MathJax in ``folder`` (a hard link to the installed copy, else a copy); its path, or ``None``."""
    source = pages.mathjax_source()
    if source is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / pages.MATHJAX_FILE
    if dest.is_file() and dest.stat().st_size == source.stat().st_size:
        return dest
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        return pages.copy_mathjax(folder)
    tmp.replace(dest)
    return dest


class SafeFeedbackPage(Preprocessor):
    """Gives the template its safe ``<head>`` and puts MathJax into the page's feedback folder."""

    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        resources["dlcourse"] = {"head": page_head()}
        info = resources.get("nbgrader") or {}
        if info.get("student") and info.get("assignment"):
            from nbgrader.coursedir import CourseDirectory

            coursedir = CourseDirectory(config=self.config)
            folder = Path(coursedir.format_path(coursedir.feedback_directory, info["student"], info["assignment"]))
            try:
                place_mathjax(folder)
            except OSError as exc:  # the page stays safe and readable; math shows as TeX source
                self.log.warning("MathJax not copied to %s: %s", folder, exc)
        return nb, resources


def configure(c) -> None:
    """Point nbgrader's ``GenerateFeedback`` (config ``c``) at the safe template, filter and head."""
    c.HTMLExporter.template_name = TEMPLATE_NAME
    c.HTMLExporter.template_file = TEMPLATE_FILE
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates())]
    c.HTMLExporter.filters = {"safe_html": pages.sanitize, "without_icon_font": without_icon_font}
    c.HTMLExporter.sanitize_html = True  # nbconvert's own switch: no widget state or JS in base blocks
    preprocessors = list(c.GenerateFeedback.preprocessors) if "preprocessors" in c.GenerateFeedback else []
    c.GenerateFeedback.preprocessors = preprocessors + [SafeFeedbackPage]
