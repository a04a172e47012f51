"""How slo-gate ships: the composite action agrees with the Docker one, every third-party action
is pinned by commit SHA, permissions are least-privilege, and the release rewrites action.yml."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from slo_gate.config.inputs import (
    ActionInputs,
    input_defaults,
    input_descriptions,
    input_names,
    inputs_markdown_table,
)

ROOT = Path(__file__).resolve().parents[1]
SHA_PIN = re.compile(r"^(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # v\d+\.\d+\.\d+$")


def expr(inner: str) -> str:
    """A GitHub Actions expression, ``${{ inner }}``."""
    return "${{ " + inner + " }}"


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def load_script(name: str) -> ModuleType:
    path = ROOT / "scripts" / name
    spec = importlib.util.spec_from_file_location(name.replace("-", "_").removesuffix(".py"), path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_input_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("<!-- inputs:start -->", 1)[1].split("<!-- inputs:end -->", 1)[0].strip()


# ----------------------------------------------------------------------------- composite action

ACTION = load_yaml(ROOT / "action.yml")
COMPOSITE = load_yaml(ROOT / "composite" / "action.yml")


def composite_step(step_id: str) -> dict[str, Any]:
    steps = [s for s in COMPOSITE["runs"]["steps"] if s.get("id") == step_id]
    assert len(steps) == 1, step_id
    step: dict[str, Any] = steps[0]
    return step


def test_composite_inputs_equal_action_yml_the_model_and_the_readme() -> None:
    assert COMPOSITE["inputs"] == ACTION["inputs"]
    inputs = COMPOSITE["inputs"]
    assert list(inputs) == input_names()
    for name, spec in inputs.items():
        assert spec["description"] == input_descriptions()[name], name
        assert str(spec["default"]) == input_defaults()[name], name
    assert readme_input_table() == inputs_markdown_table()


def test_composite_outputs_equal_action_yml_and_come_from_the_gate_step() -> None:
    outputs = COMPOSITE["outputs"]
    assert list(outputs) == list(ACTION["outputs"])
    for name, spec in outputs.items():
        assert spec["description"] == ACTION["outputs"][name]["description"], name
        assert spec["value"] == expr(f"steps.gate.outputs.{name}"), name


def test_composite_passes_every_input_as_the_docker_runner_would() -> None:
    env = composite_step("gate")["env"]
    mapped = {k: v for k, v in env.items() if k.startswith("INPUT_")}
    # Docker actions get INPUT_<NAME upper-cased, spaces to underscores>, hyphens kept.
    expected = {
        "INPUT_" + name.replace(" ", "_").upper(): expr(f"inputs.{name}") for name in input_names()
    }
    assert mapped == expected


def test_composite_env_reads_like_the_docker_env() -> None:
    """With the defaults filled in, both runners hand slo-gate the same inputs."""
    values = {name: str(spec["default"]) for name, spec in ACTION["inputs"].items()}
    values.update({"github-token": "ghs_x", "mode": "release", "junit": "a.xml\nb.xml"})
    docker_env = {"INPUT_" + n.replace(" ", "_").upper(): v for n, v in values.items()}
    composite_env = {
        key: values[expr.removeprefix("${{ inputs.").removesuffix(" }}")]
        for key, expr in composite_step("gate")["env"].items()
        if key.startswith("INPUT_")
    }
    assert composite_env == docker_env
    assert ActionInputs.from_inputs(composite_env) == ActionInputs.from_inputs(docker_env)


def test_composite_installs_the_hash_locked_requirements_then_runs_slo_gate_action() -> None:
    python = composite_step("python")
    assert python["uses"].startswith("actions/setup-python@")
    assert python["with"]["update-environment"] is False
    install = composite_step("install")["run"]
    assert "--require-hashes --only-binary=:all: --no-deps" in install
    assert '-r "$GITHUB_ACTION_PATH/../requirements.lock"' in install
    assert 'pip install --quiet --no-deps "$GITHUB_ACTION_PATH/.."' in install
    gate = composite_step("gate")
    assert gate["run"] == '"$SLO_GATE" action'
    assert gate["env"]["SLO_GATE"] == expr("steps.install.outputs.command")
    assert all(step.get("shell", "bash") == "bash" for step in COMPOSITE["runs"]["steps"])


def test_main_keeps_the_dockerfile_and_ci_tests_both_variants_on_every_os() -> None:
    assert ACTION["runs"]["image"] == "Dockerfile"
    ci = load_yaml(ROOT / ".github" / "workflows" / "ci.yml")
    composite = ci["jobs"]["composite"]
    assert composite["strategy"]["matrix"]["os"] == [
        "ubuntu-latest",
        "macos-latest",
        "windows-latest",
    ]
    assert [s.get("uses") for s in composite["steps"]].count("./composite") == 1
    assert [s.get("uses") for s in ci["jobs"]["self-test"]["steps"]].count("./") == 1


# ----------------------------------------------------------------------------- pinning


def uses_lines(path: Path) -> list[str]:
    """Every ``uses:`` value of a workflow, action or Markdown file, with its trailing comment."""
    found = re.findall(r"^\s*(?:-\s+)?uses:\s*(.+?)\s*$", path.read_text(encoding="utf-8"), re.M)
    return [re.sub(r"\s+#\s*", " # ", u).split(" # zizmor:")[0] for u in found]


def pinned_files() -> list[Path]:
    files = [
        *sorted((ROOT / ".github" / "workflows").glob("*.yml")),
        *sorted((ROOT / "docs" / "workflows").glob("*.yml")),
        ROOT / "action.yml",
        ROOT / "composite" / "action.yml",
        ROOT / "README.md",
    ]
    assert len(files) >= 10
    return files


def test_every_third_party_action_is_pinned_by_commit_sha_with_a_version_comment() -> None:
    seen: dict[str, set[str]] = {}
    for path in pinned_files():
        for use in uses_lines(path):
            if use.startswith(("./", "slo-gate/slo-gate@", "slo-gate/slo-gate/composite@")):
                continue  # this repository's own action (ref-pinned by policy: .github/zizmor.yml)
            match = SHA_PIN.match(use)
            assert match, f"{path.relative_to(ROOT)}: {use!r} is not '<action>@<40 hex> # vX.Y.Z'"
            seen.setdefault(match["action"], set()).add(use)
    # One version of each action everywhere, so one Dependabot update moves them all.
    assert {a: v for a, v in seen.items() if len(v) > 1} == {}
    assert "actions/checkout" in seen and "pypa/gh-action-pypi-publish" in seen


def test_the_pin_check_catches_a_tag_reference() -> None:
    assert not SHA_PIN.match("actions/checkout@v6")
    assert not SHA_PIN.match("actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803")
    assert SHA_PIN.match("actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803 # v6.1.0")


# ----------------------------------------------------------------------------- permissions


def workflows() -> list[tuple[Path, dict[str, Any]]]:
    paths = [
        *(ROOT / ".github" / "workflows").glob("*.yml"),
        *(ROOT / "docs" / "workflows").glob("*.yml"),
    ]
    return [(p, load_yaml(p)) for p in sorted(paths)]


@pytest.mark.parametrize("path,workflow", workflows(), ids=lambda v: getattr(v, "name", ""))
def test_workflow_permissions_are_least_privilege(path: Path, workflow: dict[str, Any]) -> None:
    top = workflow.get("permissions")
    assert top == {} or (isinstance(top, dict) and set(top.values()) <= {"read"}), path
    for name, job in workflow["jobs"].items():
        perms = job.get("permissions", {})
        if perms.get("id-token") == "write":
            assert (path.name, name) == ("release.yml", "pypi")
            assert perms == {"id-token": "write"}
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                keep = step.get("with", {}).get("persist-credentials")
                expected = (path.name, name) == ("release.yml", "tag")
                assert keep is expected, f"{path.name} {name}: persist-credentials"


# ----------------------------------------------------------------------------- release rewrite

release_image = load_script("release-action-image.py")


def test_release_rewrites_only_the_image_line() -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    new = release_image.rewrite(text, "v1.2.3", "ghcr.io/slo-gate/slo-gate")
    assert load_yaml_text(new)["runs"] == {
        "using": "docker",
        "image": "docker://ghcr.io/slo-gate/slo-gate:v1.2.3",
        "args": ["action"],
    }
    old_lines, new_lines = text.splitlines(), new.splitlines()
    assert len(old_lines) == len(new_lines)
    assert [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b] == [
        ("  image: Dockerfile", "  image: docker://ghcr.io/slo-gate/slo-gate:v1.2.3")
    ]
    with pytest.raises(ValueError, match="already rewritten"):
        release_image.rewrite(new, "v1.2.4", "ghcr.io/slo-gate/slo-gate")


@pytest.mark.parametrize(
    "version,image,message",
    [
        ("1.2.3", "ghcr.io/o/slo-gate", "vMAJOR"),
        ("v1.2", "ghcr.io/o/slo-gate", "vMAJOR"),
        ("v1.2.3-rc1", "ghcr.io/o/slo-gate", "vMAJOR"),
        ("v1.2.3", "ghcr.io/Owner/slo-gate", "lowercase"),
        ("v1.2.3", "ghcr.io/o/slo-gate:latest", "lowercase"),
    ],
)
def test_release_refuses_bad_versions_and_images(version: str, image: str, message: str) -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        release_image.rewrite(text, version, image)


def test_release_script_edits_the_file(tmp_path: Path) -> None:
    target = tmp_path / "action.yml"
    target.write_text((ROOT / "action.yml").read_text(encoding="utf-8"), encoding="utf-8")
    assert release_image.main(["v2.0.1", "ghcr.io/slo-gate/slo-gate", str(target)]) == 0
    assert "  image: docker://ghcr.io/slo-gate/slo-gate:v2.0.1\n" in target.read_text()
    assert release_image.main(["v2.0.2", "ghcr.io/slo-gate/slo-gate", str(target)]) == 1


def load_yaml_text(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def test_release_workflow_smoke_tests_the_pushed_image_before_tagging() -> None:
    release = load_yaml(ROOT / ".github" / "workflows" / "release.yml")
    jobs = release["jobs"]
    assert set(jobs["tag"]["needs"]) >= {"image", "smoke", "dist"}
    assert "tag" in jobs["pypi"]["needs"]
    smoke = "\n".join(s.get("run", "") for s in jobs["smoke"]["steps"])
    assert "docker run" in smoke and '"$REF"' in smoke
    assert "check --config examples/slo-gate.yml --now 2026-11-01T00:00:00Z" in smoke
    assert "pause" in smoke
    tag = "\n".join(s.get("run", "") for s in jobs["tag"]["steps"])
    assert "scripts/release-action-image.py" in tag
    assert 'git push --force origin "refs/tags/$MAJOR"' in tag
