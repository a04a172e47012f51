"""Start-up: the parser and the light commands import nothing they do not use (issue 14).

``slo-gate --version``, ``--help``, ``validate`` and ``schema`` must not pay for PyGithub,
requests, lxml, orjson, the collectors or the report code. Each case runs in a fresh Python
process and looks at ``sys.modules`` afterwards; the times themselves are measured in
``docs/benchmarks.md`` ("Start-up"), never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from slo_gate.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]

#: imported only by the commands that use them (check, report, action)
HEAVY = (
    "github",
    "requests",
    "urllib3",
    "lxml",
    "orjson",
    "junitparser",
    "brotli",
    "slo_gate.report",
    "slo_gate.collectors",
    "slo_gate.github",
    "slo_gate.history",
    "slo_gate.engine",
    "slo_gate.render",
    "slo_gate.commands.inputs",
)

#: the parser alone needs not even the policy models
NOT_FOR_THE_PARSER = (*HEAVY, "pydantic", "yaml", "slo_gate.config.policy", "slo_gate.verdict")

PROGRAM = """\
import io, json, sys
import slo_gate.cli
argv = json.loads(sys.argv[1])
code = None
if argv is not None:
    out = io.StringIO()
    code = slo_gate.cli.main(argv, env={}, out=out, err=out)
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(argv: list[str] | None) -> tuple[int | None, list[str]]:
    """Run ``slo_gate.cli.main(argv)`` (or only import the CLI) in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(argv)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    return result["code"], result["modules"]


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


@pytest.mark.parametrize("argv", [None, ["--version"], ["--help"], ["check", "--help"]], ids=repr)
def test_the_parser_imports_no_command(argv: list[str] | None) -> None:
    code, modules = _modules_after(argv)
    assert code in (None, 0)
    assert _loaded(modules, NOT_FOR_THE_PARSER) == []
    assert "slo_gate.commands.check" not in modules


@pytest.mark.parametrize(
    "argv",
    [
        ["schema", "policy"],
        ["schema", "verdict"],
        ["validate", "--workspace", str(ROOT), "--config", "examples/slo-gate.yml"],
    ],
    ids=" ".join,
)
def test_validate_and_schema_import_only_the_policy_code(argv: list[str]) -> None:
    code, modules = _modules_after(argv)
    assert code == 0
    assert _loaded(modules, HEAVY) == []
    assert f"slo_gate.commands.{argv[0]}" in modules  # it did run
    parsers = {f"slo_gate.commands.{name}_args" for name in COMMANDS}
    assert set(_loaded(modules, ("slo_gate.commands",))) == {
        "slo_gate.commands",
        *parsers,
        f"slo_gate.commands.{argv[0]}",
    }


@pytest.mark.parametrize("which", ["policy", "verdict"])
def test_schema_prints_a_shipped_file_without_the_models(which: str) -> None:
    """`schema` reads its file: neither pydantic nor YAML nor a model is loaded."""
    code, modules = _modules_after(["schema", which])
    assert code == 0
    assert _loaded(modules, NOT_FOR_THE_PARSER) == []
    assert "slo_gate.config.schema" not in modules


def test_the_real_command_still_runs_behind_its_parser() -> None:
    """The parser hands over to the command, which loads the policy code when it runs."""
    code, modules = _modules_after(["check", "--workspace", str(ROOT / "nowhere")])
    assert code == 2  # nothing to measure there
    assert {"slo_gate.commands.check", "slo_gate.config.loader", "pydantic"} <= set(modules)


#: what a check of JUnit reports alone, with no GitHub repository or token, has no use for
NOT_FOR_A_JUNIT_CHECK = (
    "github",
    "requests",
    "urllib3",
    "brotli",
    "orjson",
    "slo_gate.github.client",
    "slo_gate.history.workflow_runs",
    "slo_gate.history.baseline",
    "slo_gate.history.github_branch",
    "slo_gate.collectors.bundles",
    "slo_gate.collectors.build_time",
    "slo_gate.collectors.playwright",
    "slo_gate.collectors.server_logs",
    "slo_gate.report",
    "slo_gate.report_model",
)


def test_a_junit_check_imports_only_what_it_measures(tmp_path: Path) -> None:
    """GitHub, the bundle scanner and the other collectors load with the run that uses them."""
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuite name="s" tests="2" failures="1">'
        '<testcase classname="t" name="ok"/>'
        '<testcase classname="t" name="bad"><failure message="no"/></testcase>'
        "</testsuite>"
    )
    argv = ["check", "--workspace", str(tmp_path), "--junit", "junit.xml", "--no-record"]
    code, modules = _modules_after(argv)
    assert code == 1  # it ran: one failing test fails the gate
    assert "slo_gate.collectors.junit" in modules
    assert _loaded(modules, NOT_FOR_A_JUNIT_CHECK) == []


def test_each_source_brings_its_collector(tmp_path: Path) -> None:
    """The same check with bundles and a build-time file loads those collectors, and no GitHub."""
    (tmp_path / "dist" / "w").mkdir(parents=True)
    (tmp_path / "dist" / "w" / "index.html").write_text('<script src="app.js"></script>')
    (tmp_path / "dist" / "w" / "app.js").write_text("console.log(1)\n")
    (tmp_path / "build.json").write_text('{"seconds": 12}')
    (tmp_path / "slo-gate.yml").write_text(
        "version: 1\nbundles:\n  root: dist\n  widgets: {html: '*/index.html'}\n"
        "build_time:\n  from: {file: build.json}\n"
    )
    policy = str(tmp_path / "slo-gate.yml")
    argv = ["check", "--workspace", str(tmp_path), "--config", policy, "--no-record"]
    code, modules = _modules_after(argv)
    assert code == 0
    assert {"slo_gate.collectors.bundles", "slo_gate.collectors.build_time", "brotli"} <= set(
        modules
    )
    assert _loaded(modules, ("github", "requests", "slo_gate.github.client")) == []
    assert (
        _loaded(modules, ("lxml", "junitparser", "slo_gate.collectors.tests")) == []
    )  # no reports


#: the other sources' engine arithmetic, and what only some runs need (git, "did you mean")
NOT_FOR_A_BUNDLES_CHECK = (
    "slo_gate.engine.tests",
    "slo_gate.engine.ci",
    "slo_gate.engine.build_time",
    "slo_gate.engine.server",
    "slo_gate.history.run_cache",
    "slo_gate.runs",
    "slo_gate.collectors.tests",
    "slo_gate.events",
    "subprocess",
    "difflib",
    "getpass",
    "concurrent.futures",  # no other source to overlap with, nothing to compress: no thread pool
    "html",  # the entity table: only attributes that hold a "&"
)


def test_a_bundles_check_loads_no_other_source_s_engine(tmp_path: Path) -> None:
    """A warm bundles-only run is mostly start-up: each source's engine loads with its data."""
    (tmp_path / "dist" / "w").mkdir(parents=True)
    (tmp_path / "dist" / "w" / "index.html").write_text('<script src="app.js"></script>')
    (tmp_path / "dist" / "w" / "app.js").write_text("console.log(1)\n")
    (tmp_path / "slo-gate.yml").write_text(
        "version: 1\nbundles:\n  root: dist\n  widgets: {html: '*/index.html'}\n"
    )
    argv = ["check", "--workspace", str(tmp_path), "--config", str(tmp_path / "slo-gate.yml")]
    argv += ["--commit", "a" * 40, "--branch", "main", "--no-record"]
    code, modules = _modules_after(argv)
    assert code == 0
    assert {"slo_gate.engine.evaluate", "slo_gate.engine.bundles"} <= set(modules)  # it ran
    assert _loaded(modules, NOT_FOR_A_BUNDLES_CHECK) == []
