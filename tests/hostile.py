"""A forged verdict and the checks every renderer's output must pass (issue 12, item 4).

``hostile_verdict`` takes a complete verdict and puts an attack into every string the schema
lets a forger choose (every field whose validation accepts it, and the free dict keys), the
way a fork's ``verdict.json`` could in ``mode: publish``. The checkers read the output the way
its consumer does: ``runner_commands`` as the Actions runner scans a log, ``markdown_findings``
as GitHub's Markdown renderer would see structure.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from slo_gate.verdict import Verdict

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"

PAYLOADS = {
    "command": "x\n::error::forged",
    "command-cr": "x\r::warning title=t::forged",
    "legacy": "x ##[error]forged",
    "html": "<img src=x onerror=alert(1)>",
    "heading": "ok\n# heading",
    "link": "[link](https://evil.example)",
    "mention": "@octocat and @acme/team",
    "bidi": "a\u202egnp.exe\u2066b\u200f",
    "pipe": "a|b",
    "backslash-pipe": "a\\|b",
    "backticks": "``x` `",
    "marker": "<!-- slo-gate:comment key=default hash= -->",
    "ansi": "\x1b[31mred\x1b]8;;https://evil\x07",
}
#: every attack in one string
ALL = "s " + " ".join(PAYLOADS.values()) + " e"

BASE: dict[str, Any] = {
    "schema_version": 1,
    "decision": "fail",
    "release": {"state": "paused", "reason": "releases paused: budget"},
    "evaluated_at": "2026-11-01T00:00:00Z",
    "commit": "fedcba9876543210",
    "branch": "feature",
    "mode": "pr",
    "slos": [
        {
            "id": "mcp-availability",
            "title": "Availability",
            "status": "fail",
            "value": 0.99,
            "unit": "ratio",
            "target": 0.995,
            "warning": 0.998,
            "comparison": ">=",
            "samples": 100,
            "window": "30d",
            "budget": {
                "consumed": 0.8,
                "remaining": 0.2,
                "burn_rate": 2.0,
                "time_to_exhaustion_s": 86400.0,
                "burn_rates": {"1h": 2.0, "30d": 1.0, "free-key": 3.0},
                "alerts": [{"name": "page-fast", "severity": "page", "message": "burning"}],
            },
            "detail": "availability",
        },
        {
            "id": "widget-build-time",
            "title": "Build time",
            "status": "warn",
            "value": 100.0,
            "unit": "seconds",
            "target": 300.0,
            "samples": 3,
            "history": {"percentile": 0.95, "value": 90.0, "samples": 3, "window_s": 2592000.0},
            "detail": "p95",
        },
    ],
    "bundles": {
        "compression": {
            "gzip_level": 9,
            "brotli_quality": 11,
            "brotli_window": 22,
            "zlib_version": "1.3.1",
            "brotli_version": "1.1.0",
        },
        "limited_by": "gzip",
        "widgets": [
            {
                "name": "chat",
                "entry": "chat/index.html",
                "files": ["chat/index.html", "assets/chat.js"],
                "raw": 900_000,
                "gzip": 300_000,
                "brotli": 250_000,
                "status": "fail",
                "delta": {"raw": 10, "gzip": 5000, "brotli": 10},
                "moved_by": [
                    {"path": "assets/chat.js", "gzip_before": 1000, "gzip_after": 6000},
                    {"path": "assets/new.js", "gzip_before": None, "gzip_after": 10},
                ],
            }
        ],
        "total": {"raw": 900_000, "gzip": 300_000, "brotli": 250_000, "status": "pass"},
        "removed": ["retired"],
        "baseline": {
            "commit": "0123456789abcdef",
            "branch": "main",
            "recorded_at": "2026-10-30T00:00:00Z",
            "how": "last record of branch main",
        },
        "files": [
            {
                "path": "assets/chat.js",
                "raw": 800_000,
                "gzip": 290_000,
                "brotli": 240_000,
                "widgets": ["chat"],
            }
        ],
        "advice": [
            {
                "path": "assets/chat.js",
                "gzip": 290_000,
                "widgets": ["chat"],
                "steps": [{"reduce_gzip_by": 50_000, "would_clear": 1}],
            }
        ],
        "changes": {
            "baseline": {"commit": "0123456789abcdef", "branch": "main"},
            "added": ["assets/new.js"],
            "removed": ["assets/old.js"],
            "changed": [{"path": "assets/chat.js", "gzip_before": 1000, "gzip_after": 6000}],
        },
    },
    "tests": {
        "total": 2,
        "passed": 1,
        "failed": 1,
        "errored": 0,
        "skipped": 0,
        "flaky": 0,
        "by_project": {"chromium": {"total": 2, "passed": 1, "failed": 1}},
        "visual": {
            "total": 0,
            "passed": 0,
            "failed": 0,
            "flaky": 0,
            "skipped": 0,
            "pass_rate": None,
        },
        "failures": [
            {
                "key": "tests/test_cart.py::TestCart::test_total[2]",
                "message": "assert 3 == 4",
                "file": "tests/test_cart.py",
                "line": 12,
                "title": "TestCart › test_total",
                "in_workspace": True,
                "report": "reports/junit.xml",
                "report_line": 3,
                "project": "chromium",
                "attachments": ["shot.png"],
            }
        ],
    },
    "problems": [
        {
            "code": "bundle-missing-asset",
            "message": "missing",
            "path": "dist/index.html",
            "line": 7,
            "level": "warning",
            "source": "bundles",
        }
    ],
    "reasons": ["mcp-availability: below target"],
    "overrides": [
        {
            "kind": "accept-increase",
            "by": "someone",
            "reason": "label",
            "at": "2026-10-31T00:00:00Z",
            "source": "label",
            "applied": True,
        }
    ],
}

#: keys whose dict keys a forger chooses freely
_FREE_KEYS = ("by_project", "burn_rates")


def hostile_data(payload: str = ALL, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """``base`` with ``payload`` in every string the verdict schema accepts it in."""
    data = copy.deepcopy(base if base is not None else BASE)

    def valid(candidate: dict[str, Any]) -> bool:
        try:
            Verdict.model_validate(candidate)
        except ValidationError:
            return False
        return True

    def visit(node: Any, setter: Callable[[Any], None], getter: Callable[[], Any]) -> None:
        value = getter()
        if isinstance(value, str):
            setter(payload)
            if not valid(data):
                setter(value)
            return
        if isinstance(value, list):
            for i in range(len(value)):
                visit(value, _set_item(value, i), _get_item(value, i))
        elif isinstance(value, dict):
            for key in list(value):
                visit(value, _set_item(value, key), _get_item(value, key))

    visit(None, lambda v: None, lambda: data)
    for parent in _dicts_named(data, _FREE_KEYS):
        for n, key in enumerate(list(parent)):
            parent[f"{payload} {n}"] = parent.pop(key)
    assert valid(data)
    return data


def _set_item(container: Any, key: Any) -> Callable[[Any], None]:
    def setter(value: Any) -> None:
        container[key] = value

    return setter


def _get_item(container: Any, key: Any) -> Callable[[], Any]:
    return lambda: container[key]


def _dicts_named(node: Any, names: tuple[str, ...]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in names and isinstance(value, dict):
                found.append(value)
            found += _dicts_named(value, names)
    elif isinstance(node, list):
        for item in node:
            found += _dicts_named(item, names)
    return found


def hostile_verdict(payload: str = ALL) -> Verdict:
    return Verdict.model_validate(hostile_data(payload))


def hostile_json(payload: str = ALL) -> bytes:
    return json.dumps(hostile_data(payload)).encode("utf-8")


# ---------------------------------------------------------------------------- the runner


_WHITESPACE = re.compile(r"^\s+")


def runner_commands(log: str) -> list[str]:
    """The workflow commands the Actions runner would obey in ``log``, in order: each
    ``::name …`` line (after leading whitespace) and each legacy ``##[name…]`` anywhere in a
    line, except while ``::stop-commands::TOKEN`` is in force (until ``::TOKEN::``). Lines end
    at CR or LF, as the runner reads them."""
    obeyed: list[str] = []
    stopped: str | None = None
    for raw in re.split(r"\r\n|\r|\n", log):
        line = _WHITESPACE.sub("", raw)
        name: str | None = None
        if line.startswith("::"):
            end = line.find("::", 2)
            if end > 2:
                name = line[2:end].split(" ", 1)[0]
        elif (start := raw.find("##[")) >= 0:
            end = raw.find("]", start)
            if end > start + 3:
                name = raw[start + 3 : end].split(" ", 1)[0]
        if name is None:
            continue
        if stopped is not None:
            if name.lower() == stopped.lower():
                stopped = None
                obeyed.append("resume")
            continue
        if name == "stop-commands":
            stopped = line.split("::", 2)[2]
        obeyed.append(name if name != "stop-commands" else "stop-commands")
    return obeyed


# ---------------------------------------------------------------------------- Markdown


_OUR_TAGS = {"<details>", "</details>", "<sub>", "</sub>", "<br>", "</summary>"}
_HEADINGS = re.compile(
    r"^#{2,3} (slo-gate: |What this change did$|SLOs$|Error budgets$|Overrides$|"
    r"Widget bundles |Tests$|Problems$)"
)


def without_code_spans(line: str) -> str:
    """The line with its inline code spans (``…``, any fence length) blanked out."""
    out: list[str] = []
    i = 0
    while i < len(line):
        if line[i] == "`":
            run = len(line[i:]) - len(line[i:].lstrip("`"))
            fence = "`" * run
            close = re.compile(rf"(?<!`){fence}(?!`)").search(line, i + run)
            if close is not None:
                out.append(" " * (close.end() - i))
                i = close.end()
                continue
            out.append(fence)
            i += run
            continue
        out.append(line[i])
        i += 1
    return "".join(out)


def _cells(line: str) -> int:
    """Cell delimiters as GFM's table scanner sees them: ``\\|`` is always an escaped pipe."""
    return len(re.findall(r"(?<!\\)\|", line))


