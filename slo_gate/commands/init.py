"""``slo-gate init``: look at the workspace and write a first policy holding only what exists.

It looks for build folders with HTML entries or a Vite manifest (``**/.vite/manifest.json``),
JUnit XML and Playwright JSON reports, the workflows in ``.github/workflows`` and request logs
(``*.jsonl`` / ``*.csv`` under ``logs/``), and writes a commented ``.github/slo-gate.yml`` with
a section for each source it found and the built-in thresholds spelt out with their units. The
walk is bounded (depth, file count, bytes read per file) and never follows symbolic links.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TextIO

from slo_gate.config.loader import parse_policy
from slo_gate.config.policy import Policy
from slo_gate.config.schema import POLICY_SCHEMA_ID
from slo_gate.config.units import format_duration
from slo_gate.errors import ExitCode, UsageError
from slo_gate.files import write_output
from slo_gate.runenv import RunEnv

if TYPE_CHECKING:
    from slo_gate.commands.inputs import Clock  # the GitHub and history code: types only

#: folders never looked into
SKIP = frozenset(
    {".git", "node_modules", ".venv", "venv", "__pycache__", ".slo-gate", ".tox", ".mypy_cache"}
)
MAX_DEPTH = 8
MAX_FILES = 50_000
#: bytes read from the start of a candidate report to recognise it
SNIFF_BYTES = 4096
BUILD_DIRS = frozenset({"dist", "build", "out"})


@dataclass
class Found:
    """What the workspace holds, as workspace-relative POSIX paths and patterns."""

    vite: list[tuple[str, str]] = field(default_factory=list)  # (root, manifest under root)
    html_roots: list[tuple[str, str]] = field(default_factory=list)  # (root, entry glob)
    junit: list[str] = field(default_factory=list)
    playwright: list[str] = field(default_factory=list)
    workflows: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        parts = (self.vite, self.html_roots, self.junit, self.playwright, self.workflows, self.logs)
        return not any(parts)


def _sniff(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


def _walk(workspace: Path) -> list[PurePosixPath]:
    """Workspace-relative files, bounded in depth and number; links are not followed."""
    files: list[PurePosixPath] = []
    for here, dirs, names in os.walk(workspace):
        rel = PurePosixPath(Path(here).relative_to(workspace).as_posix())
        depth = 0 if str(rel) == "." else len(rel.parts)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP and depth < MAX_DEPTH and not (Path(here) / d).is_symlink()
        )
        for name in sorted(names):
            if (Path(here) / name).is_symlink():
                continue
            files.append(rel / name if str(rel) != "." else PurePosixPath(name))
            if len(files) >= MAX_FILES:
                return files
    return files


def literal(path: str) -> str:
    """A path as a glob that matches only itself: ``*``, ``?`` and ``[`` inside a class."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in path)


def _glob_of(paths: list[PurePosixPath], suffix: str) -> list[str]:
    """One ``folder/*suffix`` pattern per folder that holds such files."""
    folders = sorted({str(p.parent) for p in paths})
    return [f"*{suffix}" if f == "." else f"{literal(f)}/*{suffix}" for f in folders]


def _in_build(path: PurePosixPath) -> str | None:
    """The build folder (``dist``, ``build``, ``out``) that holds ``path``, if any."""
    for i, part in enumerate(path.parts[:-1]):
        if part in BUILD_DIRS:
            return str(PurePosixPath(*path.parts[: i + 1]))
    return None


def scan(workspace: Path) -> Found:
    """What there is to measure in ``workspace``."""
    found = Found()
    files = _walk(workspace)
    vite_roots: set[str] = set()
    for path in files:
        if path.name == "manifest.json" and path.parent.name == ".vite":
            root = str(path.parent.parent)
            found.vite.append((root, ".vite/manifest.json"))
            vite_roots.add(root)
    html: dict[str, list[PurePosixPath]] = {}
    junit: list[PurePosixPath] = []
    playwright: list[PurePosixPath] = []
    logs: dict[str, list[PurePosixPath]] = {".jsonl": [], ".csv": []}
    for path in files:
        parts = path.parts
        if path.suffix == ".html" and (build := _in_build(path)) and build not in vite_roots:
            html.setdefault(build, []).append(path)
        elif path.suffix == ".xml" and "<testsuite" in _sniff(workspace / path):
            junit.append(path)
        elif path.suffix == ".json" and _is_playwright(_sniff(workspace / path)):
            playwright.append(path)
        elif parts[:2] == (".github", "workflows") and len(parts) == 3:
            if path.suffix in (".yml", ".yaml"):
                found.workflows.append(path.name)
        elif "logs" in parts[:-1] and path.suffix in logs:
            logs[path.suffix].append(path)
    for root, entries in sorted(html.items()):
        names = {p.name for p in entries}
        found.html_roots.append((root, "**/index.html" if names == {"index.html"} else "**/*.html"))
    found.junit = _glob_of(junit, ".xml")
    found.playwright = _glob_of(playwright, ".json")
    found.logs = _glob_of(logs[".jsonl"], ".jsonl") + _glob_of(logs[".csv"], ".csv")
    return found


def _is_playwright(head: str) -> bool:
    return head.lstrip().startswith("{") and '"suites"' in head and '"config"' in head


# ----------------------------------------------------------------------------- the policy text


def _q(text: str) -> str:
    """A YAML scalar that reads back as ``text`` (a JSON string is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _kb(n: int | None) -> str:
    assert n is not None
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000} MB"
    return f"{n / 1000:g} KB" if n % 1000 == 0 else f"{n} B"


def _pct(r: float | None) -> str:
    assert r is not None
    return f"{r * 100:g}%"


def _dur(s: float | None) -> str:
    assert s is not None
    return format_duration(s).replace(" d", "d")


def _bundles(found: Found, p: Policy) -> list[str]:
    b = p.bundles
    if found.vite:
        root, manifest = found.vite[0]
        source = f"{{vite_manifest: {_q(manifest)}}}"
    else:
        root, entries = found.html_roots[0]
        source = f"{{html: {_q(entries)}}}"
    others = [r for r, _ in (found.vite or found.html_roots)[1:]]
    lines = ["", "# Bundle sizes of the built widgets (build before slo-gate runs)."]
    if others:
        lines.append(f"# Other build folders found: {', '.join(others)}")
    return [
        *lines,
        "bundles:",
        f"  root: {_q(root)}",
        f"  widgets: {source}",
        f"  compression: {b.compression}            # both gzip and brotli are measured",
        f"  per_widget: {{warning: {_kb(b.per_widget.warning)}, "
        f"critical: {_kb(b.per_widget.critical)}}}   # KB = 1000 bytes, KiB = 1024",
        f"  total: {{critical: {_kb(b.total.critical)}}}",
        f"  on_missing: {b.on_missing}             # a widget that vanished fails the gate",
    ]


def _tests(found: Found, p: Policy) -> list[str]:
    t = p.tests
    v = t.visual_pass_rate
    lines = ["", "# Test reports of this run: a failing test fails the gate.", "tests:"]
    if found.junit:
        lines.append(f"  junit: {_list(found.junit)}")
    if found.playwright:
        lines.append(f"  playwright: {_list(found.playwright)}")
    return [
        *lines,
        f"  fail_on_failures: {str(t.fail_on_failures).lower()}",
        f"  visual_pass_rate: {{warning: {_pct(v.warning)}, critical: {_pct(v.critical)}, "
        f"window: {_dur(v.window)}}}",
    ]


def _ci(found: Found, p: Policy) -> list[str]:
    c = p.ci
    r = c.pass_rate
    return [
        "",
        "# CI pass rate of these workflows (needs a token: github-token, or GITHUB_TOKEN).",
        "# Keep only the workflows that should count.",
        "ci:",
        f"  workflows: {_list(found.workflows)}",
        f"  branches: {_list(list(c.branches))}",
        f"  pass_rate: {{warning: {_pct(r.warning)}, critical: {_pct(r.critical)}, "
        f"window: {_dur(r.window)}}}",
    ]


def _server(found: Found, p: Policy) -> list[str]:
    s = p.server
    f = s.fields
    local, remote = s.latency.local.p95, s.latency.remote.p95
    return [
        "",
        "# Availability and latency from request logs (JSON lines or CSV, one request a line).",
        "server:",
        f"  logs: {_list(found.logs)}",
        f"  fields: {{timestamp: {f.timestamp}, ok: {f.ok}, latency_ms: {f.latency_ms}, "
        f"location: {f.location}}}",
        f"  availability: {{warning: {_pct(s.availability.warning)}, "
        f"critical: {_pct(s.availability.critical)}}}",
        "  latency:",
        f"    local: {{p95: {{warning: {format_duration(local.warning or 0)}, "
        f"critical: {format_duration(local.critical or 0)}}}}}",
        f"    remote: {{p95: {{warning: {format_duration(remote.warning or 0)}, "
        f"critical: {format_duration(remote.critical or 0)}}}}}",
    ]


def render_policy(found: Found) -> str:
    """The commented policy text for what was found (only those sections)."""
    p = Policy()
    b = p.budget
    lines = [
        f"# yaml-language-server: $schema={POLICY_SCHEMA_ID}",
        "# slo-gate policy, written by `slo-gate init` from what this workspace holds.",
        "# A section turns its source on; delete a section to stop measuring it.",
        "# The numbers are the built-in thresholds. Units are written: sizes in KB (1000 bytes)",
        "# or KiB (1024), durations with ms, s, min, h, d or w, rates as percentages.",
        "# Check it with `slo-gate validate`; `slo-gate schema policy` lists every key.",
        "version: 1",
        "",
        "# Error budgets of every rate SLO: pause releases at 75 % consumed, roll back at 100 %.",
        f"budget: {{window: {_dur(b.window)}, alert: {{consumed: {_pct(b.alert.consumed)}, "
        f"within: {_dur(b.alert.within)}}}, pause: {_pct(b.pause)}, "
        f"rollback: {_pct(b.rollback)}, min_events: {b.min_events}}}",
    ]
    if found.vite or found.html_roots:
        lines += _bundles(found, p)
    if found.junit or found.playwright:
        lines += _tests(found, p)
    if found.workflows:
        lines += _ci(found, p)
    if found.logs:
        lines += _server(found, p)
    lines += [
        "",
        "# Records of past checks (deltas, budgets over time); store: github-branch keeps them",
        "# on a data branch through the GitHub API instead.",
        f"history: {{store: file, file: {_q(p.history.file)}}}",
    ]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- the command


def run(args: argparse.Namespace, env: RunEnv, out: TextIO, clock: Clock) -> int:
    workspace: Path = args.workspace or Path(env.workspace or ".")
    if not workspace.is_dir():
        raise UsageError(f"workspace {workspace} is not a folder", fix="pass --workspace DIR")
    found = scan(workspace)
    if found.empty:
        raise UsageError(
            f"found nothing to measure in {workspace}: no build folder (dist/, build/, out/) "
            "with HTML entries or a Vite manifest, no JUnit or Playwright report, no "
            ".github/workflows, no logs/*.jsonl or *.csv",
            fix="build and run the tests first, then run `slo-gate init` again",
        )
    text = render_policy(found)
    parse_policy(text, "the generated policy")  # a bug if it does not validate
    if args.dry_run:
        out.write(text)
        return int(ExitCode.OK)
    target = workspace / args.output
    if target.exists() and not args.force:
        raise UsageError(
            f"{target} exists: not overwritten",
            fix="pass --force to replace it, or --dry-run to print the new policy",
        )
    write_output(target, text)
    out.write(f"wrote {target}; check it with `slo-gate validate --config {target}`\n")
    return int(ExitCode.OK)
