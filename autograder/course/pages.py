"""Pages that never run a student's code: an allow-list HTML sanitiser, a Content-Security-Policy that
lets only the page's own scripts run (by hash), and MathJax served from a local copy.

Every HTML page the course writes from submissions (feedback, the TA report, viva sheets, similarity
pages) is opened by a TA or a student in a browser, from ``file://`` and offline. What came from a
submission is either escaped text or passes :func:`sanitize` (an allow-list: formatting tags, tables,
images as ``data:`` URIs, links to http(s), mailto and fragments; no script, style element, event
attribute, form, frame, object or remote image); and each page carries :func:`csp_meta`, under which
the browser runs no script but those whose hashes it lists (``'strict-dynamic'`` lets MathJax, loaded
by one of them, run too) and fetches nothing from the network: a payload that slipped past the
sanitiser still would not run.

MathJax 3 (``tex-svg-full.js``: every TeX extension and its fonts in one file, SVG output, so nothing
else is loaded) ships in the pinned PyPI package ``django-static-mathjax`` (an importable ``mathjax``
package holding MathJax's own files; Django is not needed). :func:`copy_mathjax` copies it next to
the pages; :func:`mathjax_head` is the two scripts that load it from there.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
import shutil
from functools import lru_cache
from pathlib import Path

import bleach
from bleach.css_sanitizer import CSSSanitizer

ALLOWED_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var"})
_COMMON_ATTRS = {"title", "align", "lang", "dir", "style"}
#: Classes a submission may use: Pygments' token classes (markdown code blocks), nbconvert's and pandas'
#: own. Not the page's (Bootstrap's ``navbar-fixed-top``, ``affix``, ``pull-right``...): a submission
#: must not lay its text over the grader's score. No ``id`` either (it would capture the page's anchors).
_CLASS = re.compile(r"^(?:[a-z]{1,3}[0-9]?|highlight|hll|anchor-link|dataframe|language-[\w-]+|math)$")
_PAGE_CLASSES = frozenset({"row", "nav", "btn", "col", "nbg", "top", "in", "fade", "hide", "show", "lead",
                           "well", "caret", "close", "sr"})
_IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml)(;[a-z0-9=.+-]+)*,", re.IGNORECASE)
_LINK = re.compile(r"^(https?:|mailto:|#|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)
_CSS = CSSSanitizer(allowed_css_properties=frozenset({
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family", "text-align",
    "text-decoration", "vertical-align", "white-space", "width", "height", "max-width", "min-width", "padding",
    "padding-left", "padding-right", "padding-top", "padding-bottom", "border", "border-collapse", "border-color", "border-style", "border-width",
    "display", "text-indent", "line-height"}))  # no margins: a negative one moves text over the page's


def _classes_allowed(value: str) -> bool:
    return all(_CLASS.match(c) and c not in _PAGE_CLASSES for c in value.split())


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if name in _COMMON_ATTRS:
        return True
    if name == "class":
        return _classes_allowed(value)
    if tag == "a":
        return name in ("name", "rel") or (name == "href" and bool(_LINK.match(value.strip())))
    if tag == "img":
        return name in ("alt", "width", "height") or (name == "src" and bool(_IMAGE_DATA.match(value.strip())))
    if tag in ("td", "th"):
        return name in ("colspan", "rowspan", "scope")
    if tag == "ol":
        return name in ("start", "type")
    if tag in ("col", "colgroup"):
        return name == "span"
    if tag == "details":
        return name == "open"
    return False


@lru_cache(maxsize=1)
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(tags=ALLOWED_TAGS, attributes=_attribute_allowed,
                          protocols=frozenset({"http", "https", "mailto", "data"}), strip=False,
                          strip_comments=True, css_sanitizer=_CSS)


def sanitize(fragment) -> str:
    """An HTML fragment from a submission, with only allow-listed markup left (the rest escaped, shown as text)."""
    text = fragment.decode("utf-8", "replace") if isinstance(fragment, bytes) else str(fragment or "")
    return _cleaner().clean(text)


def sha256_source(script: str) -> str:
    """The CSP source expression of an inline script's hash."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def csp(scripts: tuple[str, ...] = (), images: str = "data:") -> str:
    """A policy that runs only ``scripts`` (inline, by hash; and what they load) and fetches nothing
    remote: images from ``images`` (``data:`` by default), styles inline, no fonts but data URIs."""
    script_src = " ".join([sha256_source(s) for s in scripts] + ["'strict-dynamic'"]) if scripts else "'none'"
    return (f"default-src 'none'; script-src {script_src}; style-src 'unsafe-inline'; img-src {images}; "
            "font-src data:; connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; "
            "worker-src 'none'; base-uri 'none'; form-action 'none'")


