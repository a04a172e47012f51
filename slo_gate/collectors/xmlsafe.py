"""Hardened XML parsing for report files that come from pull requests (forks included).

Test reports are untrusted: a report can carry a billion-laughs DOCTYPE, an external entity that
points at ``/etc/passwd`` or at an internal URL, or a DTD on the network. Every parser here runs
libxml2 with entity resolution, DTD loading, validation and network access switched off, and
``huge_tree`` (which lifts libxml2's own depth and text-size limits) only when the policy allows
it for files up to a stated size.

On top of that, a report whose DOCTYPE declares any entity or names an external DTD is refused
before its body is read: such a file is never produced by a test runner, and refusing it outright
means nothing it declares can be expanded, fetched or quoted back into a problem message.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lxml import etree

from slo_gate.measurements import Problem

#: problem messages quote at most this much of a parser message
_MAX_PARSER_MESSAGE = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SNIFF_BYTES = 65_536
_DOCTYPE_SNIFF = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]*\b(?:SYSTEM|PUBLIC)\b")


def parser_options(*, huge_tree: bool) -> dict[str, Any]:
    """The only lxml options slo-gate parses reports with; why each one is set:

    - ``resolve_entities=False``: no entity is ever expanded (billion laughs, quadratic blow-up).
    - ``load_dtd=False`` / ``dtd_validation=False``: an external DTD is never read.
    - ``no_network=True``: libxml2 never opens a socket, whatever the file names.
    - ``huge_tree``: libxml2's depth/size limits stay on unless the policy lifts them.
    """
    return {
        "resolve_entities": False,
        "load_dtd": False,
        "dtd_validation": False,
        "no_network": True,
        "huge_tree": huge_tree,
        "remove_comments": True,
        "remove_pis": True,
    }


def clean_parser_message(message: str) -> str:
    """A parser message made safe to show: one line, no control characters, bounded length."""
    text = _CONTROL.sub(" ", message).strip()
    if len(text) > _MAX_PARSER_MESSAGE:
        text = text[: _MAX_PARSER_MESSAGE - 1] + "…"
    return text


@dataclass(frozen=True, slots=True)
class XmlPrologue:
    """What the first element of a well-formed-so-far XML file tells: its root tag."""

    root_tag: str
    huge_tree: bool
    root_attributes: frozenset[str] = frozenset()
    #: every ASCII character is its own byte (UTF-8 and the single-byte encodings): a search
    #: of the raw bytes for an ASCII word finds it wherever the parser will
    ascii_compatible: bool = False


_DECLARATION = re.compile(rb"<\?xml(.{0,1000}?)\?>", re.DOTALL)
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']{0,40})["']""")
_ASCII_ENCODINGS = re.compile(
    rb"utf-?8|(?:us-)?ascii|iso-?8859-\d{1,2}|latin-?1|(?:windows|cp)-?125\d", re.IGNORECASE
)


def ascii_compatible(head: bytes) -> bool:
    """Whether a file starting with ``head`` is in an encoding where ASCII is ASCII bytes.

    No declared encoding means UTF-8 (a byte-order mark or zero bytes mean UTF-16/32: no).
    """
    head = head.removeprefix(b"\xef\xbb\xbf")
    if not head.startswith(b"<") or b"\x00" in head[:4]:
        return False
    declaration = _DECLARATION.match(head)
    if declaration is None:
        return not head.startswith(b"<?xml")  # a declaration too long to read: do not guess
    body = declaration.group(1)
    found = _ENCODING.search(body)
    if found is None:
        return b"encoding" not in body
    return _ASCII_ENCODINGS.fullmatch(found.group(1)) is not None


