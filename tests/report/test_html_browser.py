"""The HTML report in a real headless Chromium: sections and SVGs render, nothing is fetched.

Skipped when no Chromium is installed (``apt-get install chromium``); CI installs it. The page
is loaded from a file with networking off; ``--dump-dom`` prints the DOM after parsing, so the
assertions see what a browser built, not the string we wrote.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from slo_gate.render.report_html import render_report_html
from tests.report.test_render_report import sample_report

CHROMIUM = next(
    (
        p
        for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
        if p and Path(p).exists()
    ),
    None,
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed")


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.tags: dict[str, int] = {}
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name in ("src", "href", "xlink:href", "action", "poster", "data") and value:
                self.refs.append(value)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_chromium_builds_every_section_and_chart_and_fetches_nothing(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_report_html(sample_report()), encoding="utf-8")
    result = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = _Dom()
    dom.feed(result.stdout)
    assert {"performance", "budgets", "incidents", "trends", "coverage"} <= set(dom.ids)
    assert dom.tags.get("svg", 0) >= 5
    assert dom.tags.get("polyline", 0) >= 2  # availability and latency: every day has data
    assert dom.tags.get("circle", 0) >= 11  # bundle sizes every third day: points, no line
    assert dom.tags.get("script", 0) == 0  # the hostile widget name stayed text
    assert all(ref.startswith("https://github.com/") for ref in dom.refs), dom.refs
    assert "<script>alert(1)</script>" not in result.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout


def test_chromium_draws_the_page(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_report_html(sample_report()), encoding="utf-8")
    shot = tmp_path / "shot.png"
    result = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page compresses to far less


@pytest.mark.parametrize("width", [1280, 390])
def test_no_horizontal_overflow_and_no_console_or_csp_error(tmp_path: Path, width: int) -> None:
    """On a desktop and on a phone: the page fits its width (wide tables scroll inside their
    own box), and the browser reports no error, CSP violations included."""
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = tmp_path / "report.html"
    page_file.write_text(render_report_html(sample_report()), encoding="utf-8")
    messages: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
            page.goto(page_file.as_uri())
            scroll, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            charts = page.evaluate("document.querySelectorAll('#budgets svg').length")
        finally:
            browser.close()
    assert scroll <= inner, f"the page is {scroll} px wide in a {inner} px window"
    assert [m for m in messages if m.startswith(("error", "warning", "pageerror"))] == []
    assert charts >= 1  # the error-budget burn-down
