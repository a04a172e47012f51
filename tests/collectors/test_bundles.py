from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from pathlib import Path

import brotli
import pytest

from slo_gate.collectors.bundles import brotli_size, collect_bundles, gzip_size
from slo_gate.config.policy import BundlesPolicy, WidgetSource
from slo_gate.measurements import BundleMeasurement
from slo_gate.names import normalise_hashed_name
from slo_gate.records import FileRecord


def write(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def page(*refs: str) -> str:
    tags = []
    for ref in refs:
        if ref.endswith(".css"):
            tags.append(f'<link rel="stylesheet" href="{ref}">')
        else:
            tags.append(f'<script type="module" src="{ref}"></script>')
    return "<!doctype html><html><head>\n" + "\n".join(tags) + "\n</head><body></body></html>\n"


def html_policy(pattern: str = "**/index.html", **kw: object) -> BundlesPolicy:
    return BundlesPolicy(root="dist", widgets=WidgetSource(html=pattern), **kw)  # type: ignore[arg-type]


def collect(tmp_path: Path, policy: BundlesPolicy, **kw: object) -> BundleMeasurement:
    return collect_bundles(policy, tmp_path, **kw)  # type: ignore[arg-type]


def codes(m: BundleMeasurement) -> list[str]:
    return [p.code for p in m.problems]


VITE = {
    "dist/src/widgets/chat/index.html": page(
        "/assets/chat-3f9a1c2b.js", "/assets/chat-Ab12Cd34.css"
    ),
    "dist/src/widgets/map/index.html": page("/assets/map-9d8e7f6a.js"),
    "dist/assets/chat-3f9a1c2b.js": (
        'import{a as r}from"./vendor-BQj6J3kK.js";import"./polyfill-11aa22bb.js";r()'
    ),
    "dist/assets/map-9d8e7f6a.js": (
        'import {a} from "/assets/vendor-BQj6J3kK.js";\n'
        'export*from"./geo-77ee99aa.js";import("./lazy-12345678.js")'
    ),
    "dist/assets/vendor-BQj6J3kK.js": "export const a=()=>1;" * 50,
    "dist/assets/polyfill-11aa22bb.js": "window.x=1;",
    "dist/assets/geo-77ee99aa.js": "export const g=1;",
    "dist/assets/lazy-12345678.js": "export const lazy=1;",
    "dist/assets/chat-Ab12Cd34.css": "body{color:red}",
}


def test_html_entries_follow_static_imports_transitively(tmp_path: Path) -> None:
    write(tmp_path, VITE)
    m = collect(tmp_path, html_policy())
    assert m.problems == ()
    widgets = {w.name: set(w.files) for w in m.widgets}
    assert widgets == {
        "chat": {
            "src/widgets/chat/index.html",
            "assets/chat-3f9a1c2b.js",
            "assets/chat-Ab12Cd34.css",
            "assets/vendor-BQj6J3kK.js",
            "assets/polyfill-11aa22bb.js",
        },
        "map": {
            "src/widgets/map/index.html",
            "assets/map-9d8e7f6a.js",
            "assets/vendor-BQj6J3kK.js",
            "assets/geo-77ee99aa.js",
        },
    }
    # The lazy chunk is only reachable through import(): not counted, not even measured.
    assert "assets/lazy-12345678.js" not in m.files


def test_dynamic_imports_on_request(tmp_path: Path) -> None:
    write(tmp_path, VITE)
    m = collect(tmp_path, html_policy(dynamic_imports=True))
    (map_widget,) = [w for w in m.widgets if w.name == "map"]
    assert "assets/lazy-12345678.js" in map_widget.files


def test_shared_chunk_measured_once_and_counted_once_in_total(tmp_path: Path) -> None:
    write(tmp_path, VITE)
    m = collect(tmp_path, html_policy())
    shared = "assets/vendor-BQj6J3kK.js"
    assert sum(shared in w.files for w in m.widgets) == 2
    assert list(m.files).count(shared) == 1
    assert len(m.files) == len({f for w in m.widgets for f in w.files})


def test_exact_gzip_and_brotli_bytes(tmp_path: Path) -> None:
    write(tmp_path, VITE)
    m = collect(tmp_path, html_policy())
    for rel, size in m.files.items():
        data = (tmp_path / "dist" / rel).read_bytes()
        assert size.raw == len(data)
        assert size.gzip == len(zlib.compress(data, 9, wbits=31))
        assert size.brotli == len(brotli.compress(data, quality=11, lgwin=22))
    assert gzip_size(b"") == 20  # gzip header + empty deflate block + trailer
    assert brotli_size(b"") == 1


def test_gzip_container_matches_gzip_module(tmp_path: Path) -> None:
    import gzip

    data = b"const widget = 1;" * 100
    assert gzip_size(data) == len(gzip.compress(data, compresslevel=9, mtime=0))


def test_vite_manifest_mode(tmp_path: Path) -> None:
    manifest = {
        "src/widgets/chat/main.tsx": {
            "file": "assets/chat-3f9a1c2b.js",
            "isEntry": True,
            "imports": ["_vendor-BQj6J3kK.js"],
            "dynamicImports": ["src/lazy.ts"],
            "css": ["assets/chat-Ab12Cd34.css"],
        },
        "src/widgets/map/main.tsx": {
            "file": "assets/map-9d8e7f6a.js",
            "isEntry": True,
            "imports": ["_vendor-BQj6J3kK.js"],
        },
        "_vendor-BQj6J3kK.js": {"file": "assets/vendor-BQj6J3kK.js"},
        "src/lazy.ts": {"file": "assets/lazy-12345678.js", "isDynamicEntry": True},
    }
    write(tmp_path, {**VITE, "dist/.vite/manifest.json": json.dumps(manifest)})
    m = collect(tmp_path, BundlesPolicy(root="dist", widgets=WidgetSource(vite_manifest="")))
    assert m.problems == ()
    widgets = {w.name: w.files for w in m.widgets}
    assert widgets == {
        "chat": (
            "assets/chat-3f9a1c2b.js",
            "assets/chat-Ab12Cd34.css",
            "assets/vendor-BQj6J3kK.js",
        ),
        "map": ("assets/map-9d8e7f6a.js", "assets/vendor-BQj6J3kK.js"),
    }


def test_vite_manifest_at_named_path_and_missing(tmp_path: Path) -> None:
    write(tmp_path, {"dist/a.js": "1"})
    m = collect(tmp_path, BundlesPolicy(root="dist", widgets=WidgetSource(vite_manifest="m.json")))
    assert codes(m) == ["bundle-no-manifest"]
    assert m.problems[0].path == "dist/m.json"


def test_vite_manifest_not_json(tmp_path: Path) -> None:
    write(tmp_path, {"dist/manifest.json": "{not json"})
    m = collect(tmp_path, BundlesPolicy(root="dist", widgets=WidgetSource(vite_manifest="")))
    assert codes(m) == ["bundle-bad-manifest", "bundle-no-widgets"]


def test_glob_mode_each_file_a_widget_with_normalised_name(tmp_path: Path) -> None:
    write(tmp_path, VITE)
    m = collect(tmp_path, BundlesPolicy(root="dist", widgets=WidgetSource(glob="assets/*.css")))
    assert [(w.name, w.files) for w in m.widgets] == [("chat.css", ("assets/chat-Ab12Cd34.css",))]


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("index-3f9a1c.js", "index.js"),
        ("index-BQj6J3kK.js", "index.js"),
        ("my-widget-B-3xq_9Z.js", "my-widget.js"),
        ("app.3f9a1c2b.css", "app.css"),
        ("vendor-a1b2c3d4e5f6a7b8.js", "vendor.js"),
        ("index-legacy.js", "index-legacy.js"),
        ("some-longname.js", "some-longname.js"),
        ("chat.js", "chat.js"),
        ("worker-3f9a1c2b.js.map", "worker.js.map"),
    ],
)
def test_hash_normalisation(name: str, normalised: str) -> None:
    assert normalise_hashed_name(name) == normalised


