"""Widget resolution (DESIGN.md "A widget"): HTML entries, a Vite manifest, or plain globs.

A widget is its entry plus every local JS/CSS file it loads: ``<script src>``,
``<link rel=stylesheet|modulepreload>``, and, transitively, static ES-module imports between
emitted files (and CSS ``@import``). ``/``-references resolve against the build root (or the
policy's ``base``), relative ones against the referencing file; other hosts are not counted;
dynamic ``import()`` only when the policy asks. Each file counts once per widget.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from slo_gate.collectors.paths import (
    MAX_MATCHES,
    Tree,
    glob_match,
    normalise,
    pattern_problem,
    shown_name,
)
from slo_gate.collectors.scan import HtmlScan, LineIndex, css_specifiers, js_specifiers
from slo_gate.config.policy import BundlesPolicy
from slo_gate.files import RefusedFile, read_bounded
from slo_gate.formatting import counted
from slo_gate.measurements import Problem, WidgetFiles
from slo_gate.names import normalise_hashed_name

SCRIPT_EXTENSIONS = (".js", ".mjs", ".cjs")
#: an HTML entry, script, stylesheet or manifest larger than this is not scanned (a problem)
MAX_TEXT_BYTES = 64 * 1024 * 1024


@dataclass
class Resolution:
    widgets: list[WidgetFiles] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Ref:
    target: str  # the reference as written
    line: int


class _Resolver:
    """Follows references from an entry through the emitted files of one build root."""

    def __init__(self, root: Path, tree: Tree, policy: BundlesPolicy, shown_root: str) -> None:
        self.root = root
        self.files = set(tree.files)
        self.escaping = set(tree.escaping_links)
        self.policy = policy
        self.shown_root = shown_root
        self.base = "/" + policy.base.strip("/") + "/" if policy.base.strip("/") else "/"
        self._text_cache: dict[str, str | None] = {}
        # Specifiers by file, scanned once per run however many widgets load the file.
        self._spec_cache: dict[str, list[tuple[str, int]]] = {}
        self._outcome_cache: dict[str, list[str | Problem]] = {}

    def show(self, rel: str) -> str:
        return f"{self.shown_root}/{rel}" if self.shown_root not in ("", ".") else rel

    def read_text(self, rel: str, problems: list[Problem]) -> str | None:
        """The text of an entry, script, stylesheet or manifest (at most ``MAX_TEXT_BYTES``)."""
        if rel not in self._text_cache:
            try:
                data = read_bounded(self.root / rel, MAX_TEXT_BYTES)
                self._text_cache[rel] = data.decode("utf-8", errors="replace")
            except (OSError, RefusedFile) as exc:
                why = exc.reason if isinstance(exc, RefusedFile) else exc.strerror or str(exc)
                problems.append(
                    Problem(
                        code="bundle-unreadable-file",
                        message=f"cannot read {self.show(rel)}: {why}",
                        path=self.show(rel),
                        source="bundles",
                    )
                )
                self._text_cache[rel] = None
        return self._text_cache[rel]

    def resolve(self, ref: str, referrer: str) -> str | bool | None:
        """The root-relative path a reference names.

        ``None`` when it is not local (another host); ``False`` when it leads outside the root.
        """
        parts = urlsplit(ref.strip())
        if parts.scheme or parts.netloc or not parts.path:
            return None  # another host, data:, or only a fragment: not counted
        path = unquote(parts.path)
        if path.startswith("/"):
            if not path.startswith(self.base):
                return False if self.base != "/" else path.lstrip("/")
            candidate = normalise(path[len(self.base) :])
        else:
            candidate = normalise(str(PurePosixPath(referrer).parent / path))
        return False if candidate is None else candidate

    def specifiers(self, rel: str, text: str) -> list[tuple[str, int]]:
        """The local specifiers of the file ``rel`` with their lines (scanned once per run)."""
        found = self._spec_cache.get(rel)
        if found is None:
            found = self.scan(text, css=rel.endswith(".css"))
            self._spec_cache[rel] = found
        return found

    def scan(self, text: str, css: bool) -> list[tuple[str, int]]:
        lines = LineIndex(text)
        if css:
            return css_specifiers(text, lines)
        found = js_specifiers(text, self.policy.dynamic_imports, lines)
        return [(spec, ln) for spec, ln in found if spec.startswith(("./", "../", "/"))]

    def outcomes(self, referrer: str, refs: Iterable[_Ref]) -> list[str | Problem]:
        """What the references of one file lead to, in order: local files and problems.

        A file named twice counts at its first reference only (a later one would find it
        already seen), and each specifier is resolved once per file.
        """
        found: list[str | Problem] = []
        targets: set[str] = set()
        resolved: dict[str, str | bool | None] = {}
        for ref in refs:
            if ref.target not in resolved:
                resolved[ref.target] = self.resolve(ref.target, referrer)
            target = resolved[ref.target]
            if target is None:
                continue
            where = f"{self.show(referrer)}:{ref.line}"
            if target is False or target in self.escaping:
                found.append(
                    Problem(
                        code="bundle-outside-root",
                        message=f"{where} references {ref.target!r}, which leads outside the "
                        f"build root {self.shown_root}; it is not followed",
                        path=self.show(referrer),
                        line=ref.line,
                        source="bundles",
                    )
                )
            elif target not in self.files:
                assert isinstance(target, str)
                found.append(
                    Problem(
                        code="bundle-missing-asset",
                        message=f"{where} loads {ref.target!r}, but {self.show(target)} is not "
                        "in the build output",
                        path=self.show(referrer),
                        line=ref.line,
                        source="bundles",
                    )
                )
            elif target not in targets:
                assert isinstance(target, str)
                targets.add(target)
                found.append(target)
        return found

    def file_outcomes(self, rel: str, problems: list[Problem]) -> list[str | Problem]:
        """``outcomes`` of an emitted JS/CSS file, computed once per run."""
        cached = self._outcome_cache.get(rel)
        if cached is None:
            text = self.read_text(rel, problems)
            specs = [] if text is None else self.specifiers(rel, text)
            cached = self.outcomes(rel, (_Ref(spec, line) for spec, line in specs))
            self._outcome_cache[rel] = cached
        return cached

    def follow(self, entry: str, first: list[_Ref], problems: list[Problem]) -> list[str]:
        """Every local file reachable from ``entry`` (entry first, then in discovery order)."""
        seen: dict[str, None] = {entry: None}
        queue: deque[str | Problem] = deque(self.outcomes(entry, first))
        while queue:
            item = queue.popleft()
            if isinstance(item, Problem):
                problems.append(item)
                continue
            if item in seen:
                continue
            seen[item] = None
            if item.endswith((*SCRIPT_EXTENSIONS, ".css")):
                queue.extend(self.file_outcomes(item, problems))
        return list(seen)


def _html_name(entry: str) -> str:
    path = PurePosixPath(entry)
    if path.stem == "index" and str(path.parent) != ".":
        return path.parent.name
    return normalise_hashed_name(path.name).rsplit(".", 1)[0]


def _manifest_name(key: str) -> str:
    """A manifest entry's widget name: like HTML mode, the folder of an ``index.*`` or
    ``main.*`` entry (``src/widgets/chat/main.tsx`` -> ``chat``), else the file's stem."""
    path = PurePosixPath(key)
    if path.stem in ("index", "main") and str(path.parent) != ".":
        return path.parent.name
    return normalise_hashed_name(path.name).rsplit(".", 1)[0]


