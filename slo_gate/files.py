"""Writing the files a user asked for (``--json``, ``--markdown``, ``--html``)."""

from __future__ import annotations

from pathlib import Path

from slo_gate.errors import UsageError


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (making its folder); a failure names the path and the fix."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}", fix="choose a writable path"
        ) from None
