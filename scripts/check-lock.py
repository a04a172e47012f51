#!/usr/bin/env python3
"""Fail when requirements.lock is stale against pyproject.toml, offline and deterministically.

    python scripts/check-lock.py [--lock requirements.lock] [--pyproject pyproject.toml]

It never resolves anything from an index; it reads the two files and checks that:

- the lock has no option lines other than hashes (no ``--index-url``, ``--extra-index-url``,
  ``--find-links``, ``--trusted-host`` …: a lock made on one machine must not point at its disk);
- every pin is ``name==version`` with at least one ``--hash=sha256:``, and no name twice;
- every ``[project].dependencies`` requirement (whose marker applies to CPython 3.11 on Linux,
  what the lock is resolved for) is pinned at a version its specifier allows;
- every pin is needed: a dependency of pyproject.toml, or (by the lock's ``# via`` comments) a
  dependency of a pin that is needed. A ``# via -r …`` pin that pyproject.toml no longer lists is
  stale.

Exit status 0 when the lock is current, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# What the lock is resolved for (its header says so): markers are judged in this environment.
LOCK_ENVIRONMENT = {
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
}

PIN = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass
class Pin:
    name: str
    version: str
    line: int
    hashes: int = 0
    via: list[str] = field(default_factory=list)


def parse_lock(text: str) -> tuple[dict[str, Pin], list[str]]:
    """The pins of a pip-compile lock (with their hashes and ``# via`` origins), and problems."""
    pins: dict[str, Pin] = {}
    problems: list[str] = []
    current: Pin | None = None
    in_via = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            in_via = False
            continue
        if line.startswith("#"):
            comment = line[1:].strip()
            if current is not None and raw.startswith("    #"):
                if comment.startswith("via"):
                    rest = comment[3:].strip()
                    in_via = not rest
                    if rest:
                        current.via.append(rest)
                elif in_via and comment:
                    current.via.append(comment)
            continue
        in_via = False
        body = line.removesuffix("\\").strip()
        if body.startswith("--hash="):
            if current is None:
                problems.append(f"line {number}: a hash outside a pin")
            elif not HASH.fullmatch(body):
                problems.append(f"line {number}: not a sha256 hash: {body}")
            else:
                current.hashes += 1
            continue
        if body.startswith("-"):
            problems.append(
                f"line {number}: option line {body.split()[0]!r}: a lock must not name indexes,"
                " find-links or other pip options (regenerate with --no-emit-index-url"
                " --no-emit-find-links)"
            )
            current = None
            continue
        spec = body.split(" --hash=")[0].split(";")[0].strip()
        match = PIN.fullmatch(spec)
        if not match:
            problems.append(f"line {number}: not an exact pin (name==version): {body}")
            current = None
            continue
        name: str = canonicalize_name(match["name"])
        if name in pins:
            problems.append(f"line {number}: {name} is pinned twice")
        current = Pin(name, match["version"], number)
        pins[name] = current
        current.hashes += len(HASH.findall(body))
    return pins, problems


def project_requirements(pyproject: str) -> list[Requirement]:
    data = tomllib.loads(pyproject)
    return [Requirement(r) for r in data["project"]["dependencies"]]


def check(lock_text: str, pyproject_text: str) -> list[str]:
    """Every reason the lock is stale against pyproject.toml; empty when it is current."""
    pins, problems = parse_lock(lock_text)
    try:
        requirements = project_requirements(pyproject_text)
    except (InvalidRequirement, KeyError, tomllib.TOMLDecodeError) as exc:
        return [f"pyproject.toml: cannot read [project].dependencies: {exc}"]

    for each in pins.values():
        if each.hashes == 0:
            problems.append(f"line {each.line}: {each.name}=={each.version} has no --hash")

    direct: set[str] = set()
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate(LOCK_ENVIRONMENT):
            continue
        name: str = canonicalize_name(req.name)
        direct.add(name)
        pin = pins.get(name)
        if pin is None:
            problems.append(f"{req}: in pyproject.toml but not pinned in the lock")
            continue
        try:
            version = Version(pin.version)
        except InvalidVersion:
            problems.append(f"line {pin.line}: {name}: invalid version {pin.version!r}")
            continue
        if not req.specifier.contains(version, prereleases=True):
            problems.append(
                f"line {pin.line}: {name}=={pin.version} is outside pyproject.toml's {req}"
            )

    needed = set(direct)
    changed = True
    while changed:
        changed = False
        for name, pin in pins.items():
            if name in needed:
                continue
            parents = {canonicalize_name(v) for v in pin.via if not v.startswith("-")}
            if parents & needed:
                needed.add(name)
                changed = True
    for name, pin in sorted(pins.items()):
        if name in needed:
            continue
        if any(v.startswith("-r") for v in pin.via):
            why = "pinned as a requirement but pyproject.toml no longer lists it"
        elif pin.via:
            why = f"needed only by {', '.join(pin.via)}, which nothing needs"
        else:
            why = "no '# via' origin and not in pyproject.toml"
        problems.append(f"line {pin.line}: {name}=={pin.version}: {why}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--lock", type=Path, default=root / "requirements.lock")
    parser.add_argument("--pyproject", type=Path, default=root / "pyproject.toml")
    args = parser.parse_args(argv)
    problems = check(
        args.lock.read_text(encoding="utf-8"), args.pyproject.read_text(encoding="utf-8")
    )
    for problem in problems:
        print(f"{args.lock}: {problem}", file=sys.stderr)
    if problems:
        print(
            f"{args.lock} is stale against {args.pyproject}: regenerate it as its header says",
            file=sys.stderr,
        )
        return 1
    print(f"{args.lock}: current ({len(parse_lock(args.lock.read_text())[0])} pins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