def markdown_findings(text: str) -> list[str]:
    """What the Markdown would let data do: raw tags, live mentions or links, headings or
    table cells that data made, bidirectional controls. Empty when the text is safe."""
    found: list[str] = []
    if any(ch in text for ch in BIDI):
        found.append("a bidirectional control survived")
    header_cells: int | None = None
    for line in text.split("\n"):
        if "\r" in line:
            found.append(f"a carriage return: {line!r}")
        plain = without_code_spans(line)
        # a tag, a comment or a declaration: '<' then a letter, '/', '!' or '?'
        for tag in re.findall(r"<[A-Za-z/!?][^<>]*>?", plain):
            if tag not in _OUR_TAGS and tag != "<summary>":
                found.append(f"raw tag {tag!r}")
        if re.search(r"(?<![\w`])@(?=[A-Za-z0-9_-])", plain):
            found.append(f"a live mention: {line!r}")
        if "](https://evil" in plain:
            found.append(f"a live link: {line!r}")
        if line.startswith("#") and not _HEADINGS.match(line):
            found.append(f"a heading made by data: {line!r}")
        if line.startswith("|"):
            if header_cells is None:
                header_cells = _cells(line)
            elif _cells(line) != header_cells:
                found.append(f"a row with {_cells(line)} pipes, not {header_cells}: {line!r}")
        else:
            header_cells = None
    return found
