"""One glob syntax for every pattern: braces, and bad patterns refused before anything runs."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slo_gate.cli import main
from slo_gate.collectors.tests.find import find_reports
from slo_gate.globs import MAX_ALTERNATIVES, expand_braces, glob_match, glob_problem, name_match

BAD = "src/widgets/[z-a]/index.html"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        list(argv), env={}, out=out, err=err, clock=lambda: datetime(2026, 11, 1, tzinfo=UTC)
    )
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("src/{a,b}/*.html", "src/a/x.html", True),
        ("src/{a,b}/*.html", "src/c/x.html", False),
        ("**/*.{js,css}", "assets/x/app.css", True),
        ("**/*.{js,css}", "app.map", False),
        ("{logs/{mcp,api},other}/*.jsonl", "logs/api/a.jsonl", True),
        ("{logs/{mcp,api},other}/*.jsonl", "other/a.jsonl", True),
        ("a{b}c", "a{b}c", True),  # no comma: literal braces
        ("[!a-c]x", "dx", True),
    ],
)
def test_braces(pattern: str, path: str, hit: bool) -> None:
    assert glob_match(pattern, path) is hit


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (BAD, "bad character class '[z-a]'"),
        ("reports/[abc.xml", "unclosed '['"),
        ("reports/{a,b.xml", "unclosed '{'"),
        ("reports/a}.xml", "'}' without its '{'"),
        ("{a,b}" * 7, f"more than {MAX_ALTERNATIVES} alternatives"),
        ("", "empty"),
    ],
)
def test_bad_patterns_are_named(pattern: str, why: str) -> None:
    problem = glob_problem(pattern)
    assert problem is not None and why in problem


def test_expansion_is_bounded_and_matching_stays_fast() -> None:
    assert len(expand_braces("{a,b}" * 6)) == MAX_ALTERNATIVES
    started = time.perf_counter()
    assert not glob_match("{" + ",".join(["*a" * 30] * 8) + "}b", "a" * 3000)
    assert time.perf_counter() - started < 2.0


def test_names_match_across_slashes() -> None:
    assert name_match("build*", "build / linux (node 20)")
    assert not name_match("build", "build / linux")


def _policy(tmp: Path, body: str) -> Path:
    path = tmp / "policy.yml"
    path.write_text(body)
    return path


def test_a_bad_glob_is_exit_2_at_validate_and_at_check(tmp_path: Path) -> None:
    policy = _policy(tmp_path, f"bundles:\n  widgets: {{html: {BAD!r}}}\n")
    code, _, err = _run("validate", "--config", str(policy))
    assert code == 2
    assert "bundles.widgets.html" in err and "bad character range z-a" in err
    code, out, err = _run(
        "check", "--workspace", str(tmp_path), "--config", str(policy), "--no-record"
    )
    assert code == 2
    assert "bad character range z-a" in err
    assert "Traceback" not in out + err


def test_report_globs_use_the_same_syntax(tmp_path: Path) -> None:
    for name in ("reports/unit/a.xml", "reports/e2e/b.xml", "reports/other/c.xml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<testsuite/>")
    files, problems = find_reports(tmp_path, ["reports/{unit,e2e}/*.xml"], "junit")
    assert sorted(p.relative_to(tmp_path.resolve()).as_posix() for p in files) == [
        "reports/e2e/b.xml",
        "reports/unit/a.xml",
    ]
    assert problems == []
    files, problems = find_reports(tmp_path, ["reports/[z-a]/*.xml"], "junit")
    assert files == []
    assert [p.code for p in problems] == ["tests-bad-pattern"]


@pytest.mark.parametrize(
    ("pattern", "path"), [("a[[]b", "a[b"), ("a[&]b", "a&b"), ("a[~|]b", "a|b"), ("a[!x]b", "a[b")]
)
def test_class_characters_are_literal_without_regex_warnings(pattern: str, path: str) -> None:
    assert glob_problem(pattern) is None  # warnings are errors in this suite
    assert glob_match(pattern, path)
