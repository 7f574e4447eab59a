"""Rendering helpers shared by the review sheets and the cohort pages: the Jinja2 environment of
``autograder/viva/templates/``, Pygments highlighting, the tiny inline Markdown of question texts, PDF.

HTML templates autoescape; the Markdown sheet passes what came from a submission (names, code,
exception messages) through ``md``, ``md_code`` and ``md_fence`` (:mod:`autograder.course.pages`), so
no raw HTML from a submission reaches a Markdown viewer."""
from __future__ import annotations

import html
import logging
import re
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from autograder.course import pages

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: CSP ``img-src`` of the sheets and cohort pages: their own PNGs (file://) and data URIs.
PAGE_IMAGES = "'self' data:"
CODE_CLASS = "hl"


def pct(value: float) -> str:
    """0.876 -> "88%"."""
    return f"{round(100 * float(value)):d}%"


def points(value: float) -> str:
    """Points without float noise: 23.0667 -> '23.07', 2.0 -> '2'."""
    return f"{round(float(value), 2):g}"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.update(pct=pct, points=points, csp_meta=csp_meta)
    env.filters.update(inline_html=inline_html, code_html=code_html, css_string=css_string,
                       md=pages.markdown_text, md_code=pages.markdown_code, md_fence=pages.markdown_fence)
    return env


def csp_meta() -> Markup:
    """The pages' Content-Security-Policy: no script at all, images only from the page's folder or inline."""
    return Markup(pages.csp_meta(images=PAGE_IMAGES))


def base_css() -> str:
    return (TEMPLATES / "base.css").read_text(encoding="utf-8") + "\n" + \
        HtmlFormatter(style="default").get_style_defs(f".{CODE_CLASS}")


def code_html(code: str) -> str:
    """Python source as Pygments HTML (``<div class="hl"><pre>...``)."""
    return highlight(code or "", PythonLexer(), HtmlFormatter(cssclass=CODE_CLASS))


_INLINE = [(re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
           (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
           (re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])"), r"<em>\1</em>")]


def inline_html(text: str) -> str:
    """The light Markdown of the question bank (code, bold, italics, paragraphs) as HTML, escaped."""
    paragraphs = [p for p in re.split(r"\n\s*\n", str(text).strip()) if p.strip()]
    out = []
    for para in paragraphs:
        para = html.escape(para, quote=False)
        for pattern, repl in _INLINE:
            para = pattern.sub(repl, para)
        out.append(para.replace("\n", " "))
    return "</p><p>".join(out)


@contextmanager
def _quiet_weasyprint():
    """Keep WeasyPrint's notices (its font subsetter, deprecations) off stderr; errors still show."""
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"weasyprint\b.*")
            yield
    finally:
        logger.setLevel(level)


def pdf_document(html_text: str, base_url: Path):
    """WeasyPrint's laid-out document of ``html_text`` (``.pages``; ``.write_pdf(path)``)."""
    with _quiet_weasyprint():
        from weasyprint import HTML

        return HTML(string=html_text, base_url=str(base_url)).render()


def write_pdf(html_text: str, path: Path, base_url: Path) -> Path:
    """Render ``html_text`` to an A4 PDF file with WeasyPrint (relative links resolved from ``base_url``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = pdf_document(html_text, base_url)
    with _quiet_weasyprint():
        document.write_pdf(str(path))
    return path


def css_string(text: str) -> str:
    """Text safe inside a double-quoted CSS string (the page footer)."""
    return "".join(ch if ch.isprintable() and ch not in '"\\<>' else " " for ch in str(text))