def test_identity_kept_across_two_builds(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    write(first, {"dist/assets/chat-3f9a1c2b.js": "a", "dist/assets/map-11aa22bb.js": "b"})
    write(second, {"dist/assets/chat-Zz99Yy88.js": "aa", "dist/assets/map-99ff00ee.js": "bb"})
    policy = BundlesPolicy(root="dist", widgets=WidgetSource(glob="assets/*.js"))
    names_one = [w.name for w in collect(first, policy).widgets]
    names_two = [w.name for w in collect(second, policy).widgets]
    assert names_one == names_two == ["chat.js", "map.js"]


def test_html_names_collide_then_use_paths(tmp_path: Path) -> None:
    write(tmp_path, {"dist/a/chat/index.html": page(), "dist/b/chat/index.html": page()})
    m = collect(tmp_path, html_policy())
    assert sorted(w.name for w in m.widgets) == ["a/chat/index", "b/chat/index"]


# ---------------------------------------------------------------- bad input is data


def test_missing_root(tmp_path: Path) -> None:
    m = collect(tmp_path, html_policy())
    assert codes(m) == ["bundle-root-missing"]
    assert "dist" in m.problems[0].message
    assert "bundles.root" in m.problems[0].message


def test_root_outside_workspace(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "elsewhere").mkdir()
    policy = BundlesPolicy(root="../elsewhere", widgets=WidgetSource(html="*.html"))
    m = collect_bundles(policy, tmp_path / "ws")
    assert codes(m) == ["bundle-root-outside"]


def test_pattern_matches_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"dist/assets/a.js": "1"})
    m = collect(tmp_path, html_policy("widgets/**/index.html"))
    assert codes(m) == ["bundle-no-widgets"]
    assert "widgets/**/index.html" in m.problems[0].message


