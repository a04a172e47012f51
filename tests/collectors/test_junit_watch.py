"""A plain case's ``status``, ``result`` and ``name`` are looked up only once the bytes read so
far could hold one that matters (``junit._Watched``); nothing about a report may depend on it.

The reference reads the whole (small) report into one tree and walks every ``<testcase>`` in
document order; the streaming reader must yield the same cases in the same order and count the
same plain ones, whether the watched words come first, last, in a stack trace, through a
character reference, cut in two by a read, or in an encoding that is not watched.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from slo_gate.collectors.junit import JUnitFile, _Watched
from slo_gate.collectors.junit_case import SKIPPED_STATUS

KINDS = ["plain", "tagged", "referenced-tag", "status-skip", "result-skip", "status-run", "failed"]


def _case(i: int, kind: str) -> str:
    attrs = {
        "plain": "",
        "tagged": "",
        "referenced-tag": "",
        "status-skip": ' status="NotRun"',
        "result-skip": ' result="skipped"',
        "status-run": ' status="run"',
        "failed": "",
    }[kind]
    name = {"tagged": f"t{i} @visual", "referenced-tag": f"t{i} &#64;visual"}.get(kind, f"t{i}")
    if kind == "failed":
        body = '<failure message="m @x">at status.ts:3 (node_modules/@scope/a.js)</failure>'
        return f'<testcase classname="c" name="{name}">{body}</testcase>'
    return f'<testcase classname="c" name="{name}"{attrs}/>'


def _report(suites: list[list[str]], pad: int = 0) -> str:
    body = "".join(
        f'<testsuite name="s{n}">'
        + "".join(_case(i, k) for i, k in enumerate(kinds))
        + "</testsuite>"
        for n, kinds in enumerate(suites)
    )
    padding = f"<!-- {'x' * pad} -->" if pad else ""
    return f"<testsuites>{padding}{body}</testsuites>"


def _reference(text: str) -> list[tuple[str, str]]:
    root = etree.fromstring(text.encode())
    found = []
    for elem in root.iter("testcase"):
        if len(elem):
            outcome = "failed"
        else:
            marks = {(elem.get("status") or "").lower(), (elem.get("result") or "").lower()}
            outcome = "skipped" if marks & SKIPPED_STATUS else "passed"
        found.append((elem.get("name") or "", outcome))
    return found


def _check(path: Path, text: str) -> None:
    expected = _reference(text)
    every = JUnitFile(path, path.name)
    assert [(c.name, c.outcome) for c in every.cases(fold_plain=False)] == expected
    folded = JUnitFile(path, path.name)
    yielded = [(c.name, c.outcome) for c in folded.cases(fold_plain=True)]
    special = [c for c in expected if c[1] == "failed" or "@" in c[0]]
    assert yielded == special
    plain = [c for c in expected if c not in special]
    assert folded.plain == {
        (outcome, None): n
        for outcome in ("passed", "skipped")
        if (n := sum(1 for c in plain if c[1] == outcome))
    }
    assert not every.problems and not folded.problems


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    suites=st.lists(st.lists(st.sampled_from(KINDS), max_size=30), min_size=1, max_size=3),
    pad=st.sampled_from([0, 40_000, 100_000]),
)
def test_watching_the_bytes_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory, suites: list[list[str]], pad: int
) -> None:
    """Padding before the cases pushes them past the parser's first reads."""
    text = _report(suites, pad)
    path = tmp_path_factory.mktemp("watch") / "report.xml"
    path.write_text(text)
    _check(path, text)


@pytest.mark.parametrize("shift", range(-8, 9))
def test_a_word_cut_in_two_by_a_read_is_still_seen(tmp_path: Path, shift: int) -> None:
    """lxml reads 32 KiB at a time: the one skipped case's ``status`` sits across that edge."""
    head = '<testsuite name="s"><testcase name="a"/>'
    tail = '<testcase name="b" status="notrun"/></testsuite>'
    pad = 32768 - len(head) - len("<!--  -->") - len('<testcase name="b" ') + shift
    text = f"{head}<!-- {'x' * pad} -->{tail}"
    path = tmp_path / "edge.xml"
    path.write_text(text)
    _check(path, text)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 6, 7])
