"""The one glob syntax of slo-gate: brace alternatives and the checks that refuse bad patterns.

Every pattern (widget entries, report files, log files, visual-test paths, log locations, job
and step names) is matched by ``collectors.paths.glob_match``, a linear-time automaton, after
``{a,b}`` alternatives are expanded here. The syntax, documented once in the README:

- ``*`` any characters within one path segment; ``**`` any number of segments (``a/**/b``
  matches ``a/b`` and ``a/x/y/b``); ``?`` one character other than ``/``;
- ``[abc]``, ``[a-z]``, ``[!a-z]`` one character of (or not of) a class;
- ``{a,b}`` either alternative (nested braces too; at most ``MAX_ALTERNATIVES`` in all).

A pattern with a reversed range (``[z-a]``), an unclosed ``[`` or ``{``, or too many
alternatives is refused: in the policy file at ``validate`` (exit 2), on the command line as a
named problem. This module is pure: no I/O.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: a pattern longer than this is refused (a glob in a policy is a few dozen characters)
MAX_PATTERN = 1024
#: brace alternatives expand to at most this many patterns
MAX_ALTERNATIVES = 64


class GlobError(ValueError):
    """A pattern that cannot be used; the message says why."""


def _closing(pattern: str, start: int) -> int:
    """The index of the ``}`` that closes the ``{`` at ``start``, or -1."""
    depth = 0
    for i in range(start, len(pattern)):
        if pattern[i] == "{":
            depth += 1
        elif pattern[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_top(body: str) -> list[str]:
    """Split a brace body at its top-level commas."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in body:
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        current.append(char)
    parts.append("".join(current))
    return parts


@lru_cache(maxsize=256)
def expand_braces(pattern: str) -> tuple[str, ...]:
    """``src/{a,b}/*.html`` -> ``("src/a/*.html", "src/b/*.html")``.

    A ``{…}`` without a top-level comma is literal text. Raises ``GlobError`` for an unclosed
    ``{`` or more than ``MAX_ALTERNATIVES`` results.
    """
    done: list[str] = []
    todo = [pattern]
    while todo:
        current = todo.pop()
        start = current.find("{")
        while start != -1:
            end = _closing(current, start)
            if end == -1:
                raise GlobError(f"has an unclosed '{{' at character {start + 1}")
            alternatives = _split_top(current[start + 1 : end])
            if len(alternatives) > 1:
                head, tail = current[:start], current[end + 1 :]
                todo.extend(head + alt + tail for alt in reversed(alternatives))
                if len(todo) + len(done) > MAX_ALTERNATIVES:
                    raise GlobError(
                        f"expands to more than {MAX_ALTERNATIVES} alternatives; use fewer braces"
                    )
                break
            start = current.find("{", end + 1)
        else:
            if current.count("}") > current.count("{"):
                raise GlobError("has a '}' without its '{'")
            done.append(current)
    return tuple(done)


def class_regex(body: str) -> str:
    """A glob class body (``a-z``, ``!a-z``) as a regex class, every other character literal.

    Backslash, ``[``, ``&``, ``~`` and ``|`` are escaped, so the regex engine sees no nested set
    or set operation (which it warns about).
    """
    negated = body.startswith("!")
    inner = body[1:] if negated else body
    for char in ("\\", "[", "&", "~", "|"):
        inner = inner.replace(char, "\\" + char)
    return f"[^{inner}]" if negated else f"[{inner}]"


def _class_problem(pattern: str) -> str | None:
    i = 0
    while i < len(pattern):
        if pattern[i] == "[":
            end = pattern.find("]", i + 1)  # as the matcher reads it: "[]" is an empty class
            if end == -1:
                return f"has an unclosed '[' at character {i + 1} (write [[] for a literal '[')"
            body = pattern[i + 1 : end]
            if "/" in body:
                return f"has a character class {pattern[i : end + 1]!r} with '/' in it"
            try:
                re.compile(class_regex(body))
            except re.error as exc:
                return f"has a bad character class {pattern[i : end + 1]!r}: {exc.msg}"
            i = end + 1
        else:
            i += 1
    return None


def glob_problem(pattern: str) -> str | None:
    """Why a glob cannot be used (``None`` when it can): what the README's syntax refuses."""
    if not pattern.strip() or pattern.strip() in (".", "./"):
        return "is empty or only '.'; name the files, e.g. 'logs/*.jsonl'"
    if "\x00" in pattern:
        return "contains a NUL byte"
    if len(pattern) > MAX_PATTERN:
        return f"is longer than {MAX_PATTERN} characters"
    try:
        pattern.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    try:
        alternatives = expand_braces(pattern)
    except GlobError as exc:
        return str(exc)
    for alternative in alternatives:
        why = _class_problem(alternative)
        if why is not None:
            return why
    return None


def check_glob(pattern: str) -> str:
    """The pattern, or ``ValueError`` naming what is wrong (for the policy's validators)."""
    why = glob_problem(pattern)
    if why is not None:
        raise ValueError(f"the glob {pattern[:200]!r} {why}")
    return pattern


# ----------------------------------------------------------------------------- matching


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a glob with ``**`` (any depth), ``*``, ``?`` and ``[...]`` into a regex."""
    out: list[str] = []
    i = 0
    pattern = pattern.lstrip("/").removeprefix("./")
    # Runs of stars collapse as in ``_atoms`` (``****…****.x`` is ``.*\.x``): the same
    # meaning, without one quantifier per star for the regex engine to backtrack through.
    any_depth, segments, one_segment = "(?:[^/]*/)*", ".*", "[^/]*"
    while i < len(pattern):
        last = out[-1] if out else ""
        if pattern.startswith("**/", i):
            if last not in (any_depth, segments):
                out.append(any_depth)
            i += 3
        elif pattern.startswith("**", i):
            if last in (any_depth, one_segment):
                out.pop()
            if not out or out[-1] != segments:
                out.append(segments)
            i += 2
        elif pattern[i] == "*":
            if last not in (one_segment, segments):
                out.append(one_segment)
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(class_regex(pattern[i + 1 : end]))
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_match(pattern: str, path: str) -> bool:
    """Whether ``path`` matches the glob: any of its ``{a,b}`` alternatives (``slo_gate.globs``).

    Each alternative is matched by ``_match_one``; an unclosed brace is matched literally here
    (the policy's validators refuse it before).
    """
    try:
        alternatives = expand_braces(pattern)
    except GlobError:
        alternatives = (pattern,)
    return any(_match_one(alternative, path) for alternative in alternatives)


def _match_one(pattern: str, path: str) -> bool:
    """Whether ``path`` matches one brace-free glob (same meaning as ``glob_regex``), linearly.

    The pattern is run as a small automaton over the path's characters: at most one state per
    pattern position is kept, so the cost is the pattern's length times the path's, whatever
    the pattern (``"****…****.x"`` does not backtrack).
    """
    atoms = _atoms(pattern)
    n = len(atoms)
    states = _closure(atoms, {0})
    for char in path:
        following: set[int] = set()
        for state in states:
            if state < 0:  # inside a segment of `**/`
                head = -state - 1
                following.add(head if char == "/" else state)
                continue
            if state == n:
                continue
            kind, arg = atoms[state]
            if kind == "lit":
                if char == arg:
                    following.add(state + 1)
            elif kind == "one":
                if char != "/":
                    following.add(state + 1)
            elif kind == "cls":
                assert isinstance(arg, re.Pattern)
                if arg.fullmatch(char):
                    following.add(state + 1)
            elif kind == "star":
                if char != "/":
                    following.add(state)
            elif kind == "any":
                following.add(state)
            else:  # "dsl": (?:[^/]*/)*
                following.add(state if char == "/" else -state - 1)
        if not following:
            return False
        states = _closure(atoms, following)
    return n in states


_Atom = tuple[str, "str | re.Pattern[str] | None"]


@lru_cache(maxsize=256)
def _atoms(pattern: str) -> tuple[_Atom, ...]:
    atoms: list[_Atom] = []
    i = 0
    pattern = pattern.lstrip("/").removeprefix("./")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            if not (atoms and atoms[-1][0] in ("dsl", "any")):
                atoms.append(("dsl", None))
            i += 3
        elif pattern.startswith("**", i):
            if atoms and atoms[-1][0] in ("dsl", "star"):
                atoms.pop()  # `(?:[^/]*/)*.*` and `[^/]*.*` both mean `.*`
            if not (atoms and atoms[-1][0] == "any"):
                atoms.append(("any", None))
            i += 2
        elif pattern[i] == "*":
            if not (atoms and atoms[-1][0] in ("star", "any")):
                atoms.append(("star", None))
            i += 1
        elif pattern[i] == "?":
            atoms.append(("one", None))
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            try:
                compiled = re.compile(class_regex(pattern[i + 1 : end])) if end != -1 else None
            except re.error:
                compiled = None
            if compiled is None:
                atoms.append(("lit", "["))
                i += 1
            else:
                atoms.append(("cls", compiled))
                i = end + 1
        else:
            atoms.append(("lit", pattern[i]))
            i += 1
    return tuple(atoms)


def _closure(atoms: tuple[_Atom, ...], states: set[int]) -> set[int]:
    """Add the states reachable without reading: a repeated atom may match nothing."""
    result = set(states)
    for state in sorted(s for s in states if s >= 0):
        while state < len(atoms) and atoms[state][0] in ("star", "any", "dsl"):
            state += 1
            result.add(state)
    return result


def name_match(pattern: str, name: str) -> bool:
    """Whether a name (a job or step name, not a path) matches: ``/`` is an ordinary character."""
    return glob_match(pattern.replace("/", "\x00"), name.replace("/", "\x00"))
