"""Hostile widget builds: each pathological input must be resolved in well under a second.

    python benchmarks/hostile.py

Builds one small widget folder per input (generated here; nothing hostile is stored in the
repository), walks it and resolves its widgets (every scan of HTML, JS and CSS; compression is
left out, it is linear and measured by ``benchmarks/bundles.py``) and prints the seconds each
took. Inputs (issue 12):

- ``import`` followed by 2,000 spaces, repeated to 2 KB and to 50 KB (the old expression took
  68 s on 2 KB, more than 300 s on 7 KB);
- ``import("x`` repeated on one line (a dynamic-import attempt that never closes);
- 80,000 import lines in one file (line numbers were counted again for every match);
- an HTML page of 200,000 ``<a`` (``html.parser`` took 238 s), one of 200,000 unclosed
  ``<link href="`` attributes, and one of 100,000 ``<a x=">`` (each tag's quote runs to the
  end of the page, and ``html.parser``'s recovery reads on from the next ``>``);
- a shared chunk with 20,000 imports loaded by 200 widgets (scanned once per run, not per widget);
- a glob pattern of 200 ``*`` matched against 5,000 file names;
- a folder 2,000 levels deep (the walk stops at its depth cap and says so).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slo_gate.collectors.paths import glob_match, walk
from slo_gate.collectors.widgets import resolve_widgets
from slo_gate.config.policy import BundlesPolicy
from tests.fakes.deep_tree import make_deep


def _html(root: Path, name: str, body: str) -> None:
    page = root / "src" / name / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(body, encoding="utf-8")


def _one_script(root: Path, script: str, dynamic: bool = False) -> BundlesPolicy:
    (root / "assets").mkdir(parents=True, exist_ok=True)
    (root / "assets" / "app.js").write_text(script, encoding="utf-8")
    _html(root, "w", '<script type="module" src="/assets/app.js"></script>')
    return _policy(dynamic)


def _policy(dynamic: bool = False) -> BundlesPolicy:
    return BundlesPolicy.model_validate(
        {"root": "dist", "widgets": {"html": "src/**/index.html"}, "dynamic_imports": dynamic}
    )


def spaces(size: int) -> Callable[[Path], BundlesPolicy]:
    unit = "import" + " " * 2000
    return lambda root: _one_script(root, (unit * (size // len(unit) + 1))[:size])


def dynamic_unclosed(root: Path) -> BundlesPolicy:
    return _one_script(root, 'import("x ' * 20_000, dynamic=True)


def many_import_lines(root: Path) -> BundlesPolicy:
    (root / "assets").mkdir(parents=True, exist_ok=True)
    (root / "assets" / "dep.js").write_text("export const a = 1;\n", encoding="utf-8")
    return _one_script(root, 'import "./dep.js";\n' * 80_000)


def many_a(root: Path) -> BundlesPolicy:
    _html(root, "w", "<a" * 200_000)
    return _policy()


def unclosed_links(root: Path) -> BundlesPolicy:
    _html(root, "w", '<link href="' * 200_000)
    return _policy()


def quoted_gt(root: Path) -> BundlesPolicy:
    _html(root, "w", '<a x="> ' * 100_000)  # every tag runs to the end; recovery re-reads
    return _policy()


def shared_chunk(root: Path) -> BundlesPolicy:
    assets = root / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    (assets / "dep.js").write_text("export const a = 1;\n", encoding="utf-8")
    (assets / "shared.js").write_text('import "./dep.js";\n' * 20_000, encoding="utf-8")
    for i in range(200):
        _html(root, f"w{i}", '<script type="module" src="/assets/shared.js"></script>')
    return _policy()


def deep_tree(root: Path) -> BundlesPolicy:
    make_deep(root, 2000)
    _html(root, "w", "<p>hello</p>")
    return _policy()


CASES: dict[str, Callable[[Path], BundlesPolicy]] = {
    "import + 2,000 spaces, 2 KB": spaces(2_000),
    "import + 2,000 spaces, 50 KB": spaces(50_000),
    'import("x repeated 20,000 times': dynamic_unclosed,
    "80,000 import lines": many_import_lines,
    "HTML of 200,000 <a": many_a,
    '200,000 unclosed <link href="': unclosed_links,
    '100,000 <a x="> (tags that never end)': quoted_gt,
    "shared chunk of 20,000 imports, 200 widgets": shared_chunk,
    "folder 2,000 levels deep": deep_tree,
}


def main() -> None:
    sys.setrecursionlimit(10_000)  # only so that the temporary 2,000-deep folder can be removed
    print(f"{'input':<48} {'seconds':>8}")
    worst = 0.0
    for name, build in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            workspace = Path(tmp)
            policy = build(workspace / "dist")
            root = workspace / "dist"
            started = time.perf_counter()
            resolve_widgets(root, walk(root, shown_root="dist"), policy, "dist")
            seconds = time.perf_counter() - started
        worst = max(worst, seconds)
        print(f"{name:<48} {seconds:>8.3f}")
    names = [f"file{i}-" + "ab" * 20 + ".js" for i in range(5000)]
    pattern = "*" * 200 + ".x"
    started = time.perf_counter()
    for name in names:
        glob_match(pattern, name)
    seconds = time.perf_counter() - started
    worst = max(worst, seconds)
    print(f"{'glob of 200 * against 5,000 names':<48} {seconds:>8.3f}")
    print(f"worst: {worst:.3f} s (target: well under 1 s each)")


if __name__ == "__main__":
    main()
