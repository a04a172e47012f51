"""The package's shape: no import cycle between its folders (DESIGN.md "Package layout")."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "slo_gate"


def _unit(path: Path) -> str:
    """A folder of the package, or a top-level module."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def folder_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in root.rglob("*.py"):
        here = _unit(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("slo_gate."):
                there = (node.module or "").split(".")[1]
                if there != here:
                    edges[here].add(there)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs of units that reach each other."""

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in edges.get(todo.pop(), set()) - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    reached = {unit: reach(unit) for unit in list(edges)}
    return sorted(
        (a, b) for a in reached for b in reached[a] if a < b and a in reached.get(b, set())
    )


def test_no_import_cycle_between_folders() -> None:
    assert cycles(folder_graph()) == []


def test_a_cycle_is_found() -> None:
    assert cycles({"github": {"history"}, "history": {"engine", "github"}}) == [
        ("github", "history")
    ]


def module_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Which modules each module imports when it is imported (top-level statements only:
    imports inside functions and ``if TYPE_CHECKING:`` blocks do not run then)."""
    names = {
        ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__")
        for path in root.rglob("*.py")
    }
    edges: dict[str, set[str]] = defaultdict(set)
    for path in root.rglob("*.py"):
        here = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        here = here.removesuffix(".__init__")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("slo_gate"):
                module = node.module or ""
                wanted = {module, *(f"{module}.{alias.name}" for alias in node.names)}
                edges[here] |= (wanted & names) - {here}
    return edges


def test_no_import_cycle_between_modules() -> None:
    """A check imports a collector on its bundle thread while the main thread imports others:
    Python's per-module import locks can only deadlock on a cycle between modules."""
    assert cycles(module_graph()) == []


def test_pure_rooms_do_no_io() -> None:
    """The engine, the renderers and the report builder see data, never stores or GitHub."""
    edges = folder_graph()
    io_rooms = {"collectors", "history", "github", "commands", "cli", "gha", "runenv", "context"}
    for room in ("engine", "render", "report"):
        assert not edges.get(room, set()) & io_rooms, (room, sorted(edges.get(room, set())))


def test_no_module_over_500_lines() -> None:
    """Small modules: each room's jobs stay in files a reader can hold in their head."""
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert long == {}
