#!/usr/bin/env python3
"""Run composite/action.yml's own steps on this machine, as a runner would, on the example.

    python scripts/composite-smoke.py

The install step's script runs with bash exactly as written (a fresh venv from the lock, then
this checkout), then the gate step's script with the step's env: each ``${{ inputs.NAME }}``
replaced by the input's default or by the values below, in a scratch workspace holding a copy of
examples/, with a GitHub environment that has no token and an unreachable API (nothing is
published). It fails unless every output the action declares was written and the decision is
one of the five. On GitHub, ci.yml's ``composite`` job does the same with ``uses: ./composite``
on Linux, macOS and Windows; this is the part that can be checked without a runner.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
VALUES = {
    "config": "examples/slo-gate.yml",
    "json": "out/verdict.json",
    "comment": "off",
    "history": "off",
    "github-token": "",
}
EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file (``name=value`` and ``name<<DELIM`` blocks)."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            outputs[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def main() -> int:
    action: dict[str, Any] = yaml.safe_load((ROOT / "composite" / "action.yml").read_text())
    steps = {step.get("id"): step for step in action["runs"]["steps"]}
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs.update(VALUES)

    with tempfile.TemporaryDirectory(prefix="slo-gate-composite-") as tmp:
        base = Path(tmp)
        workspace = base / "workspace"
        workspace.mkdir()
        subprocess.run(["cp", "-r", str(ROOT / "examples"), str(workspace)], check=True)
        (base / "event.json").write_text("{}\n")
        runner = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(base)),
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(ROOT / "composite"),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_EVENT_NAME": "workflow_dispatch",
            "GITHUB_EVENT_PATH": str(base / "event.json"),
            "GITHUB_REPOSITORY": "slo-gate/slo-gate",
            "GITHUB_SHA": "0" * 40,
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_API_URL": "http://127.0.0.1:9",
            "GITHUB_RUN_ID": "1",
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_STEP_SUMMARY": str(base / "summary.md"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        for key in ("PIP_CONFIG_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
            if key in os.environ:
                runner[key] = os.environ[key]

        install_out = base / "install-output"
        install_out.touch()
        context = {
            "steps.python.outputs.python-path": sys.executable,
            "runner.temp": str(base),
        }
        env = {k: EXPR.sub(lambda m: context[m[1]], v) for k, v in steps["install"]["env"].items()}
        print("== composite install step")
        subprocess.run(
            ["bash", "-e", "-c", steps["install"]["run"]],
            env={**runner, **env, "GITHUB_OUTPUT": str(install_out)},
            cwd=workspace,
            check=True,
        )
        context["steps.install.outputs.command"] = read_outputs(install_out)["command"]
        context.update({f"inputs.{name}": value for name, value in inputs.items()})

        gate_out = base / "gate-output"
        gate_out.touch()
        env = {k: EXPR.sub(lambda m: context[m[1]], v) for k, v in steps["gate"]["env"].items()}
        print("== composite gate step: slo-gate action")
        run = subprocess.run(
            ["bash", "-e", "-c", steps["gate"]["run"]],
            env={**runner, **env, "GITHUB_OUTPUT": str(gate_out)},
            cwd=workspace,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        outputs = read_outputs(gate_out)
        declared = {
            name: EXPR.sub(
                lambda m: outputs.get(m[1].removeprefix("steps.gate.outputs."), "?"), spec["value"]
            )
            for name, spec in action["outputs"].items()
        }
        missing = [n for n in action["outputs"] if n not in outputs]
        print(f"exit {run.returncode}; decision={declared['decision']}")
        if run.returncode not in (0, 1) or missing:
            print(f"composite-smoke: exit {run.returncode}, outputs missing: {missing}")
            return 1
        if declared["decision"] not in {"pass", "warn", "fail", "pause", "rollback"}:
            print(f"composite-smoke: bad decision {declared['decision']!r}")
            return 1
        if not (workspace / "out" / "verdict.json").is_file():
            print("composite-smoke: the json input's file was not written")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
