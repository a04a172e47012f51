"""Widget resolution (DESIGN.md "A widget"): HTML entries, a Vite manifest, or plain globs.

A widget is its entry plus every local JS/CSS file it loads: ``<script src>``,
``<link rel=stylesheet|modulepreload>``, and, transitively, static ES-module imports between
emitted files (and CSS ``@import``). ``/``-references resolve against the build root (or the
policy's ``base``), relative ones against the referencing file; other hosts are not counted;
dynamic ``import()`` only when the policy asks. Each file counts once per widget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from slo_gate.collectors.paths import Tree, glob_match, normalise
from slo_gate.config.policy import BundlesPolicy
from slo_gate.measurements import Problem, WidgetFiles

SCRIPT_EXTENSIONS = (".js", ".mjs", ".cjs")

# Static imports and re-exports, minified or not: `import x from"./a.js"`, `import{a as b}from
# './a.js'`, `export*from"./a.js"`, bare `import"./a.js"`. Not `import(` (dynamic), not
# `import.meta`. The character before must not continue an identifier or a member access.
STATIC_IMPORT = re.compile(
    r"""(?:^|[^\w$.])(?:import|export)\s*(?:[\w$*{}\s,]*?\s*\bfrom\s*)?(["'])([^"'\n\r]+?)\1"""
)
DYNAMIC_IMPORT = re.compile(r"""(?:^|[^\w$.])import\s*\(\s*(["'])([^"'\n\r]+?)\1\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(["']?)([^"')\s;]+)\1""")

# A content hash before the extension: Vite's 8-character base64url (`index-BQj6J3kK.js`) or a
# hex digest of 6 to 32 characters (`app.3f9a1c.js`). Letters-only words (`-legacy`) are kept.
_HASHED = re.compile(
    r"^(?P<stem>.+?)[-.](?P<hash>[A-Za-z0-9_-]{8}|[0-9a-f]{6,32})(?P<ext>(?:\.[A-Za-z0-9]+)+)$"
)


def normalise_hashed_name(name: str) -> str:
    """``index-3f9a1c.js`` -> ``index.js``; names without a content hash are kept as they are."""
    match = _HASHED.match(name)
    if not match:
        return name
    digest = match.group("hash")
    looks_hashed = any(c.isdigit() or c.isupper() or c == "_" for c in digest)
    return match.group("stem") + match.group("ext") if looks_hashed else name


@dataclass
class Resolution:
    widgets: list[WidgetFiles] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Ref:
    target: str  # the reference as written
    line: int


class _HtmlRefs(HTMLParser):
    """Collects script, stylesheet and modulepreload references, and inline module code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[_Ref] = []
        self.inline_modules: list[tuple[str, int]] = []
        self._in_module: int | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k.lower(): (v or "") for k, v in attrs}
        line = self.getpos()[0]
        if tag == "script":
            if found.get("src"):
                self.refs.append(_Ref(found["src"], line))
            elif found.get("type", "").lower() == "module":
                self._in_module = line
                self._buffer = []
        elif tag == "link":
            rels = found.get("rel", "").lower().split()
            if found.get("href") and ("stylesheet" in rels or "modulepreload" in rels):
                self.refs.append(_Ref(found["href"], line))

    def handle_data(self, data: str) -> None:
        if self._in_module is not None:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_module is not None:
            self.inline_modules.append(("".join(self._buffer), self._in_module))
            self._in_module = None


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

    def show(self, rel: str) -> str:
        return f"{self.shown_root}/{rel}" if self.shown_root not in ("", ".") else rel

    def read_text(self, rel: str, problems: list[Problem]) -> str | None:
        if rel not in self._text_cache:
            try:
                self._text_cache[rel] = (self.root / rel).read_text(
                    encoding="utf-8", errors="replace"
                )
            except OSError as exc:
                problems.append(
                    Problem(
                        code="bundle-unreadable-file",
                        message=f"cannot read {self.show(rel)}: {exc.strerror or exc}",
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

    def specifiers(self, rel: str, text: str) -> Iterable[tuple[str, int]]:
        if rel.endswith(".css"):
            patterns = [CSS_IMPORT]
        else:
            patterns = [STATIC_IMPORT, *([DYNAMIC_IMPORT] if self.policy.dynamic_imports else [])]
        for pattern in patterns:
            for match in pattern.finditer(text):
                spec = match.group(2)
                if rel.endswith(".css") or spec.startswith(("./", "../", "/")):
                    yield spec, text.count("\n", 0, match.start(2)) + 1

    def follow(self, entry: str, first: list[_Ref], problems: list[Problem]) -> list[str]:
        """Every local file reachable from ``entry`` (entry first, then in discovery order)."""
        seen: dict[str, None] = {entry: None}
        queue: list[tuple[str, str, int]] = [(r.target, entry, r.line) for r in first]
        while queue:
            ref, referrer, line = queue.pop(0)
            target = self.resolve(ref, referrer)
            if target is None:
                continue
            where = f"{self.show(referrer)}:{line}"
            if target is False or target in self.escaping:
                problems.append(
                    Problem(
                        code="bundle-outside-root",
                        message=f"{where} references {ref!r}, which leads outside the build "
                        f"root {self.shown_root}; it is not followed",
                        path=self.show(referrer),
                        line=line,
                        source="bundles",
                    )
                )
                continue
            assert isinstance(target, str)
            if target in seen:
                continue
            if target not in self.files:
                problems.append(
                    Problem(
                        code="bundle-missing-asset",
                        message=f"{where} loads {ref!r}, but {self.show(target)} is not in the "
                        "build output",
                        path=self.show(referrer),
                        line=line,
                        source="bundles",
                    )
                )
                continue
            seen[target] = None
            if target.endswith((*SCRIPT_EXTENSIONS, ".css")):
                text = self.read_text(target, problems)
                if text is not None:
                    queue.extend((spec, target, ln) for spec, ln in self.specifiers(target, text))
        return list(seen)


def _html_name(entry: str) -> str:
    path = PurePosixPath(entry)
    if path.stem == "index" and str(path.parent) != ".":
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


def resolve_html(resolver: _Resolver, pattern: str) -> Resolution:
    result = Resolution()
    entries = [f for f in sorted(resolver.files) if glob_match(pattern, f)]
    for name, entry in _unique_names([(_html_name(e), e) for e in entries]):
        text = resolver.read_text(entry, result.problems)
        if text is None:
            continue
        parser = _HtmlRefs()
        parser.feed(text)
        parser.close()
        refs = list(parser.refs)
        for code, line in parser.inline_modules:
            refs.extend(
                _Ref(s, line + ln - 1) for s, ln in resolver.specifiers(entry + ".js", code)
            )
        files = resolver.follow(entry, refs, result.problems)
        result.widgets.append(WidgetFiles(name=name, entry=entry, files=tuple(files)))
    return result


def resolve_glob(resolver: _Resolver, pattern: str) -> Resolution:
    result = Resolution()
    entries = [f for f in sorted(resolver.files) if glob_match(pattern, f)]
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
        manifest: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(_manifest_problem(resolver, found, f"not JSON (line {exc.lineno})"))
        return result
    if not isinstance(manifest, dict) or not all(isinstance(v, dict) for v in manifest.values()):
        result.problems.append(_manifest_problem(resolver, found, "not a Vite manifest object"))
        return result
    for key in sorted(manifest):
        if manifest[key].get("isEntry"):
            files = _manifest_files(resolver, manifest, key, found, result.problems)
            result.widgets.append(
                WidgetFiles(name=key, entry=files[0] if files else key, files=tuple(files))
            )
    return result


def _manifest_files(
    resolver: _Resolver, manifest: dict[str, Any], key: str, source: str, problems: list[Problem]
) -> list[str]:
    seen: dict[str, None] = {}
    chunks = [key]
    visited: set[str] = set()
    while chunks:
        chunk_key = chunks.pop(0)
        if chunk_key in visited:
            continue
        visited.add(chunk_key)
        chunk = manifest.get(chunk_key)
        if not isinstance(chunk, dict):
            problems.append(
                _manifest_problem(resolver, source, f"imports unknown chunk {chunk_key!r}")
            )
            continue
        names = [chunk.get("file"), *chunk.get("css", [])]
        for name in names:
            if not isinstance(name, str):
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
        imports = list(chunk.get("imports", []))
        if resolver.policy.dynamic_imports:
            imports += list(chunk.get("dynamicImports", []))
        chunks.extend(i for i in imports if isinstance(i, str))
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
    if not result.widgets and not any(p.code == "bundle-no-manifest" for p in result.problems):
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
