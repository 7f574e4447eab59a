"""A real browser for the page tests: Debian's chromium driven by the pinned ``playwright`` (no browser
download), a loopback HTTP beacon that records any request a page makes, and :func:`visit`, which
opens a page, lets its own scripts (MathJax) finish, hovers and clicks what a payload might hang on,
and says what ran. Tests that use :func:`browser` skip, saying why, where chromium is absent."""
from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import pytest

from tests.cohort.hostile import FAKE_SCORE, PWNED

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "build" / "screenshots"


# --------------------------------------------------------------------------- a loopback beacon

class Beacon:
    """An HTTP server on 127.0.0.1 that records every path asked of it (a request leaving the page)."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def beacon():
    server = Beacon()
    yield server
    server.close()


# --------------------------------------------------------------------------- the browser

def _chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("no chromium on this machine (Debian: apt-get install chromium): the browser checks need it")
    return path


@pytest.fixture(scope="module")
def browser():
    path = _chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements.txt)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def visit(browser, url: str, screenshot: str | None = None) -> dict:
    """Open ``url``, let it settle (MathJax included), poke the payloads; what the page did."""
    page = browser.new_page()
    console, requests, blocked = [], [], []
    page.on("console", lambda m: console.append(m.text))
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: blocked.append(r.url) if r.failure == "csp" else None)
    page.goto(url, wait_until="load")
    page.evaluate("() => (window.MathJax && MathJax.startup && MathJax.startup.promise) || null")
    for element in page.locator("text=hover me").all():
        element.hover()
    for link in page.locator("a[href^='javascript:'], svg a, mjx-container a").all():
        link.click(no_wait_after=True, force=True)
    page.wait_for_timeout(300)
    seen = page.evaluate("""() => ({
        ran: Object.keys(window).filter(k => k.startsWith('%s')).sort(),
        title: document.title,
        first: document.body.firstElementChild ? document.body.firstElementChild.outerHTML.slice(0, 80) : '',
        heading: (document.querySelector('h4') || {}).textContent || '',
        fake: [...document.querySelectorAll('h1')].filter(h => h.textContent.trim() === '%s').length,
        math: document.querySelectorAll('mjx-container').length,
    })""" % (PWNED, FAKE_SCORE))
    if screenshot:  # the top (the grader's score) and the payloads, as a person would see them
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOTS / f"{screenshot}_top.png"))
        if page.locator("text=My answers").count():  # the hostile submission's payload cell
            page.locator("text=My answers").first.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / f"{screenshot}_payloads.png"))
    page.close()
    return dict(seen, console=console, requests=[u for u in requests if u not in blocked])


def remote(requests: list[str]) -> list[str]:
    """The requests that left the machine's files (a CSP-blocked one never left: not listed)."""
    return [u for u in requests if not u.startswith(("file://", "data:"))]
