"""Load a policy file and explain what is wrong with it.

Errors name the key path, the line in the YAML, what was expected, and, for misspelt keys, the
nearest known key ("did you mean"). YAML is parsed with PyYAML's safe loader; its node marks
give the lines.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from slo_gate.config import DEFAULT_POLICY_PATH as DEFAULT_POLICY_PATH
from slo_gate.config.policy import Policy
from slo_gate.config.pyyaml import yaml
from slo_gate.config.units import WRITTEN, ByteSize
from slo_gate.errors import PolicyError
from slo_gate.files import RefusedFile, read_bounded

KeyPath = tuple[str | int, ...]

#: ``{critical: 1,000 KB}`` reads as the key ``000 KB``: a thousands comma in a flow mapping
_SPLIT_NUMBER = re.compile(r"^[0-9]{3}(?:\.[0-9]+)?\s*[A-Za-z%]*$")


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy, where it came from, and the line of each key (for annotations)."""

    policy: Policy
    path: str | None  # None: the built-in default policy
    lines: Mapping[KeyPath, int]
    #: what is valid but most likely not meant ("warning: 240" is 240 bytes), with file:line
    notes: tuple[str, ...] = ()

    def line_of(self, *keys: str | int) -> int | None:
        """The line of the deepest given key that the file sets (1-based)."""
        for depth in range(len(keys), 0, -1):
            line = self.lines.get(tuple(keys[:depth]))
            if line is not None:
                return line
        return None


#: a policy file larger than this is refused (a real one is a few KB)
MAX_POLICY_BYTES = 1024 * 1024
#: deeper nesting than this is not a policy (the deepest real key is 5 levels down)
MAX_DEPTH = 32
#: YAML aliases may repeat a value, but the whole policy expands to at most this many values
MAX_NODES = 100_000
#: a number beyond this is refused wherever it appears (sizes and durations have tighter caps)
MAX_NUMBER = 1e15


def _walk(root: yaml.Node, source: str) -> dict[KeyPath, int]:
    """The line of every key path, walked without recursion.

    Refuses (as a ``PolicyError``) a recursive alias (``a: &a [*a]``), nesting deeper than
    ``MAX_DEPTH`` and aliases that expand to more than ``MAX_NODES`` values ("billion laughs").
    """
    lines: dict[KeyPath, int] = {}
    stack: list[tuple[yaml.Node, KeyPath, frozenset[int]]] = [(root, (), frozenset())]
    visits = 0
    while stack:
        node, path, ancestors = stack.pop()
        visits += 1
        line = node.start_mark.line + 1
        if id(node) in ancestors:
            raise _structure_error(source, line, path, "is a recursive alias (it contains itself)")
        if len(path) > MAX_DEPTH:
            raise _structure_error(source, line, path, f"is nested more than {MAX_DEPTH} levels")
        if visits > MAX_NODES:
            raise _structure_error(
                source, line, path, f"makes the policy expand to more than {MAX_NODES:,} values"
            )
        inner = ancestors | {id(node)}
        children: list[tuple[yaml.Node, KeyPath]] = []
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                key_line = key_node.start_mark.line + 1
                if key in seen and key != "<<":
                    raise _structure_error(
                        source,
                        key_line,
                        (*path, key),
                        f"is set twice (lines {seen[key]} and {key_line})",
                        fix="keep one of the two; a later key would silently replace the first",
                    )
                seen[key] = key_line
                lines[(*path, key)] = key_line
                children.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
                children.append((item, (*path, index)))
        stack.extend((child, child_path, inner) for child, child_path in reversed(children))
    return lines


def _structure_error(
    source: str,
    line: int,
    path: KeyPath,
    what: str,
    fix: str = "write the policy as plain nested keys; see `slo-gate schema policy`",
) -> PolicyError:
    key = ".".join(str(p) for p in path) or "(top level)"
    return PolicyError(f"{source}:{line}: {key} {what}", fix=fix)


