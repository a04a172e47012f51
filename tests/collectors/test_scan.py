"""The linear scanners find what the old expressions and ``html.parser`` found, without their
worst cases (issue 12). Timing lives in ``benchmarks/hostile.py``; here the pathological inputs
are run for their results (a regression to backtracking would stall these tests for minutes).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slo_gate.collectors import widgets
from slo_gate.collectors.paths import glob_match, glob_regex, walk
from slo_gate.collectors.scan import HtmlScan, LineIndex, css_specifiers, js_specifiers
from slo_gate.collectors.widgets import resolve_widgets
from slo_gate.config.policy import BundlesPolicy

# The expressions the tokenizer replaces, kept here as the reference on ordinary input.
OLD_STATIC = re.compile(
    r"""(?:^|[^\w$.])(?:import|export)\s*(?:[\w$*{}\s,]*?\s*\bfrom\s*)?(["'])([^"'\n\r]+?)\1"""
)
OLD_DYNAMIC = re.compile(r"""(?:^|[^\w$.])import\s*\(\s*(["'])([^"'\n\r]+?)\1\s*\)""")


def old_js(text: str, dynamic: bool) -> list[tuple[str, int]]:
    found = []
    for pattern in [OLD_STATIC, *([OLD_DYNAMIC] if dynamic else [])]:
        for match in pattern.finditer(text):
            found.append((match.group(2), text.count("\n", 0, match.start(2)) + 1))
    return found


class OldHtml(HTMLParser):
    """The ``html.parser`` collector the scanner replaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, int]] = []
        self.inline_modules: list[tuple[str, int]] = []
        self._in_module: int | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k.lower(): (v or "") for k, v in attrs}
        line = self.getpos()[0]
        if tag == "script":
            if found.get("src"):
                self.refs.append((found["src"], line))
            elif found.get("type", "").lower() == "module":
                self._in_module = line
                self._buffer = []
        elif tag == "link":
            rels = found.get("rel", "").lower().split()
            if found.get("href") and ("stylesheet" in rels or "modulepreload" in rels):
                self.refs.append((found["href"], line))

    def handle_data(self, data: str) -> None:
        if self._in_module is not None:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_module is not None:
            self.inline_modules.append(("".join(self._buffer), self._in_module))
            self._in_module = None


JS_TOKENS = [
    "import",
    "export",
    "from",
    " ",
    "  ",
    "\n",
    '"./a.js"',
    "'./b.js'",
    '"',
    "'",
    "{a, b}",
    "* as ns",
    "x",
    "$",
    ".",
    ";",
    "(",
    ")",
    "import(",
    "fromx",
    "\t",
    "/*c*/",
    "é",
]


@settings(max_examples=400, derandomize=True)
@given(st.lists(st.sampled_from(JS_TOKENS), max_size=24), st.booleans())
def test_js_tokenizer_finds_what_the_old_expression_found(tokens: list[str], dyn: bool) -> None:
    text = "".join(tokens)
    assert js_specifiers(text, dyn, LineIndex(text)) == old_js(text, dyn)


@pytest.mark.parametrize(
    "text",
    [
        'import a from"./a.js";import{b as c}from\'./b.js\';export*from"./c.js";import"./d.js"',
        'import x, { y } from "./x.js"\nimport.meta.url; a.import("./no.js"); import("./dyn.js")',
        'export { a } from "./a.js"\n\n  import * as b from "../b.js"\nconst s = "import \'x\'"',
        'import {\n  a,\n  b,\n} from "./multi.js";\nimport "./side.js"',
    ],
)
def test_ordinary_modules_scan_as_before(text: str) -> None:
    for dynamic in (False, True):
        assert js_specifiers(text, dynamic, LineIndex(text)) == old_js(text, dynamic)


HTML_TOKENS = [
    '<script type="module" crossorigin src="/assets/a.js"></script>',
    "<script src=/assets/b.js></script>",
    '<SCRIPT SRC="/assets/c.js"></SCRIPT>',
    '<link rel="stylesheet" href="/assets/a.css">',
    "<link rel=modulepreload href='/assets/m.js'>",
    '<link rel="icon" href="/favicon.ico">',
    '<link rel="stylesheet preload" href="/assets/a&amp;b.css" />',
    '<script type="module">import "./inline.js";\nimport("./lazy.js")</script>',
    "<script>var s = '<link rel=stylesheet href=/no.css>'</script>",
    '<style>@import "/in-style.css"; a { b: "<link rel=stylesheet href=/no.css>" }</style>',
    "<!-- <script src=/commented.js></script> -->",
    "<a href=\"x>y\" title='<script src=/no.js>'>a</a>",
    "<!doctype html>",
    "<p>1 < 2 &amp; text</p>",
    "\n",
    "  ",
    "<div\nclass=x>",
]


@settings(max_examples=300, derandomize=True)
@given(st.lists(st.sampled_from(HTML_TOKENS), max_size=16))
def test_html_scanner_finds_what_html_parser_found(tokens: list[str]) -> None:
    text = "".join(tokens)
    old = OldHtml()
    old.feed(text)
    old.close()
    new = HtmlScan(text)
    assert new.refs == old.refs
    assert new.inline_modules == old.inline_modules


@pytest.mark.parametrize(
    "text",
    [
        '<!-- <script src="/a.js"></script> > <link rel=stylesheet href="/b.css">',
        "<p>x</p><link rel=stylesheet href=/c.css><!-- never closed > <script src=/d.js></script>",
        '<a x="> <script src=/e.js></script> <link rel=stylesheet href="/f.css">',
        "<script src=/g.js></script><link rel=stylesheet href=/h.css",
        "<script type=module>import './i.js'",
    ],
)
def test_constructs_that_never_end_recover_as_html_parser_does(text: str) -> None:
    old = OldHtml()
    old.feed(text)
    old.close()
    new = HtmlScan(text)
    assert (new.refs, new.inline_modules) == (old.refs, old.inline_modules)


def test_pathological_inputs_give_their_plain_results() -> None:
    spaces = ("import" + " " * 2000) * 3
    assert js_specifiers(spaces, True, LineIndex(spaces)) == []
    dyn = 'import("x ' * 5000
    assert js_specifiers(dyn, True, LineIndex(dyn)) == []
    many = 'import "./dep.js";\n' * 20_000
    found = js_specifiers(many, False, LineIndex(many))
    assert len(found) == 20_000
    assert found[-1] == ("./dep.js", 20_000)  # line numbers from one pass, still exact
    assert HtmlScan("<a" * 50_000).refs == []
    links = HtmlScan('<link rel=stylesheet href="' * 20_000)
    assert links.refs == []  # every value runs into the next tag: nothing is a stylesheet link
    tail = "<link rel=stylesheet href=/z.css>"
    assert HtmlScan('<a x="> ' * 20_000 + tail).refs == [("/z.css", 1)]  # as html.parser
    css = "@import url(" + " " * 5000 + ";" + '@import "./a.css";'
    assert css_specifiers(css, LineIndex(css)) == [("url(", 1), ("./a.css", 1)]  # as before


def test_glob_matcher_agrees_with_the_expression_and_does_not_backtrack() -> None:
    cases = [
        ("src/**/index.html", "src/a/b/index.html"),
        ("src/**/index.html", "src/index.html"),
        ("assets/*.js", "assets/a.js"),
        ("assets/*.js", "assets/x/a.js"),
        ("**", "a/b"),
        ("a/**b", "a/x/yb"),
        ("[!a]?.c[ab]", "bx.ca"),
        ("[", "["),
    ]
    for pattern, path in cases:
        assert glob_match(pattern, path) == (glob_regex(pattern).match(path) is not None)
    assert not glob_match("*" * 200 + ".x", "a" * 300)
    assert glob_match("a*" * 100 + "b", "a" * 100 + "b")


def _shared_build(root: Path, widgets_count: int) -> BundlesPolicy:
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "dep.js").write_text("export const a = 1;\n", encoding="utf-8")
    (root / "assets" / "shared.js").write_text(
        'import "./dep.js";\nimport "./missing.js";\n' * 3, encoding="utf-8"
    )
    for i in range(widgets_count):
        page = root / f"w{i}" / "index.html"
        page.parent.mkdir()
        page.write_text('<script type="module" src="/assets/shared.js"></script>', "utf-8")
    return BundlesPolicy.model_validate({"root": "dist", "widgets": {"html": "**/index.html"}})


def test_a_shared_chunk_is_scanned_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "dist"
    policy = _shared_build(root, 5)
    calls: list[int] = []
    original = widgets._Resolver.scan

    def counting(self: widgets._Resolver, text: str, css: bool) -> list[tuple[str, int]]:
        calls.append(len(text))
        return original(self, text, css)

    monkeypatch.setattr(widgets._Resolver, "scan", counting)
    result = resolve_widgets(root, walk(root), policy, "dist")
    assert len(calls) == 2  # shared.js and dep.js, once each for five widgets
    assert [set(w.files) for w in result.widgets] == [
        {f"w{i}/index.html", "assets/shared.js", "assets/dep.js"} for i in range(5)
    ]
    # each widget still reports each missing reference it loads, with its line, as before
    missing = [(p.path, p.line) for p in result.problems if p.code == "bundle-missing-asset"]
    assert missing == [("dist/assets/shared.js", line) for _ in range(5) for line in (2, 4, 6)]


def old_glob_regex(pattern: str) -> re.Pattern[str]:
    """The translation before star runs were collapsed (the reference for its meaning)."""
    out: list[str] = []
    i = 0
    pattern = pattern.lstrip("/").removeprefix("./")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and pattern.find("]", i + 1) != -1:
            end = pattern.find("]", i + 1)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append(f"[{'^' + body[1:] if body.startswith('!') else body}]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


GLOB_BITS = st.sampled_from(["a", "b", "/", "*", "**", "**/", "?", "[ab]", "[!a]", ".", "x"])
PATH_BITS = st.sampled_from(["a", "b", "/", ".", "x"])


@settings(max_examples=500, derandomize=True)
@given(st.lists(GLOB_BITS, max_size=7), st.lists(PATH_BITS, max_size=8))
def test_glob_matcher_and_collapsed_expression_keep_the_meaning(
    pattern_bits: list[str], path_bits: list[str]
) -> None:
    pattern, path = "".join(pattern_bits), "".join(path_bits)
    expected = old_glob_regex(pattern).match(path) is not None
    assert glob_match(pattern, path) == expected
    assert (glob_regex(pattern).match(path) is not None) == expected


def test_a_run_of_stars_does_not_backtrack_in_the_expression_either() -> None:
    # the old translation needed minutes here (one `.*` per pair of stars)
    assert glob_regex("*" * 300 + ".x").match("a" * 200) is None
    assert glob_regex("*" * 300 + ".x").pattern == r".*\.x\Z"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    text=st.text(alphabet="a\n\r b", max_size=60),
    offsets=st.lists(st.integers(min_value=0, max_value=70), max_size=12),
)
def test_line_numbers_in_any_order_of_questions(text: str, offsets: list[int]) -> None:
    """In order, out of order or past the end: the line is one plus the newlines before it."""
    lines = LineIndex(text)
    for offset in offsets:
        assert lines.line(offset) == text.count("\n", 0, offset) + 1