def csp_meta(scripts: tuple[str, ...] = (), images: str = "data:") -> str:
    """``<meta http-equiv="Content-Security-Policy" ...>``: the first element of a page's ``<head>``."""
    return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp(scripts, images))}">'


# --------------------------------------------------------------------------- MathJax, locally

MATHJAX_FILE = "tex-svg-full.js"
MATHJAX_CONFIG = (
    "window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
    "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, processEnvironments: true, tags: 'ams'}, "
    "svg: {fontCache: 'global'}, options: {enableMenu: false}, startup: {typeset: true}};")
#: Loads MathJax from the ``data-src`` of its own script element, so that one hash serves every page.
MATHJAX_LOADER = (
    "(function () { var me = document.currentScript, s = document.createElement('script'); "
    "s.src = me.getAttribute('data-src'); s.async = true; document.head.appendChild(s); })();")
MATHJAX_SCRIPTS = (MATHJAX_CONFIG, MATHJAX_LOADER)


def mathjax_source() -> Path | None:
    """MathJax's single-file build in the installed ``mathjax`` package, or ``None``."""
    try:
        import mathjax
    except ImportError:
        return None
    path = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / MATHJAX_FILE
    return path if path.is_file() else None


def copy_mathjax(folder: Path) -> Path | None:
    """Copy MathJax into ``folder`` (once; again when the installed copy changed); its path, or ``None``."""
    source = mathjax_source()
    if source is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / MATHJAX_FILE
    if not dest.is_file() or dest.stat().st_size != source.stat().st_size:
        tmp = dest.with_suffix(".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(dest)
    return dest


def mathjax_head(url: str) -> str:
    """The two scripts that configure MathJax and load it from ``url`` (relative to the page)."""
    return (f"<script>{MATHJAX_CONFIG}</script>\n"
            f'<script data-src="{html.escape(url)}">{MATHJAX_LOADER}</script>')


def own_scripts_only(page: str, scripts: tuple[str, ...]) -> list[str]:
    """The ``<script>`` elements of ``page`` whose content is not one of ``scripts`` (should be none)."""
    found = re.findall(r"<script\b[^>]*>(.*?)</script\s*>", page, flags=re.IGNORECASE | re.DOTALL)
    opened = len(re.findall(r"<script\b", page, flags=re.IGNORECASE))
    foreign = [s[:80] for s in found if s not in scripts]
    if opened != len(found):
        foreign.append("an unclosed <script>")
    return foreign


# --------------------------------------------------------------------------- Markdown from submissions

_MD_TABLE = str.maketrans({"|": "\\|"})


def markdown_text(text, table: bool = False) -> str:
    """Submission text (a name, an exception message) as inline Markdown that renders as that text:
    every ``<`` an entity (no raw HTML: ``<script>`` shows, never runs; ``&`` and ``>`` alone open
    nothing), no link syntax, one line; ``|`` escaped in tables."""
    out = " ".join(str(text).split()).replace("<", "&lt;").replace("](", "]\\(")
    return out.translate(_MD_TABLE) if table else out


def markdown_code(text, table: bool = False) -> str:
    """``text`` as one inline code span (its content is never HTML), delimited by more backticks than
    any run inside it; one line; ``|`` escaped in tables (GitHub's tables split on it even in code)."""
    body = " ".join(str(text).split())
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body else ""
    out = f"{ticks}{pad}{body}{pad}{ticks}"
    return out.translate(_MD_TABLE) if table else out


def markdown_fence(code, language: str = "python") -> str:
    """``code`` as a fenced block that no line of it can close (the fence is longer than any in it)."""
    code = str(code).rstrip("\n")
    longest = max((len(r) for r in re.findall(r"^[ \t]*(`{3,}|~{3,})", code, flags=re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"
