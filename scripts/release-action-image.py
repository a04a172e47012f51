#!/usr/bin/env python3
"""Point action.yml at the published image, for the release commit that gets the version tag.

    python scripts/release-action-image.py v1.2.3 ghcr.io/OWNER/slo-gate [action.yml]

replaces the one line ``  image: Dockerfile`` under ``runs:`` with
``  image: docker://ghcr.io/OWNER/slo-gate:v1.2.3`` and changes nothing else. It refuses a
version that is not ``vMAJOR.MINOR.PATCH``, an image name that is not a lowercase registry path
(Docker refuses upper case), and an action.yml without exactly one such line (for instance one
that was already rewritten). Main keeps ``image: Dockerfile`` so ``uses: ./`` tests the source.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

VERSION = re.compile(r"v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
IMAGE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\.[a-z0-9-]+)*(?::[0-9]+)?(?:/[a-z0-9._-]+)+")
LINE = re.compile(r"^  image: ['\"]?Dockerfile['\"]?[ \t]*$", re.M)


def rewrite(text: str, version: str, image: str) -> str:
    """action.yml's text with the Dockerfile image replaced by ``docker://image:version``."""
    if not VERSION.fullmatch(version):
        raise ValueError(f"version {version!r} is not vMAJOR.MINOR.PATCH (e.g. v1.2.3)")
    if not IMAGE.fullmatch(image):
        raise ValueError(f"image {image!r} is not a lowercase registry path (ghcr.io/owner/name)")
    runs = text.find("\nruns:\n")
    if runs < 0:
        raise ValueError("action.yml has no top-level 'runs:'")
    head, tail = text[: runs + 1], text[runs + 1 :]
    found = LINE.findall(tail)
    if len(found) != 1:
        raise ValueError(
            f"expected one '  image: Dockerfile' line under runs:, found {len(found)}"
            " (already rewritten?)"
        )
    return head + LINE.sub(f"  image: docker://{image}:{version}", tail, count=1)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    version, image = argv[0], argv[1]
    path = Path(argv[2] if len(argv) == 3 else "action.yml")
    try:
        new = rewrite(path.read_text(encoding="utf-8"), version, image)
    except ValueError as exc:
        print(f"release-action-image: {exc}", file=sys.stderr)
        return 1
    path.write_text(new, encoding="utf-8")
    print(f"{path}: image: docker://{image}:{version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
