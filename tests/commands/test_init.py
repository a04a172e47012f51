"""``slo-gate init`` writes a policy that validates and names only what the workspace holds."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import yaml

from slo_gate.cli import main
from slo_gate.config.loader import parse_policy
from slo_gate.config.schema import POLICY_SCHEMA_ID

JUNIT = '<?xml version="1.0"?>\n<testsuites><testsuite name="t" tests="1">'
JUNIT += '<testcase classname="a" name="b"/></testsuite></testsuites>\n'
PLAYWRIGHT = '{"config": {"version": "1.48.0"}, "suites": [], "errors": []}\n'


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["init", *argv],
        env={},
        out=out,
        err=err,
        clock=lambda: datetime(2026, 11, 1, tzinfo=UTC),
    )
    return code, out.getvalue(), err.getvalue()


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_dry_run_names_only_what_exists(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "packages/app/dist/src/widgets/chat/index.html": "<html></html>",
            "packages/app/dist/assets/chat-3f9a1c.js": "x",
            "reports/junit/results.xml": JUNIT,
            "pom.xml": '<?xml version="1.0"?><project/>',  # XML, but not a report
            "test-results/report.json": PLAYWRIGHT,
            "package.json": '{"name": "app"}',  # JSON, but not a report
            ".github/workflows/ci.yml": "on: push\n",
            ".github/workflows/release.yaml": "on: push\n",
            "node_modules/x/dist/index.html": "<html></html>",  # never looked into
        },
    )
    code, out, _ = _run("--dry-run", "--workspace", str(tmp_path))
    assert code == 0
    assert out.splitlines()[0] == f"# yaml-language-server: $schema={POLICY_SCHEMA_ID}"
    policy = parse_policy(out, "init").policy
    assert policy.sections == ("bundles", "tests", "ci")  # no server: there are no logs
    assert policy.bundles.root == "packages/app/dist"
    assert policy.bundles.widgets.html == "**/index.html"
    assert policy.tests.junit == ["reports/junit/*.xml"]
    assert policy.tests.playwright == ["test-results/*.json"]
    assert policy.ci.workflows == ["ci.yml", "release.yaml"]
    data = yaml.safe_load(out)
    assert data["bundles"]["per_widget"] == {"warning": "240 KB", "critical": "250 KB"}
    assert data["budget"]["window"] == "30d"
    assert not (tmp_path / ".github" / "slo-gate.yml").exists()  # a dry run writes nothing


def test_a_vite_manifest_and_logs(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "web/dist/.vite/manifest.json": "{}",
            "web/dist/index.html": "<html></html>",
            "logs/mcp/requests.jsonl": "{}\n",
        },
    )
    code, out, _ = _run("--dry-run", "--workspace", str(tmp_path))
    assert code == 0
    policy = parse_policy(out, "init").policy
    assert policy.sections == ("bundles", "server")
    assert policy.bundles.root == "web/dist"
    assert policy.bundles.widgets.vite_manifest == ".vite/manifest.json"
    assert policy.server.logs == ["logs/mcp/*.jsonl"]
    assert yaml.safe_load(out)["server"]["latency"]["local"]["p95"]["critical"] == "500 ms"


def test_writes_once_and_never_overwrites_without_force(tmp_path: Path) -> None:
    _write(tmp_path, {"reports/junit.xml": JUNIT})
    code, _out, _ = _run("--workspace", str(tmp_path))
    target = tmp_path / ".github" / "slo-gate.yml"
    assert code == 0 and target.is_file()
    assert parse_policy(target.read_text(), "x").policy.sections == ("tests",)
    target.write_text("# mine\nversion: 1\n")
    code, _, err = _run("--workspace", str(tmp_path))
    assert code == 2 and "--force" in err
    assert target.read_text() == "# mine\nversion: 1\n"
    code, _, _ = _run("--workspace", str(tmp_path), "--force")
    assert code == 0 and "tests:" in target.read_text()


def test_an_empty_workspace_is_exit_2(tmp_path: Path) -> None:
    code, out, err = _run("--workspace", str(tmp_path))
    assert code == 2
    assert "found nothing to measure" in err
    assert out == ""


def test_folder_names_with_glob_characters_are_written_literally(tmp_path: Path) -> None:
    from slo_gate.globs import glob_match

    _write(tmp_path, {"reports/run[1]/junit.xml": JUNIT, "reports/run1/junit.xml": JUNIT})
    code, out, _ = _run("--dry-run", "--workspace", str(tmp_path))
    assert code == 0
    patterns = parse_policy(out, "init").policy.tests.junit
    assert patterns == ["reports/run1/*.xml", "reports/run[[]1]/*.xml"]
    assert glob_match(patterns[1], "reports/run[1]/junit.xml")
    assert not glob_match(patterns[1], "reports/run1/junit.xml")