def test_missing_asset_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, {"dist/w/index.html": page("/assets/a.js", "/assets/gone-11aa22bb.js")})
    write(tmp_path, {"dist/assets/a.js": 'import "./also-gone.js";'})
    m = collect(tmp_path, html_policy())
    missing = [p for p in m.problems if p.code == "bundle-missing-asset"]
    assert [(p.path, p.line) for p in missing] == [
        ("dist/w/index.html", 3),
        ("dist/assets/a.js", 1),
    ]
    assert "assets/gone-11aa22bb.js" in missing[0].message
    assert m.widgets[0].files == ("w/index.html", "assets/a.js")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"dist/w/index.html": page("/assets/a.css"), "dist/assets/a.css": "x"})
    from slo_gate.collectors import bundles
    from slo_gate.files import read_bounded

    def deny(path: Path, limit: int) -> bytes:
        if path.name == "a.css":
            raise PermissionError(13, "Permission denied")
        return read_bounded(path, limit)

    monkeypatch.setattr(bundles, "read_bounded", deny)
    m = collect(tmp_path, html_policy())
    assert codes(m) == ["bundle-unreadable-file"]
    assert m.problems[0].path == "dist/assets/a.css"
    assert "Permission denied" in m.problems[0].message
    assert m.widgets[0].files == ("w/index.html",)


def test_symlink_outside_root_is_reported_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.js"
    secret.write_text("TOP SECRET")
    write(tmp_path, {"dist/w/index.html": page("/assets/link.js")})
    (tmp_path / "dist" / "assets").mkdir()
    (tmp_path / "dist" / "assets" / "link.js").symlink_to(secret)
    m = collect(tmp_path, html_policy())
    assert sorted(codes(m)) == ["bundle-outside-root", "bundle-outside-root"]
    assert "assets/link.js" not in m.files
    assert all("TOP SECRET" not in p.message for p in m.problems)


