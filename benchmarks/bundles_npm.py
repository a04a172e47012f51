"""Whole-process bundle benchmark on widgets built from real npm libraries (see bundles.py)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.junit import run_process

#: (asset name, file under node_modules); three.module.js loses its import of three.core.js
LIBRARIES = {
    "react": "react/cjs/react.production.js",
    "react-dom": "react-dom/cjs/react-dom-client.production.js",
    "lodash": "lodash/lodash.min.js",
    "chart": "chart.js/dist/chart.umd.min.js",
    "d3": "d3/dist/d3.min.js",
    "three": "three/build/three.module.js",
}
WIDGETS = {
    "chat": ["react", "react-dom", "lodash"],
    "charts": ["chart", "d3"],
    "dashboard": ["react", "react-dom", "chart"],
    "map": ["d3", "lodash"],
    "viewer": ["three"],
}

_REFERENCE = """
import sys, zlib, brotli
from pathlib import Path
for name in sys.argv[1:]:
    data = Path(name).read_bytes()
    len(zlib.compress(data, 9, wbits=31))
    len(brotli.compress(data, mode=brotli.MODE_GENERIC, quality=11, lgwin=22))
"""

_POLICY = """version: 1
bundles:
  root: dist
  widgets: {html: "*/index.html"}
  per_widget: {warning: 2 MB, critical: 3 MB}
  total: {critical: 10 MB}
history:
  store: file
  file: history.jsonl
"""


def _hashed(stem: str, data: bytes, ext: str) -> str:
    return f"assets/{stem}-{hashlib.sha256(data).hexdigest()[:8]}{ext}"


def build(npm: Path, root: Path) -> list[Path]:
    """The dist folder; returns the unique JS/CSS files the widgets load."""
    modules = npm / "node_modules"
    names: dict[str, str] = {}
    files: list[Path] = []
    for lib, rel in LIBRARIES.items():
        data = (modules / rel).read_bytes()
        if lib == "three":  # three.core.js (1.5 MB) is left out: a stub stands for it
            stub = b"export const REVISION = 'stub';\n"
            (root / "assets").mkdir(parents=True, exist_ok=True)
            (root / "assets" / "three-core-stub.js").write_bytes(stub)
            files.append(root / "assets" / "three-core-stub.js")
            data = data.replace(b"'./three.core.js'", b"'/assets/three-core-stub.js'")
        names[lib] = _hashed(lib, data, ".js")
        (root / names[lib]).parent.mkdir(parents=True, exist_ok=True)
        (root / names[lib]).write_bytes(data)
        files.append(root / names[lib])
    for widget, libs in WIDGETS.items():
        app = "".join(f'import "/{names[lib]}";\n' for lib in libs).encode()
        app += f'document.title = "{widget}";\n'.encode()
        style = f".{widget} {{ display: grid; gap: 8px; color: #333; }}\n".encode() * 40
        app_name, css_name = _hashed(widget, app, ".js"), _hashed(widget, style, ".css")
        (root / app_name).write_bytes(app)
        (root / css_name).write_bytes(style)
        files += [root / app_name, root / css_name]
        html = (
            f'<!doctype html><html><head><link rel="stylesheet" href="/{css_name}">'
            f'<script type="module" src="/{app_name}"></script></head>'
            f'<body class="{widget}"></body></html>\n'
        )
        (root / widget).mkdir()
        (root / widget / "index.html").write_text(html, encoding="utf-8")
    return files


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process (children included)."""
    measured = run_process(argv, cwd)
    return measured["seconds"], measured["cpu"]


def _size_limit_config(ws: Path) -> None:
    dist = ws / "dist"
    entries = []
    for widget in WIDGETS:
        html = (dist / widget / "index.html").read_text(encoding="utf-8")
        files = re.findall(r'(?:href|src)="/(assets/[^"]+)"', html)
        app = (dist / files[-1]).read_text(encoding="utf-8")
        files += re.findall(r'import "/(assets/[^"]+)"', app)
        paths = [f"dist/{f}" for f in files]
        entries.append({"name": f"{widget} gzip", "path": paths, "gzip": True})
        entries.append({"name": f"{widget} brotli", "path": paths, "brotli": True})
    (ws / ".size-limit.json").write_text(json.dumps(entries, indent=1), encoding="utf-8")
    # size-limit finds its plugins among the project's dependencies
    package = {"name": "bench", "private": True}
    package["devDependencies"] = {"size-limit": "*", "@size-limit/file": "*"}
    (ws / "package.json").write_text(json.dumps(package), encoding="utf-8")