def _unique_names(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Keep short names unless two widgets share one; then use the path without extension."""
    counts: dict[str, int] = {}
    for name, _ in pairs:
        counts[name] = counts.get(name, 0) + 1
    return [
        (name if counts[name] == 1 else entry.rsplit(".", 1)[0], entry) for name, entry in pairs
    ]


def _entries(resolver: _Resolver, pattern: str, result: Resolution) -> list[str]:
    """The files a policy glob matches (none, with a problem, for an unusable pattern)."""
    why = pattern_problem(pattern)
    if why is not None:
        result.problems.append(
            Problem(
                code="bundle-bad-pattern",
                message=f"the widgets pattern {shown_name(pattern[:200])!r} {why}",
                path=resolver.shown_root,
                source="bundles",
            )
        )
        return []
    entries = [f for f in sorted(resolver.files) if glob_match(pattern, f)]
    if len(entries) > MAX_MATCHES:
        result.problems.append(
            Problem(
                code="bundle-too-many-widgets",
                message=f"the widgets pattern {pattern!r} matched {len(entries)} files, more than "
                f"the limit of {MAX_MATCHES}; only the first {MAX_MATCHES} are measured: narrow "
                "the pattern",
                path=resolver.shown_root,
                source="bundles",
            )
        )
        del entries[MAX_MATCHES:]
    return entries


def resolve_html(resolver: _Resolver, pattern: str) -> Resolution:
    result = Resolution()
    entries = _entries(resolver, pattern, result)
    for name, entry in _unique_names([(_html_name(e), e) for e in entries]):
        text = resolver.read_text(entry, result.problems)
        if text is None:
            continue
        page = HtmlScan(text)
        refs = [_Ref(target, line) for target, line in page.refs]
        for code, line in page.inline_modules:
            refs.extend(_Ref(s, line + ln - 1) for s, ln in resolver.scan(code, css=False))
        files = resolver.follow(entry, refs, result.problems)
        result.widgets.append(WidgetFiles(name=name, entry=entry, files=tuple(files)))
    return result


def resolve_glob(resolver: _Resolver, pattern: str) -> Resolution:
    result = Resolution()
    entries = _entries(resolver, pattern, result)
    pairs = [(normalise_hashed_name(PurePosixPath(e).name), e) for e in entries]
    for name, entry in _unique_names(pairs):
        result.widgets.append(WidgetFiles(name=name, entry=entry, files=(entry,)))
    return result


def _manifest_problem(resolver: _Resolver, path: str, message: str) -> Problem:
    return Problem(
        code="bundle-bad-manifest",
        message=f"{resolver.show(path)}: {message}",
        path=resolver.show(path),
        source="bundles",
    )


def resolve_manifest(resolver: _Resolver, path: str) -> Resolution:
    result = Resolution()
    candidates = [path] if path else [".vite/manifest.json", "manifest.json"]
    found = next((c for c in candidates if c in resolver.files), None)
    if found is None:
        result.problems.append(
            Problem(
                code="bundle-no-manifest",
                message=f"no Vite manifest at {' or '.join(resolver.show(c) for c in candidates)}",
                path=resolver.show(candidates[0]),
                source="bundles",
                level="error",
            )
        )
        return result
    text = resolver.read_text(found, result.problems)
    if text is None:
        return result
    try:
        raw: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(_manifest_problem(resolver, found, f"not JSON (line {exc.lineno})"))
        return result
    except RecursionError:
        result.problems.append(_manifest_problem(resolver, found, "nested too deeply to read"))
        return result
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        result.problems.append(_manifest_problem(resolver, found, "not a Vite manifest object"))
        return result
    try:
        manifest = _manifest_adapter().validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        result.problems.append(
            _manifest_problem(
                resolver,
                found,
                f"not a Vite manifest: {where}: {first['msg']} "
                f"({counted(exc.error_count(), 'problem')}); "
                "fix: upload the manifest Vite wrote (build.manifest), unedited",
            )
        )
        return result
    entries = [key for key in sorted(manifest) if manifest[key].isEntry]
    # named like HTML mode (the entry's folder), so switching modes keeps each widget's history
    for name, key in _unique_names([(_manifest_name(k), k) for k in entries]):
        files = _manifest_files(resolver, manifest, key, found, result.problems)
        result.widgets.append(
            WidgetFiles(name=name, entry=files[0] if files else key, files=tuple(files))
        )
    return result


class ManifestChunk(BaseModel):
    """One chunk of a Vite manifest (``.vite/manifest.json``): the fields slo-gate reads."""

    # built when the first manifest is read: an HTML-mode run never pays for it
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    file: str | None = None
    css: list[str] = Field(default_factory=list)
    imports: list[str] = Field(default_factory=list)
    dynamicImports: list[str] = Field(default_factory=list)
    isEntry: bool = False


@cache
def _manifest_adapter() -> TypeAdapter[dict[str, ManifestChunk]]:
    return TypeAdapter(dict[str, ManifestChunk])


def _manifest_files(
    resolver: _Resolver,
    manifest: dict[str, ManifestChunk],
    key: str,
    source: str,
    problems: list[Problem],
) -> list[str]:
    seen: dict[str, None] = {}
    chunks: deque[str] = deque([key])
    visited: set[str] = set()
    while chunks:
        chunk_key = chunks.popleft()
        if chunk_key in visited:
            continue
        visited.add(chunk_key)
        chunk = manifest.get(chunk_key)
        if chunk is None:
            problems.append(
                _manifest_problem(resolver, source, f"imports unknown chunk {chunk_key!r}")
            )
            continue
        for name in [chunk.file, *chunk.css]:
            if name is None:
                continue
            rel = normalise(name)
            if rel is None:
                problems.append(
                    _manifest_problem(resolver, source, f"{name!r} leads outside the root")
                )
            elif rel not in resolver.files:
                problems.append(
                    Problem(
                        code="bundle-missing-asset",
                        message=f"{resolver.show(source)}: chunk {chunk_key!r} names {name!r}, "
                        "which is not in the build output",
                        path=resolver.show(source),
                        source="bundles",
                    )
                )
            else:
                seen.setdefault(rel, None)
        chunks.extend(chunk.imports)
        if resolver.policy.dynamic_imports:
            chunks.extend(chunk.dynamicImports)
    return list(seen)


def resolve_widgets(root: Path, tree: Tree, policy: BundlesPolicy, shown_root: str) -> Resolution:
    """Find the widgets of a build root by the policy's mode."""
    resolver = _Resolver(root, tree, policy, shown_root)
    source = policy.widgets
    if source.mode == "html":
        result = resolve_html(resolver, source.pattern)
    elif source.mode == "vite_manifest":
        result = resolve_manifest(resolver, source.pattern)
    else:
        result = resolve_glob(resolver, source.pattern)
    told = ("bundle-no-manifest", "bundle-bad-pattern")
    if not result.widgets and not any(p.code in told for p in result.problems):
        result.problems.append(
            Problem(
                code="bundle-no-widgets",
                message=f"the {source.mode} pattern {source.pattern!r} matched no widget under "
                f"{shown_root}",
                path=shown_root,
                source="bundles",
            )
        )
    return result