class XmlRefused(Exception):
    """A report slo-gate will not parse; carries the problem that says why and what to do."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _problem(code: str, message: str, display: str, line: int | None, source: str) -> Problem:
    return Problem(code=code, message=message, path=display, line=line, source=source)


def allow_huge_tree(size: int, huge_tree_limit: int | None) -> bool:
    """huge_tree only when the policy allows it and the file is within the stated bound."""
    return huge_tree_limit is not None and size <= huge_tree_limit


def syntax_problem(
    err: etree.XMLSyntaxError, display: str, source: str, *, huge_tree: bool
) -> Problem:
    """Turn an lxml syntax error into a named problem with the line and the fix."""
    line = err.lineno if isinstance(err.lineno, int) and err.lineno > 0 else None
    raw = err.msg if isinstance(err.msg, str) and err.msg else str(err)
    detail = clean_parser_message(raw)
    fix = "regenerate the report; a truncated file usually means the test step was killed"
    lowered = detail.lower()
    if not huge_tree and ("huge" in lowered or "depth" in lowered or "too large" in lowered):
        fix = (
            "the file exceeds libxml2's safety limits; if it is trusted, allow it with the "
            "policy key tests.huge_tree (for example `huge_tree: 500 MB`)"
        )
    where = f" at line {line}" if line else ""
    return _problem(
        "xml-malformed",
        f"{display}: not well-formed XML{where} ({detail}); {fix}",
        display,
        line,
        source,
    )


def _refuse_doctype(root: Any, display: str, source: str) -> Problem | None:
    """Refuse any DOCTYPE that declares entities or points at an external DTD."""
    docinfo = root.getroottree().docinfo
    system_url = docinfo.system_url
    public_id = docinfo.public_id
    internal = docinfo.internalDTD
    entities = list(internal.iterentities()) if internal is not None else []
    if not entities and not system_url and not public_id:
        return None
    what = []
    if entities:
        what.append(f"declares {len(entities)} entit{'y' if len(entities) == 1 else 'ies'}")
    if system_url or public_id:
        what.append("names an external DTD")
    return _doctype_problem(what, display, source)


def _doctype_problem(what: list[str], display: str, source: str) -> Problem:
    return _problem(
        "xml-doctype-refused",
        f"{display}: the DOCTYPE {' and '.join(what)}; slo-gate never expands entities or "
        "loads DTDs from report files (billion-laughs, external-entity and network attacks "
        "look like this). Fix: write the report without a DOCTYPE; test runners never need one",
        display,
        1,
        source,
    )


def read_prologue(
    path: Path,
    display: str,
    *,
    roots: Collection[str],
    source: str,
    huge_tree_limit: int | None,
    not_report_code: str,
    not_report_hint: str,
) -> XmlPrologue:
    """Read only as far as the root element's start tag and check it.

    Raises ``XmlRefused`` for an empty file, a file that is not XML, a DOCTYPE with entities or
    an external DTD, and a root element not in ``roots``. Costs one parser chunk, so hostile
    files are refused in milliseconds whatever their size.
    """
    size = path.stat().st_size
    if size == 0:
        raise XmlRefused(
            _problem(
                "xml-empty",
                f"{display}: the file is empty (0 bytes); the test step probably failed before "
                "writing its report. Fix: check the step that writes it",
                display,
                None,
                source,
            )
        )
    huge = allow_huge_tree(size, huge_tree_limit)
    with path.open("rb") as handle:
        events = etree.iterparse(handle, events=("start",), **parser_options(huge_tree=huge))
        try:
            _event, root = next(iter(events))
        except etree.XMLSyntaxError as err:
            # a DOCTYPE whose entities break the root's start tag fails before the check
            # below could run; name it for what it is rather than as a syntax error
            handle.seek(0)
            if _DOCTYPE_SNIFF.search(handle.read(_SNIFF_BYTES)):
                raise XmlRefused(_doctype_problem(["declares entities"], display, source)) from None
            raise XmlRefused(syntax_problem(err, display, source, huge_tree=huge)) from None
        except StopIteration:  # pragma: no cover - libxml2 raises a syntax error instead
            raise XmlRefused(
                _problem("xml-malformed", f"{display}: no XML element found", display, None, source)
            ) from None
        handle.seek(0)
        head = handle.read(2048)  # the declaration, for the encoding
    refused = _refuse_doctype(root, display, source)
    if refused is not None:
        raise XmlRefused(refused)
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag not in roots:
        shown = clean_parser_message(tag)[:60]
        raise XmlRefused(
            _problem(
                not_report_code,
                f"{display}: root element <{shown}> is not one of "
                f"{', '.join(f'<{r}>' for r in sorted(roots))}; {not_report_hint}",
                display,
                root.sourceline if isinstance(root.sourceline, int) else None,
                source,
            )
        )
    return XmlPrologue(
        root_tag=tag,
        huge_tree=huge,
        root_attributes=frozenset(root.keys()),
        ascii_compatible=ascii_compatible(head),
    )


class Readable(Protocol):
    """What the parser reads a report from: a file, or a wrapper that watches its bytes."""

    def read(self, size: int = -1, /) -> bytes: ...


def iterparse(
    handle: Readable, *, events: tuple[str, ...], tags: tuple[str, ...], huge_tree: bool
) -> Iterator[tuple[str, Any]]:
    """Stream ``(event, element)`` pairs, hardened; call ``read_prologue`` first."""
    return iter(
        etree.iterparse(handle, events=events, tag=tags, **parser_options(huge_tree=huge_tree))
    )


def int_attr(elem: Any, name: str) -> int | None:
    """A non-negative integer attribute; ``None`` when absent or not such a number."""
    raw = elem.get(name)
    if raw is None:
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def sum_attrs(elem: Any, names: tuple[str, ...]) -> int | None:
    """The sum of the integer attributes present; ``None`` when none is."""
    values = [int_attr(elem, n) for n in names]
    present = [v for v in values if v is not None]
    return sum(present) if present else None
