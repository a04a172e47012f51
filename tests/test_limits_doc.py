"""The README's "bad input is data" promise names the limits and links the full table, and the
table's numbers are the code's (issue 12: "says which limits exist and what each produces")."""

from __future__ import annotations

import re
from pathlib import Path

from slo_gate import globs
from slo_gate.collectors import build_time, paths
from slo_gate.github import artifacts
from slo_gate.history import file_store

ROOT = Path(__file__).resolve().parents[1]


def _promise() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    match = re.search(r"\*\*Bad input is data\.\*\*(.*?)\n\n", readme, re.S)
    assert match is not None
    return " ".join(match.group(1).split())


def test_the_readme_promise_names_the_limits_and_links_the_table() -> None:
    promise = _promise()
    assert "[`docs/limits.md`](docs/limits.md)" in promise
    for limit in ("64 levels", "200,000 files", "10,000", "1,024 characters", "8 MiB"):
        assert limit in promise, limit
    assert "workflow command" in promise and "@mention" in promise


def test_the_limits_table_holds_the_codes_numbers() -> None:
    table = (ROOT / "docs" / "limits.md").read_text("utf-8")
    assert f"{paths.MAX_DEPTH} levels deep" in table
    assert f"| {paths.MAX_FILES:,} |" in table
    assert f"| {paths.MAX_MATCHES:,} | the rest are not read | `tests-too-many-reports` |" in table
    assert f"{globs.MAX_PATTERN:,} characters" in table
    assert build_time.MAX_FILE_BYTES == 1_000_000 and "| 1 MB, regular file, JSON |" in table
    assert artifacts.MAX_VERDICT_BYTES == 8 * 1024 * 1024 and "present; 8 MiB;" in table
    assert file_store.MAX_LINE_BYTES == 16 * 1024 * 1024 and "| 16 MiB, UTF-8" in table
