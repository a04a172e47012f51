"""Start-up counted in instructions (valgrind's cachegrind), with its floors and the model builds.

Wall time of a 0.2 s command moves by a third with this machine's load; instructions do not.
This script counts, each in its own process under ``valgrind --tool=cachegrind --cache-sim=no``:

- the floors: ``python -c pass``; ``import yaml; from pydantic import BaseModel``; the same plus
  one model class (pydantic's first build loads its schema generator); the same plus
  ``import importlib.metadata`` (which pydantic's plugin loader imports); the model-class floor
  again with yaml imported the way slo-gate imports it (``slo_gate.config.pyyaml``);
- ``slo-gate --version``, ``schema policy`` and ``validate --config examples/slo-gate.yml``
  through ``slo_gate.cli.main``, from this tree and, with ``--before DIR``, from an older one
  (e.g. ``git archive 95a1a30 slo_gate | tar -x -C DIR``), the editable install's finder taken
  out of the way so that each really reads its own tree;

and then times, in this process, each pydantic model class that ``slo_gate.config.policy``,
``slo_gate.verdict`` and ``slo_gate.records`` build at import (after one throw-away model).

Usage: ``python benchmarks/startup_instructions.py [--before DIR]``. Needs valgrind on PATH.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.junit_instructions import instructions  # noqa: E402

_PYDANTIC = "import yaml; from pydantic import BaseModel"
_ONE_MODEL = _PYDANTIC + "\nclass X(BaseModel):\n    a: int = 1\n"
_FLOORS = {
    "python -c pass": "pass",
    "import yaml and pydantic": _PYDANTIC,
    "+ a first model class": _ONE_MODEL,
    "+ import importlib.metadata": _PYDANTIC + "; import importlib.metadata",
    # yaml as slo-gate imports it (slo_gate/config/pyyaml.py: its regex compiled the quick way)
    "the same three, yaml through slo_gate.config.pyyaml": _ONE_MODEL.replace(
        "import yaml;", "from slo_gate.config.pyyaml import yaml;"
    ),
}

# The tree comes first on sys.path, the editable finder is removed (see junit_instructions.py).
_COMMAND = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, sys.argv[1])
import slo_gate
assert slo_gate.__file__.startswith(sys.argv[1])
from slo_gate.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
"""
_COMMANDS = {
    "--version": ["--version"],
    "schema policy": ["schema", "policy"],
    "validate": [
        "validate",
        "--config",
        str(ROOT / "examples" / "slo-gate.yml"),
        "--workspace",
        str(ROOT),
    ],
}


def model_build_times() -> list[tuple[float, str]]:
    """Seconds each model class took to build, slowest first (in this process)."""
    from pydantic import BaseModel
    from pydantic._internal import _model_construction as construction

    class _First(BaseModel):  # pydantic's own lazy imports happen here, not in a model below
        a: int = 1

    built: list[tuple[float, str]] = []
    original = construction.ModelMetaclass.__new__

    def timed(mcs: Any, name: str, bases: Any, namespace: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        cls = original(mcs, name, bases, namespace, **kwargs)
        built.append((time.perf_counter() - start, f"{namespace.get('__module__')}.{name}"))
        return cls

    construction.ModelMetaclass.__new__ = timed  # type: ignore[method-assign,assignment]
    try:
        import slo_gate.config.policy
        import slo_gate.records
        import slo_gate.verdict  # noqa: F401
    finally:
        construction.ModelMetaclass.__new__ = original  # type: ignore[method-assign]
    return sorted(built, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", type=Path, help="an older tree (folder holding slo_gate/)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH")
    trees = {"this tree": ROOT}
    if args.before is not None:
        trees = {"--before": args.before.resolve(), **trees}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, code in _FLOORS.items():
            program = [sys.executable, "-c", code]
            instructions(program, work)  # the first run writes the bytecode cache
            print(f"floor, {name}: {instructions(program, work) / 1e6:,.0f} M")
        for label, tree in trees.items():
            for name, argv in _COMMANDS.items():
                program = [sys.executable, "-c", _COMMAND, str(tree), *argv]
                instructions(program, work)  # the first run writes the bytecode cache
                print(f"{label}, slo-gate {name}: {instructions(program, work) / 1e6:,.0f} M")
    built = model_build_times()
    total = sum(seconds for seconds, _ in built)
    print(f"model classes built at import: {len(built)} in {total * 1000:.1f} ms; slowest:")
    for seconds, name in built[:5]:
        print(f"  {seconds * 1000:5.2f} ms  {name}")


if __name__ == "__main__":
    main()