def test_symlink_inside_root_is_followed(tmp_path: Path) -> None:
    write(tmp_path, {"dist/w/index.html": page("/assets/link.js"), "dist/real.js": "1"})
    (tmp_path / "dist" / "assets").mkdir()
    (tmp_path / "dist" / "assets" / "link.js").symlink_to(tmp_path / "dist" / "real.js")
    m = collect(tmp_path, html_policy())
    assert m.problems == ()
    assert "assets/link.js" in m.files


def test_reference_climbing_out_of_root(tmp_path: Path) -> None:
    write(tmp_path, {"dist/w/index.html": page("../../../etc/passwd.js")})
    m = collect(tmp_path, html_policy())
    assert codes(m) == ["bundle-outside-root"]
    assert m.problems[0].line == 2


def test_other_hosts_and_data_urls_not_counted(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "dist/w/index.html": page(
                "https://cdn.example.com/x.js", "//cdn.example.com/y.css", "data:text/javascript,1"
            )
        },
    )
    m = collect(tmp_path, html_policy())
    assert m.problems == ()
    assert m.widgets[0].files == ("w/index.html",)


def test_fifo_is_not_read(tmp_path: Path) -> None:
    import os

    write(tmp_path, {"dist/w/index.html": page("/pipe.js")})
    os.mkfifo(tmp_path / "dist" / "pipe.js")
    m = collect(tmp_path, html_policy())
    # the FIFO is named as a special file and never opened; the page's reference then misses
    assert codes(m) == ["path-special-file", "bundle-missing-asset"]


def test_unchanged_files_are_not_recompressed(tmp_path: Path) -> None:
    write(tmp_path, VITE)
    first = collect(tmp_path, html_policy())
    known = {
        f.sha256: FileRecord(sha256=f.sha256, raw=f.raw, gzip=f.gzip + 1000, brotli=f.brotli)
        for f in first.files.values()
        if f.path.endswith(".css")
    }
    second = collect(tmp_path, html_policy(), known=known)
    css = second.files["assets/chat-Ab12Cd34.css"]
    assert css.cached
    assert css.gzip == first.files["assets/chat-Ab12Cd34.css"].gzip + 1000  # taken, not measured
    assert not second.files["assets/vendor-BQj6J3kK.js"].cached


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_each_content_compressed_once_small_files_batched_sizes_exact(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib
    import random
    import threading

    from slo_gate.collectors import bundles

    rng = random.Random(workers)
    blobs = {
        f"f{i}.js": bytes(rng.choice(b"abcdefgh ;{}()\n") for _ in range(size))
        for i, size in enumerate([0, 10, 900, 5_000, 16 * 1024, 16 * 1024 + 1, 70_000, 200_000])
    }
    blobs["same-as-f6.js"] = blobs["f6.js"]  # another name, the same bytes
    pending = {
        name: bundles._Pending(name, data, hashlib.sha256(data).hexdigest())
        for name, data in blobs.items()
    }
    calls: list[tuple[str, int]] = []
    lock = threading.Lock()
    real_gzip, real_brotli = bundles.gzip_size, bundles.brotli_size

    def gzip_size(data: bytes) -> int:
        with lock:
            calls.append(("gzip", len(data)))
        return real_gzip(data)

    def brotli_size(data: bytes) -> int:
        with lock:
            calls.append(("brotli", len(data)))
        return real_brotli(data)

    monkeypatch.setattr(bundles, "gzip_size", gzip_size)
    monkeypatch.setattr(bundles, "brotli_size", brotli_size)
    sizes = bundles.measure_files(pending, {}, workers)
    assert sorted(calls) == sorted(
        (algo, len(data)) for data in {blobs[n] for n in blobs} for algo in ("gzip", "brotli")
    )
    for name, data in blobs.items():
        got = sizes[name]
        assert (got.raw, got.gzip, got.brotli) == (len(data), real_gzip(data), real_brotli(data))
