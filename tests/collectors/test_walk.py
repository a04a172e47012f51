"""Bounded walking and reading (issue 12): every limit is a named problem, never an exception."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from slo_gate.collectors.bundles import collect_bundles
from slo_gate.collectors.paths import WalkLimits, walk
from slo_gate.config.policy import BundlesPolicy
from slo_gate.files import RefusedFile, read_bounded
from tests.fakes.deep_tree import make_deep, remove_deep


def html_policy(pattern: str = "**/index.html", **extra: object) -> BundlesPolicy:
    return BundlesPolicy.model_validate({"root": "dist", "widgets": {"html": pattern}, **extra})


def page(root: Path, src: str = "/a.js") -> None:
    (root / "w").mkdir(parents=True, exist_ok=True)
    (root / "w" / "index.html").write_text(f'<script src="{src}"></script>', "utf-8")
    (root / "a.js").write_text("export const a = 1;\n", "utf-8")


def codes(problems: object) -> list[str]:
    return [p.code for p in problems]  # type: ignore[attr-defined]


def test_a_deep_tree_stops_at_the_depth_cap(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    make_deep(root, 1200)  # deeper than the recursion limit: os.walk would raise
    try:
        deep_tree_is_bounded(tmp_path, root)
    finally:
        remove_deep(root, 1200)


def deep_tree_is_bounded(tmp_path: Path, root: Path) -> None:
    page(root)
    tree = walk(root, shown_root="dist")
    assert codes(tree.problems) == ["walk-too-deep"]
    problem = tree.problems[0]
    assert "64 folders deep" in problem.message
    assert problem.path is not None and problem.path.startswith("dist/d/d/")
    assert tree.files == ["a.js", "w/index.html"]
    m = collect_bundles(html_policy(), tmp_path)
    assert [w.name for w in m.widgets] == ["w"]
    assert "walk-too-deep" in codes(m.problems)


def test_link_loops_and_directory_links_are_never_followed(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    page(root)
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to("..", target_is_directory=True)  # a directory loop
    (root / "sub" / "self").symlink_to("self")  # a link to itself
    (root / "sub" / "p").symlink_to("q")
    (root / "sub" / "q").symlink_to("p")
    tree = walk(root, shown_root="dist")
    assert tree.files == ["a.js", "w/index.html"]
    assert sorted((p.code, p.path) for p in tree.problems) == [
        ("path-link-loop", "dist/sub/p"),
        ("path-link-loop", "dist/sub/q"),
        ("path-link-loop", "dist/sub/self"),
    ]
    m = collect_bundles(html_policy("**/index.html"), tmp_path)  # `**` must not loop either
    assert [w.name for w in m.widgets] == ["w"]


def test_the_file_cap_is_a_problem(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    for i in range(5):
        (root / f"f{i}").mkdir(parents=True)
        (root / f"f{i}" / "x.js").write_text("1", "utf-8")
    tree = walk(root, WalkLimits(max_files=3), shown_root="dist")
    assert len(tree.files) == 3
    assert codes(tree.problems) == ["walk-too-many-files"]
    assert "more than 3 files" in tree.problems[0].message


def test_special_files_are_listed_as_problems_never_read(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    page(root, "/pipe.js")
    os.mkfifo(root / "pipe.js")
    (root / "zero.js").symlink_to("/dev/zero")
    tree = walk(root, shown_root="dist")
    assert codes(tree.problems) == ["path-special-file"]
    assert tree.escaping_links == ["zero.js"]
    with pytest.raises(RefusedFile, match="not a regular file"):
        read_bounded(root / "pipe.js", 100)  # would block forever if opened for a plain read
    with pytest.raises(RefusedFile, match="not a regular file"):
        read_bounded(Path("/dev/zero"), 100)  # would never end
    (root / "big.js").write_bytes(b"x" * 101)
    with pytest.raises(RefusedFile, match="larger than the limit of 100 bytes"):
        read_bounded(root / "big.js", 100)
    with pytest.raises(RefusedFile, match="NUL"):
        read_bounded(root / "a\x00b", 100)


def test_a_name_that_is_not_utf8_is_a_problem_and_the_verdict_serialises(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    page(root)
    os.mkdir(os.fsencode(root) + b"/caf\xe9")
    os.close(os.open(os.fsencode(root) + b"/caf\xe9/x.js", os.O_CREAT | os.O_WRONLY))
    m = collect_bundles(html_policy(), tmp_path)
    assert codes(m.problems) == ["path-not-utf8"]
    assert m.problems[0].path == "dist/caf\ufffd"
    json.loads(m.model_dump_json())  # no surrogate reaches the JSON writer


@pytest.mark.parametrize(
    ("pattern", "why"),
    [("", "empty"), (".", "only '.'"), ("a\x00b", "NUL"), ("*" * 2000, "longer than 1024")],
)
def test_unusable_widget_patterns_are_problems(tmp_path: Path, pattern: str, why: str) -> None:
    page(tmp_path / "dist")
    m = collect_bundles(html_policy(pattern), tmp_path)
    assert codes(m.problems) == ["bundle-bad-pattern"]
    assert why in m.problems[0].message


def test_a_nul_in_the_bundle_root_is_a_problem(tmp_path: Path) -> None:
    policy = BundlesPolicy.model_validate({"root": "di\x00st", "widgets": {"html": "*.html"}})
    m = collect_bundles(policy, tmp_path)
    assert codes(m.problems) == ["bundle-root-bad-path"]
    json.loads(m.model_dump_json())


@pytest.mark.parametrize(
    "manifest",
    [
        {"a.html": {"file": "a.js", "isEntry": True, "css": None}},
        {"a.html": {"file": "a.js", "isEntry": True, "imports": 1}},
        {"a.html": {"file": 3, "isEntry": True}},
        {"a.html": {"file": "a.js", "isEntry": True, "dynamicImports": [None]}},
    ],
)
def test_a_manifest_with_wrong_types_is_a_problem(tmp_path: Path, manifest: object) -> None:
    root = tmp_path / "dist"
    (root / ".vite").mkdir(parents=True)
    (root / "a.js").write_text("1", "utf-8")
    (root / ".vite" / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    policy = BundlesPolicy.model_validate({"root": "dist", "widgets": {"vite_manifest": ""}})
    m = collect_bundles(policy, tmp_path)
    assert "bundle-bad-manifest" in codes(m.problems)
    assert "a.html" in m.problems[0].message


def test_a_deeply_nested_manifest_is_a_problem(tmp_path: Path) -> None:
    root = tmp_path / "dist"
    (root / ".vite").mkdir(parents=True)
    (root / ".vite" / "manifest.json").write_text("[" * 200_000 + "]" * 200_000, "utf-8")
    policy = BundlesPolicy.model_validate({"root": "dist", "widgets": {"vite_manifest": ""}})
    m = collect_bundles(policy, tmp_path)
    assert codes(m.problems)[0] == "bundle-bad-manifest"


def test_names_that_are_not_utf8_in_the_policy_still_serialise(tmp_path: Path) -> None:
    page(tmp_path / "dist")
    policy = BundlesPolicy.model_validate(
        {"root": "dist", "widgets": {"vite_manifest": "caf\udce9.json"}}
    )
    m = collect_bundles(policy, tmp_path)
    assert codes(m.problems) == ["bundle-no-manifest"]
    assert "caf\ufffd.json" in m.problems[0].message
    json.loads(m.model_dump_json())


def test_the_number_of_widgets_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from slo_gate.collectors import widgets

    root = tmp_path / "dist"
    for i in range(4):
        (root / f"w{i}.js").parent.mkdir(parents=True, exist_ok=True)
        (root / f"w{i}.js").write_text("1", "utf-8")
    monkeypatch.setattr(widgets, "MAX_MATCHES", 3)
    policy = BundlesPolicy.model_validate({"root": "dist", "widgets": {"glob": "*.js"}})
    m = collect_bundles(policy, tmp_path)
    assert len(m.widgets) == 3
    assert codes(m.problems) == ["bundle-too-many-widgets"]


def test_a_bundle_root_that_is_a_link_loop_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "dist").symlink_to("dist")
    m = collect_bundles(html_policy(), tmp_path)
    assert codes(m.problems) == ["bundle-root-missing"]