def _scan_numbers(data: Any, lines: Mapping[KeyPath, int], source: str) -> tuple[str, ...]:
    """Refuse infinite, not-a-number and absurdly large numbers, naming the key and line; note
    sizes written as a bare number under ``SMALL_BARE_SIZE`` (bytes, but likely a unit left
    out)."""
    notes: list[tuple[int, str]] = []
    stack: list[tuple[Any, KeyPath]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, (*path, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            bare_size = isinstance(value, int) and 0 < value < SMALL_BARE_SIZE and _is_size(path)
            if bare_size:
                what = ""
            elif isinstance(value, float) and not math.isfinite(value):
                what = "is not a finite number"
            elif abs(value) > MAX_NUMBER:
                what = f"is larger than {MAX_NUMBER:g}"
            else:
                continue  # the common case: no line lookup
            line = next(
                (lines[path[:d]] for d in range(len(path), 0, -1) if path[:d] in lines), None
            )
            where = f"{source}:{line}" if line else source
            key = ".".join(str(p) for p in path) or "(top level)"
            if bare_size:
                notes.append((line or 0, _bare_size_note(where, key, int(value))))
                continue
            shown = (
                f"{value:g}" if isinstance(value, float) else f"a {len(str(value))}-digit number"
            )
            raise PolicyError(
                f"{where}: {key}: {shown} {what}",
                fix="write a finite number within the limits (`slo-gate schema policy`)",
            )
    return tuple(note for _, note in sorted(notes))


#: a size written without a unit below this is more likely a unit left out than bytes meant
SMALL_BARE_SIZE = 1000


def _bare_size_note(where: str, key: str, value: int) -> str:
    return (
        f"{where}: {key}: {value} is {value} bytes (a size without a unit is bytes); "
        f"if {value} KB was meant, write the unit"
    )


def _is_size(path: KeyPath) -> bool:
    """Whether the key path names a byte size of the policy (``ByteSize``)."""
    if not path or not isinstance(path[-1], str):
        return False
    model = _model_at(path[:-1])
    field = (
        next((f for n, f in model.model_fields.items() if path[-1] in (n, f.alias)), None)
        if model is not None
        else None
    )
    return field is not None and (
        field.annotation == ByteSize or ByteSize in get_args(field.annotation)
    )


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[KeyPath, int]]:
    try:
        # one parse: the nodes give the lines, then become the data (what safe_load does)
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            lines = _walk(node, source) if node is not None else {}
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise PolicyError(
            f"{source}:{line}: the policy file holds the character U+{code:04X}, which YAML "
            "does not allow in a file",
            fix="delete it (an editor's 'show invisibles' finds it), or write it as an escape "
            f'in a double-quoted string: "\\u{code:04X}"',
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(
            f"{where}: the policy file is not valid YAML: {problem}",
            fix="check the indentation and quoting around that line",
        ) from None
    except RecursionError:
        raise PolicyError(
            f"{source}: the policy file is nested too deeply to read",
            fix="write the policy as plain nested keys; see `slo-gate schema policy`",
        ) from None
    return data, lines


@functools.lru_cache(maxsize=256)
def _model_at(path: KeyPath) -> type[BaseModel] | None:
    """The pydantic model that the key path points into (for "did you mean" and size notes;
    cached: a file of many keys asks for the same few parents)."""
    model: type[BaseModel] = Policy
    for key in path:
        field = next(
            (f for name, f in model.model_fields.items() if key in (name, f.alias)),
            None,
        )
        if field is None:
            return None
        annotation = field.annotation
        candidates = getattr(annotation, "__args__", (annotation,))
        sub = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if sub is None:
            return None
        model = sub
    return model


def _known_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _describe(
    error: Mapping[str, Any], lines: Mapping[KeyPath, int], source: str
) -> tuple[int, str]:
    loc: KeyPath = tuple(
        part for part in error["loc"] if not (isinstance(part, str) and "[" in part)
    )
    # pydantic reports the alias ("from") for aliased fields when input uses it.
    key_path = ".".join(str(p) for p in loc) or "(top level)"
    line = None
    for depth in range(len(loc), -1, -1):
        line = lines.get(loc[:depth])
        if line is not None:
            break
    where = f"{source}:{line}" if line else source
    if error["type"] == "extra_forbidden" and loc:
        parent = _model_at(loc[:-1])
        text = f"{where}: unknown key '{key_path}'"
        if _SPLIT_NUMBER.match(str(loc[-1])):
            text += (
                " — a thousands comma splits a {flow: mapping}: write the number without "
                "commas (1000 KB, or 1 MB)"
            )
        elif parent is not None:
            known = _known_keys(parent)
            import difflib  # "did you mean": only for a misspelt key

            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            if close:
                text += f" — did you mean '{close[0]}'?"
            else:
                text += f" (known keys here: {', '.join(known)})"
        return line or 0, text
    message = str(error["msg"]).removeprefix("Value error, ")
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    return line or 0, f"{where}: {key_path}: {message}{shown}"


def parse_policy(text: str, source: str) -> LoadedPolicy:
    """Validate policy text; raise ``PolicyError`` naming every problem with its line."""
    data, lines = _parse_yaml(text, source)
    notes = _scan_numbers(data, lines, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source}:1: the policy file must be a mapping of keys such as 'bundles:'",
            fix="start from the example in the README",
        )
    try:
        policy = Policy.model_validate(data, context={WRITTEN: True})
    except ValidationError as exc:
        details = [text for _, text in sorted(_describe(e, lines, source) for e in exc.errors())]
        raise PolicyError(
            f"{source} is not a valid slo-gate policy ({len(details)} problem"
            f"{'s' if len(details) != 1 else ''})",
            details=details,
            fix="correct the keys named above; `slo-gate schema policy` prints every key",
        ) from None
    return LoadedPolicy(policy=policy, path=source, lines=lines, notes=notes)


def load_policy(path: Path | None, workspace: Path) -> LoadedPolicy:
    """Load ``path``, else ``.github/slo-gate.yml`` in the workspace, else the built-in default.

    An explicitly named file that does not exist is an error, never a silent default.
    """
    if path is None:
        candidate = workspace / DEFAULT_POLICY_PATH
        if not candidate.is_file():
            return LoadedPolicy(policy=Policy(), path=None, lines={})
        path = candidate
    if not path.is_file():
        raise PolicyError(
            f"policy file {path} does not exist",
            fix="pass the right --config path, or run `slo-gate init` to write one",
        )
    try:
        text = read_bounded(path, MAX_POLICY_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"cannot read policy file {path}: {exc}",
            fix="check the file's permissions and encoding",
        ) from None
    except RefusedFile as exc:
        raise PolicyError(
            f"cannot read policy file {path}: {exc.reason}",
            fix="point --config at the policy file (a small YAML file)",
        ) from None
    try:
        shown = str(path.relative_to(workspace))
    except ValueError:
        shown = str(path)
    return parse_policy(text, shown)
