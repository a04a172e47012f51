"""Load a policy file and explain what is wrong with it.

Errors name the key path, the line in the YAML, what was expected, and, for misspelt keys, the
nearest known key ("did you mean"). YAML is parsed with PyYAML's safe loader; its node marks
give the lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from slo_gate.config.policy import Policy
from slo_gate.errors import PolicyError

DEFAULT_POLICY_PATH = ".github/slo-gate.yml"

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy, where it came from, and the line of each key (for annotations)."""

    policy: Policy
    path: str | None  # None: the built-in default policy
    lines: Mapping[KeyPath, int]

    def line_of(self, *keys: str | int) -> int | None:
        """The line of the deepest given key that the file sets (1-based)."""
        for depth in range(len(keys), 0, -1):
            line = self.lines.get(tuple(keys[:depth]))
            if line is not None:
                return line
        return None


def _walk(node: yaml.Node, path: KeyPath) -> Iterator[tuple[KeyPath, int]]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            yield (*path, key), key_node.start_mark.line + 1
            yield from _walk(value_node, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield (*path, index), item.start_mark.line + 1
            yield from _walk(item, (*path, index))


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[KeyPath, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(
            f"{where}: the policy file is not valid YAML: {problem}",
            fix="check the indentation and quoting around that line",
        ) from None
    lines = dict(_walk(node, ())) if node is not None else {}
    return data, lines


def _model_at(path: KeyPath) -> type[BaseModel] | None:
    """The pydantic model that the key path points into, for "did you mean" suggestions."""
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
    if error["type"] == "extra_forbidden":
        parent = _model_at(loc[:-1])
        text = f"{where}: unknown key '{key_path}'"
        if parent is not None:
            known = _known_keys(parent)
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
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source}:1: the policy file must be a mapping of keys such as 'bundles:'",
            fix="start from the example in the README",
        )
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        details = [text for _, text in sorted(_describe(e, lines, source) for e in exc.errors())]
        raise PolicyError(
            f"{source} is not a valid slo-gate policy ({len(details)} problem"
            f"{'s' if len(details) != 1 else ''})",
            details=details,
            fix="correct the keys named above; `slo-gate schema policy` prints every key",
        ) from None
    return LoadedPolicy(policy=policy, path=source, lines=lines)


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
            fix="pass the right --config path, or leave it out to use the built-in default policy",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            f"cannot read policy file {path}: {exc}",
            fix="check the file's permissions and encoding",
        ) from None
    try:
        shown = str(path.relative_to(workspace))
    except ValueError:
        shown = str(path)
    return parse_policy(text, shown)
