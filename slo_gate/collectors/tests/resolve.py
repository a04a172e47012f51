"""Paths written into reports, as workspace-relative paths of files that exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass
class PathResolver:
    """Turns paths written into reports into workspace-relative paths of existing files.

    Reports carry paths relative to some runner directory, or absolute paths from the machine
    that ran the tests (a developer's home, ``/home/runner/work/...``). A path is tried as
    given, against the candidate bases, and finally by its trailing components inside the
    workspace. Answers are cached: a report repeats the same file for many tests.
    """

    workspace: Path
    _cache: dict[tuple[str, tuple[str, ...]], str | None] = field(default_factory=dict)

    def resolve(self, raw: str | None, bases: tuple[str, ...] = ()) -> str | None:
        if not raw:
            return None
        key = (raw, bases)
        if key not in self._cache:
            self._cache[key] = self._resolve(raw, bases)
        return self._cache[key]

    def _resolve(self, raw: str, bases: tuple[str, ...]) -> str | None:
        text = raw.replace("\\", "/")
        if text.startswith("file://"):
            text = text[len("file://") :]
        root = self.workspace.resolve()
        posix = PurePosixPath(text)
        candidates: list[PurePosixPath] = []
        if posix.is_absolute():
            candidates.append(posix)
        else:
            candidates.extend(PurePosixPath(b) / posix for b in bases if b)
            candidates.append(PurePosixPath(root.as_posix()) / posix)
        for candidate in candidates:
            found = self._inside(Path(str(candidate)), root)
            if found is not None:
                return found
        parts = [p for p in (candidates[0] if candidates else posix).parts if p not in ("/", "")]
        for start in range(1, len(parts)):
            found = self._inside(root.joinpath(*parts[start:]), root)
            if found is not None:
                return found
        return None

    @staticmethod
    def _inside(path: Path, root: Path) -> str | None:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        if resolved.is_relative_to(root) and resolved.is_file():
            return resolved.relative_to(root).as_posix()
        return None