@pytest.mark.parametrize("word", [b"status", b"result", b"@", b"&#"])
def test_the_watch_sees_a_word_over_any_read_edge(word: bytes, size: int) -> None:
    data = b"<testcase x='" + word + b"'/>" * 3
    for start in range(len(data)):
        watched = _Watched(io.BytesIO(data), watch=True)
        watched.read(start)
        while watched.read(size):
            pass
        assert watched.marks == (word in (b"status", b"result"))
        assert watched.names == (word in (b"@", b"&#"))


def test_nothing_watched_leaves_both_flags_down() -> None:
    watched = _Watched(io.BytesIO(b'<testcase name="a"/>' * 100), watch=True)
    while watched.read(7):
        pass
    assert not watched.marks and not watched.names


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_reports_in_other_encodings_are_read_without_the_watch(
    tmp_path: Path, encoding: str
) -> None:
    text = _report([["plain", "status-skip", "tagged", "result-skip"]])
    declared = f'<?xml version="1.0" encoding="{encoding.upper()}"?>{text}'
    path = tmp_path / "wide.xml"
    path.write_bytes(declared.encode(encoding))
    junit = JUnitFile(path, path.name)
    yielded = [(c.name, c.outcome) for c in junit.cases(fold_plain=True)]
    assert yielded == [("t2 @visual", "passed")]
    assert junit.plain == {("passed", None): 1, ("skipped", None): 2}


def test_a_latin_1_report_is_watched_and_read_the_same(tmp_path: Path) -> None:
    text = _report([["plain", "status-skip", "referenced-tag"]]).replace('"s0"', '"suite é"')
    path = tmp_path / "latin.xml"
    path.write_bytes(f'<?xml version="1.0" encoding="ISO-8859-1"?>{text}'.encode("latin-1"))
    junit = JUnitFile(path, path.name)
    assert [(c.name, c.suite) for c in junit.cases(fold_plain=True)] == [("t2 @visual", "suite é")]
    assert junit.plain == {("passed", None): 1, ("skipped", None): 1}


def _names_flag(data: bytes, size: int = 32768) -> bool:
    watched = _Watched(io.BytesIO(data), watch=True)
    while watched.read(size):
        pass
    return watched.names


def test_an_at_sign_in_a_stack_trace_leaves_the_names_unlooked() -> None:
    trace = b'<testcase name="a"><failure message="x">at (node_modules/@playwright/t.js:1)'
    assert not _names_flag(b"<testsuite>" + trace + b"</failure></testcase></testsuite>")


@pytest.mark.parametrize(
    "case",
    [
        b'<testcase name="x &gt; y @visual"/>',
        b'<testcase name="x > y @visual"/>',
        b'<testcase classname="a" name="x &#64;visual"/>',
        b'<testcase\n  name="@visual"/>',
    ],
)
def test_an_at_sign_in_a_case_tag_is_seen(case: bytes) -> None:
    assert _names_flag(b'<testsuite><testcase name="a"/>' + case + b"</testsuite>")


def test_a_tag_begun_in_the_last_read_counts_as_a_case_tag() -> None:
    data = b'<testsuite><testcase classname="c" name="@visual"/></testsuite>'
    assert _names_flag(data, size=data.index(b"@") - 2)


def test_a_trace_cut_by_a_read_is_still_a_trace() -> None:
    """An ``@`` before the first ``<`` of a read belongs to the last ``<`` of the read before."""
    data = b'<testsuite><testcase name="a"><failure message="x">at (node_modules/@p/t.js:1)'
    end = b"</failure></testcase></testsuite>"
    for size in range(data.index(b"@") - 20, data.index(b"@") + 1):
        assert not _names_flag(data + end, size=size)


@pytest.mark.parametrize("sign", [b"@", b"&amp;", b"&lt;"])
def test_many_signs_in_one_read_are_not_looked_at_one_by_one(sign: bytes) -> None:
    """Past the per-read bound the flag goes up rather than spend a search per sign; a few
    of them in text (escaped characters in a stack trace) leave it down."""
    many = b"<testsuite><system-out>" + sign * 100_000 + b"</system-out></testsuite>"
    assert _names_flag(many)
    assert not _names_flag(many.replace(sign * 100_000, sign * 10))
