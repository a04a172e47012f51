"""Escaping untrusted text: hand-written expectations plus a real CommonMark/GFM check.

The GFM check uses ``markdown-it-py`` (CommonMark with the GFM table rule) when installed, so
a table cell is shown to stay one cell after rendering, not just to contain backslashes.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slo_gate.render.escape import (
    ZWSP,
    html_text,
    md_code,
    md_code_block,
    md_table_cell,
    md_text,
    neutralise_html_comments,
    status_description,
    truncate_markdown,
)
from slo_gate.text import no_astral, truncate_chars, truncate_utf8, utf8_len


def render(markdown: str) -> str:
    """CommonMark + GFM tables; only the tests that render skip without markdown-it-py."""
    markdown_it = pytest.importorskip("markdown_it")
    return str(markdown_it.MarkdownIt("commonmark").enable("table").render(markdown))


def table_cells(markdown_row: str) -> list[str]:
    html = render("| a | b |\n| --- | --- |\n" + markdown_row + "\n")
    body = html.split("<tbody>", 1)[1]
    return re.findall(r"<td>(.*?)</td>", body, re.S)


# ----------------------------------------------------------------------------- by hand


def test_md_text_by_hand() -> None:
    assert md_text("a|b") == "a\\|b"
    assert md_text("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert md_text("*bold* _it_ [l](u) `c`") == "\\*bold\\* \\_it\\_ \\[l\\]\\(u\\) \\`c\\`"
    assert md_text("ping @octocat and @org/team") == f"ping @{ZWSP}octocat and @{ZWSP}org/team"
    assert md_text("fixes #12") == "fixes \\#12"
    assert md_text("fixes #12", issue_refs=True) == f"fixes \\#{ZWSP}12"
    assert md_text("two\nlines\r\nthree") == "two lines three"
    assert md_text("bell\x07") == "bell"


def test_html_comment_cannot_forge_the_marker() -> None:
    forged = "<!-- slo-gate:comment key=default hash=00 -->"
    assert "<!--" not in md_text(forged)
    assert "<!--" not in md_table_cell(forged)
    assert "<!--" not in html_text(forged)
    assert "<!--" not in md_code(forged)
    assert "<!--" not in md_code_block(forged)
    assert "-->" not in neutralise_html_comments("a --> b")
    assert "<!--" not in render(md_text(forged))


def test_md_code_chooses_a_longer_fence() -> None:
    assert md_code("plain") == "`plain`"
    assert md_code("a`b") == "``a`b``"
    assert md_code("``x```") == "```` ``x``` ````"
    assert md_code("") == "` `"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert render(md_code("a``b`c")) == "<p><code>a``b`c</code></p>\n"
    assert render(md_code("`x`")) == "<p><code>`x`</code></p>\n"


def test_md_code_block_fence() -> None:
    block = md_code_block("x\n```\ny", "py thon")
    assert block == "````python\nx\n```\ny\n````"
    assert render(block) == '<pre><code class="language-python">x\n```\ny\n</code></pre>\n'


def test_table_cell_by_hand() -> None:
    assert md_table_cell("a | b\nc") == "a \\| b<br>c"
    assert md_table_cell("") == " "
    assert md_table_cell("x" * 10, max_chars=5) == "xxxx…"
    assert table_cells(f"| {md_table_cell('a | b | c')} | {md_code('x|y', in_table=True)} |") == [
        "a | b | c",
        "<code>x|y</code>",
    ]


def test_html_text() -> None:
    assert html_text("<script>\"'&") == "&lt;script&gt;&quot;&#39;&amp;"
    assert html_text("@here") == f"@{ZWSP}here"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("|`*_<>&@#!-[]()\\\n \u00e9a1")), max_size=40))
def test_any_text_stays_in_its_cell(text: str) -> None:
    cells = table_cells(f"| {md_table_cell(text)} | {md_code(text, in_table=True)} |")
    assert len(cells) == 2
    for cell in cells:
        assert "<a " not in cell and "<em>" not in cell and "<strong>" not in cell
        assert "<script" not in cell and "<!--" not in cell
    # GitHub does not link mentions inside code, so only the text cell needs the break
    assert not re.search(r"@[A-Za-z0-9]", cells[0])


# ----------------------------------------------------------------------------- statuses


def test_no_astral_and_status_description() -> None:
    assert no_astral("ok 🚀 é") == "ok \ufffd é"
    text = status_description("rollback: 🚀 " + "x" * 200)
    assert len(text) == 140
    assert text.endswith("…")
    assert all(ord(c) <= 0xFFFF for c in text)
    assert status_description("a\n\tb   c") == "a b c"


# ----------------------------------------------------------------------------- truncation


def test_truncate_utf8_by_hand() -> None:
    assert truncate_utf8("héllo", 10) == "héllo"
    # 'é' is 2 bytes: 6 bytes of "héllo" minus a 1-byte note leaves 5 -> "héll"
    assert truncate_utf8("héllo!", 6, "~") == "héll~"
    assert truncate_utf8("€€€", 5, "") == "€"  # never half a character
    assert truncate_utf8("abc", 2, "note") == "no"
    with pytest.raises(ValueError, match="negative"):
        truncate_utf8("x", -1)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.integers(0, 80), st.text(max_size=5))
def test_truncate_utf8_property(text: str, limit: int, note: str) -> None:
    out = truncate_utf8(text, limit, note)
    assert utf8_len(out) <= max(limit, 0)
    if utf8_len(text) <= limit:
        assert out == text


def test_truncate_chars() -> None:
    assert truncate_chars("abcdef", 4, "…") == "abc…"
    assert truncate_chars("abc", 4, "…") == "abc"


def test_truncate_markdown_closes_fence_and_details() -> None:
    text = "# T\n<details><summary>s</summary>\n\n```\n" + "line\n" * 1000 + "```\n</details>\n"
    out = truncate_markdown(text, 500, "> cut, see the job summary")
    assert utf8_len(out) <= 500
    assert out.rstrip().endswith("> cut, see the job summary")
    assert out.count("```") == 2
    assert out.count("<details>") == out.count("</details>")
    assert "line\nline" in out
    assert truncate_markdown("short", 500, "note") == "short"