def count_instructions(reference: list[str], warm: list[str], ws: Path) -> None:
    """The warm run, its floors and the reference in instructions (cachegrind), which do not
    move with the machine's load as wall time does."""
    from benchmarks.junit_instructions import instructions

    python = sys.executable
    counted = {
        "python -c pass": [python, "-c", "pass"],
        "import yaml and pydantic": [python, "-c", "import yaml; from pydantic import BaseModel"],
        "slo-gate --version": [warm[0], "--version"],
        "slo-gate check (warm)": warm,
        "reference": reference,
    }
    found = {name: instructions(argv, ws) for name, argv in counted.items()}
    for name, count in found.items():
        print(f"instructions, {name}: {count / 1e6:,.0f} M")
    share = found["slo-gate check (warm)"] / found["reference"]
    print(f"instructions, warm / reference: {share:.3f} (the wall-time target is <= 0.1)")


def compare(npm: Path, repeat: int, count: bool = False) -> None:
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    from benchmarks.bundles import gil_check
    from slo_gate.collectors.bundles import brotli_size, gzip_size

    blob = (npm / "node_modules" / LIBRARIES["chart"]).read_bytes()
    for fn in (gzip_size, brotli_size):
        stop, share = gil_check(fn, blob)
        print(f"GIL check {fn.__name__}: a Python thread stopped for {stop:.2f} of the call "
              f"(0 = released, 1 = held); wall {share:.2f} of serial")  # fmt: skip
    slo_gate = str(Path(sys.executable).with_name("slo-gate"))
    size_limit = npm / "node_modules" / ".bin" / "size-limit"
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        files = build(npm, ws / "dist")
        (ws / "policy.yml").write_text(_POLICY, encoding="utf-8")
        raw = sum(f.stat().st_size for f in files)
        print(f"widgets: {len(WIDGETS)}, files: {len(files)}, raw bytes: {raw:,}")
        largest = max(files, key=lambda f: f.stat().st_size)
        data = largest.read_bytes()
        start = time.perf_counter()
        brotli_size(data)
        gzip_size(data)
        alone = time.perf_counter() - start
        print(f"largest file {largest.name} ({len(data):,} bytes) alone: {alone:.2f} s of "
              "zlib-9 + brotli-11 (a floor for any cold run: one file is one stream)")  # fmt: skip
        reference = [sys.executable, "-c", _REFERENCE, *map(str, files)]
        base = [slo_gate, "check", "--config", "policy.yml", "--commit", "a" * 40]
        base += ["--branch", "main", "--quiet"]
        cold = [*base, "--no-record", "--history", "empty.jsonl"]
        warm = [*base, "--no-record", "--history", "history.jsonl"]
        timed([*base, "--history", "history.jsonl"], ws)  # records every file's hash; bytecode
        runs: dict[str, list[tuple[float, float]]] = {"reference": [], "cold": [], "warm": []}
        commands = {"reference": reference, "cold": cold, "warm": warm}
        if size_limit.exists():
            _size_limit_config(ws)
            (ws / "node_modules").symlink_to(npm / "node_modules")
            commands["size-limit"] = [str(size_limit), "--json"]
            runs["size-limit"] = []
        for _ in range(repeat):
            for name, argv in commands.items():
                runs[name].append(timed(argv, ws))
        if count:
            count_instructions(reference, warm, ws)
        if size_limit.exists():
            done = subprocess.run([str(size_limit), "--json"], cwd=ws, capture_output=True)
            print(
                "size-limit says:",
                " ".join(f"{e['name']}={e['size']}" for e in json.loads(done.stdout)),
            )
        shutil.rmtree(ws / "dist")
    ref_wall = statistics.median(w for w, _ in runs["reference"])
    print(f"load average after: {os.getloadavg()}")
    for name, measured in runs.items():
        wall = statistics.median(w for w, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        each = ", ".join(f"{w:.2f}" for w, _ in measured)
        print(f"{name:>10}: wall median {wall:.2f} s ({each}), CPU {cpu:.2f} s, "
              f"ratio to reference {wall / ref_wall:.3f}")  # fmt: skip
    if "size-limit" in runs:
        sl = statistics.median(w for w, _ in runs["size-limit"])
        cold_wall = statistics.median(w for w, _ in runs["cold"])
        print(f"cold / size-limit: {cold_wall / sl:.2f} (target <= 0.3)")
