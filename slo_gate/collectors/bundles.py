"""Widget bundle sizes: raw, gzip (zlib level 9, gzip container) and brotli (quality 11).

Each unique file is read and hashed once, however many widgets load it, and each distinct
content is compressed once (two names with the same bytes share the work). Files whose content
hash appears in the history keep their recorded sizes instead of being compressed again. The
rest are compressed on a thread pool: zlib and brotli release the GIL, so both cores work
(``benchmarks/bundles.py`` checks that a call never stops a Python thread). Jobs are
scheduled largest first so the cores finish together (brotli-11 of a large file is the long
pole), and small files are batched into one job each way so they do not drown in per-job
overhead.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import brotli

from slo_gate.collectors.paths import inside, is_utf8, shown_name, walk
from slo_gate.collectors.widgets import resolve_widgets
from slo_gate.config.policy import BundlesPolicy
from slo_gate.files import RefusedFile, read_bounded
from slo_gate.measurements import BundleMeasurement, CompressionInfo, FileSize, Problem
from slo_gate.records import FileRecord

GZIP_LEVEL = 9
BROTLI_QUALITY = 11
BROTLI_WINDOW = 22
#: an emitted file larger than this is not measured (a problem): no widget ships such a file
MAX_FILE_BYTES = 512 * 1024 * 1024


def gzip_size(data: bytes) -> int:
    """Bytes of a gzip container (no file name, like Node's zlib.gzip) at zlib level 9."""
    return len(zlib.compress(data, GZIP_LEVEL, wbits=31))


def brotli_size(data: bytes) -> int:
    """Bytes of brotli at quality 11, window 22, generic mode."""
    return len(
        brotli.compress(data, mode=brotli.MODE_GENERIC, quality=BROTLI_QUALITY, lgwin=BROTLI_WINDOW)
    )


def compression_info() -> CompressionInfo:
    brotli_version = getattr(brotli, "__version__", None)
    if not isinstance(brotli_version, str):  # pragma: no cover - brotli 1.x has __version__
        from importlib.metadata import PackageNotFoundError, version

        try:
            brotli_version = version("brotli")
        except PackageNotFoundError:
            brotli_version = "unknown"
    return CompressionInfo(
        gzip_level=GZIP_LEVEL,
        brotli_quality=BROTLI_QUALITY,
        brotli_window=BROTLI_WINDOW,
        zlib_version=zlib.ZLIB_RUNTIME_VERSION,
        brotli_version=brotli_version,
    )


@dataclass
class _Pending:
    path: str
    data: bytes
    sha256: str


def _read_all(
    root: Path, paths: list[str], show: Callable[[str], str]
) -> tuple[dict[str, _Pending], list[Problem]]:
    read: dict[str, _Pending] = {}
    problems: list[Problem] = []
    for rel in paths:
        try:
            data = read_bounded(root / rel, MAX_FILE_BYTES)
        except (OSError, RefusedFile) as exc:
            why = exc.reason if isinstance(exc, RefusedFile) else exc.strerror or str(exc)
            problems.append(
                Problem(
                    code="bundle-unreadable-file",
                    message=f"cannot read {show(rel)}: {why}",
                    path=show(rel),
                    source="bundles",
                )
            )
            continue
        read[rel] = _Pending(rel, data, hashlib.sha256(data).hexdigest())
    return read, problems


#: files up to this size are compressed in batches (both algorithms in one job)
SMALL_FILE_BYTES = 16 * 1024
#: a batch of small files holds about this many bytes
BATCH_BYTES = 128 * 1024
#: brotli-11 costs about this many times zlib-9 per byte (the scheduling estimate)
BROTLI_COST = 30.0


def _sizes(blobs: list[bytes]) -> list[tuple[int, int]]:
    return [(gzip_size(data), brotli_size(data)) for data in blobs]


def _compress(todo: list[_Pending], workers: int | None) -> dict[str, tuple[int, int]]:
    """(gzip, brotli) sizes by content hash; each distinct content compressed once.

    Large files get one job per algorithm; small ones share batched jobs. Jobs are submitted
    largest first (longest processing time first), so the last job to start is a short one.
    """
    distinct: dict[str, bytes] = {}
    for item in todo:
        distinct.setdefault(item.sha256, item.data)
    jobs: list[tuple[float, str, Callable[[], Any]]] = []
    batches: dict[str, list[str]] = {}
    for key, data in distinct.items():
        if len(data) > SMALL_FILE_BYTES:
            jobs.append((len(data) * BROTLI_COST, f"brotli {key}", partial(brotli_size, data)))
            jobs.append((float(len(data)), f"gzip {key}", partial(gzip_size, data)))
    # small files, in batches of about BATCH_BYTES
    small = [key for key, data in distinct.items() if len(data) <= SMALL_FILE_BYTES]
    small.sort(key=lambda key: len(distinct[key]), reverse=True)
    batch: list[str] = []
    batch_bytes = 0
    for key in small:
        batch.append(key)
        batch_bytes += len(distinct[key])
        if batch_bytes >= BATCH_BYTES or key == small[-1]:
            name = f"batch {len(batches)}"
            batches[name] = batch
            blobs = [distinct[k] for k in batch]
            jobs.append((batch_bytes * (1 + BROTLI_COST), name, partial(_sizes, blobs)))
            batch, batch_bytes = [], 0
    jobs.sort(key=lambda job: job[0], reverse=True)
    count = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    done: dict[str, Any] = {}
    if count == 1:
        for _cost, name, job in jobs:
            done[name] = job()
    else:
        from concurrent.futures import ThreadPoolExecutor  # a warm run compresses nothing

        with ThreadPoolExecutor(max_workers=count) as pool:
            futures = [(name, pool.submit(job)) for _cost, name, job in jobs]
            for name, future in futures:
                done[name] = future.result()
    sizes: dict[str, tuple[int, int]] = {}
    for key, data in distinct.items():
        if len(data) > SMALL_FILE_BYTES:
            sizes[key] = (done[f"gzip {key}"], done[f"brotli {key}"])
    for name, keys in batches.items():
        for key, pair in zip(keys, done[name], strict=True):
            sizes[key] = pair
    return sizes


def measure_files(
    pending: Mapping[str, _Pending],
    known: Mapping[str, FileRecord],
    workers: int | None = None,
) -> dict[str, FileSize]:
    """Sizes of every file; cached by content hash, the rest compressed on ``workers`` threads."""
    sizes: dict[str, FileSize] = {}
    todo: list[_Pending] = []
    for item in pending.values():
        record = known.get(item.sha256)
        if record is not None and record.raw == len(item.data):
            sizes[item.path] = FileSize(
                path=item.path,
                sha256=item.sha256,
                raw=record.raw,
                gzip=record.gzip,
                brotli=record.brotli,
                cached=True,
            )
        else:
            todo.append(item)
    results = _compress(todo, workers)
    for item in todo:
        gz, br = results[item.sha256]
        sizes[item.path] = FileSize(
            path=item.path, sha256=item.sha256, raw=len(item.data), gzip=gz, brotli=br
        )
    return dict(sorted(sizes.items()))


def _no_root(
    policy: BundlesPolicy,
    info: CompressionInfo,
    shown_root: str,
    code: str,
    message: str,
    path: str | None,
) -> BundleMeasurement:
    """Nothing measured: the bundle root cannot be used."""
    problem = Problem(code=code, message=message, path=path, source="bundles")
    return BundleMeasurement(
        root=shown_root,
        mode=policy.widgets.mode,
        widgets=(),
        files={},
        compression=info,
        problems=(problem,),
    )


def collect_bundles(
    policy: BundlesPolicy,
    workspace: Path,
    known: Mapping[str, FileRecord] | None = None,
    workers: int | None = None,
) -> BundleMeasurement:
    """Resolve the widgets under ``policy.root`` and measure every file they load."""
    shown_root = policy.root.strip("/") or "."
    info = compression_info()
    if not is_utf8(policy.root) or "\x00" in policy.root:
        return _no_root(
            policy,
            info,
            shown_name(shown_root).replace("\x00", "\\0"),
            "bundle-root-bad-path",
            "bundles.root contains a NUL byte or a character that is not UTF-8; "
            "fix: write the folder's name in the policy as plain text",
            None,
        )
    root = workspace / policy.root
    # realpath, not Path.resolve(): a link loop must not raise RuntimeError
    real_workspace, real_root = Path(os.path.realpath(workspace)), Path(os.path.realpath(root))
    if root.exists() and not inside(real_workspace, real_root):
        message = f"the bundle root {shown_root} leads outside the workspace"
        return _no_root(policy, info, shown_root, "bundle-root-outside", message, shown_root)
    if not inside(real_workspace, real_root) or not root.is_dir():
        message = (
            f"the bundle root {shown_root} does not exist or is not a folder: "
            "build the widgets first, or set bundles.root in the policy"
        )
        return _no_root(policy, info, shown_root, "bundle-root-missing", message, shown_root)
    tree = walk(root, shown_root=shown_root)
    resolution = resolve_widgets(root, tree, policy, shown_root)

    def show(rel: str) -> str:
        return rel if shown_root == "." else f"{shown_root}/{rel}"

    problems = [*tree.problems, *resolution.problems]
    problems.extend(
        Problem(
            code="bundle-outside-root",
            message=f"{show(link)} is a symbolic link that leads outside the build root; "
            "it is not followed",
            path=show(link),
            source="bundles",
        )
        for link in tree.escaping_links
    )
    unique = sorted({f for w in resolution.widgets for f in w.files})
    pending, read_problems = _read_all(root, unique, show)
    problems.extend(read_problems)
    files = measure_files(pending, known or {}, workers)
    widgets = tuple(
        w.model_copy(update={"files": tuple(f for f in w.files if f in files)})
        for w in resolution.widgets
    )
    return BundleMeasurement(
        root=shown_root,
        mode=policy.widgets.mode,
        widgets=widgets,
        files=files,
        compression=info,
        problems=tuple(problems),
    )
