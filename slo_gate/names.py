"""Hash-normalised file names: ``index-3f9a1c.js`` and ``index-9b2e7d.js`` are the same file.

Vite and other bundlers put a content hash in each emitted name, so a name changes whenever the
content does. Widgets keep their identity across builds, and a grown chunk is reported as
changed (not as one file removed and another added), by comparing names without the hash.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# A content hash before the extension: Vite's 8-character base64url (`index-BQj6J3kK.js`) or a
# hex digest of 6 to 32 characters (`app.3f9a1c.js`). Letters-only words (`-legacy`) are kept.
# Names are bounded (a path component is at most 255 bytes), and the pattern has no nested
# quantifier, so matching is linear.
_HASHED = re.compile(
    r"^(?P<stem>.+?)[-.](?P<hash>[A-Za-z0-9_-]{8}|[0-9a-f]{6,32})(?P<ext>(?:\.[A-Za-z0-9]+)+)$"
)
MAX_NAME = 255


def normalise_hashed_name(name: str) -> str:
    """``index-3f9a1c.js`` -> ``index.js``; names without a content hash are kept as they are."""
    if len(name) > MAX_NAME:
        return name
    match = _HASHED.match(name)
    if not match:
        return name
    digest = match.group("hash")
    looks_hashed = any(c.isdigit() or c.isupper() or c == "_" for c in digest)
    return match.group("stem") + match.group("ext") if looks_hashed else name


def normalise_path(path: str) -> str:
    """``assets/app-3f9a1c.js`` -> ``assets/app.js``: the folder kept, the file name normalised."""
    p = PurePosixPath(path)
    name = normalise_hashed_name(p.name)
    return name if str(p.parent) == "." else f"{p.parent}/{name}"
