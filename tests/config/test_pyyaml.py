"""slo_gate.config.pyyaml: PyYAML's non-printable check, compiled the quick way, is the same.

The module puts a pattern written as the complement of PyYAML's ``Reader.NON_PRINTABLE`` into
``re``'s cache under PyYAML's text before importing yaml. These tests check that the two match
exactly the same characters, that PyYAML really picks the cached pattern up (a fresh process:
this one may have imported yaml already), and that a policy with a non-printable character is
still refused with its line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from slo_gate.config.loader import load_policy
from slo_gate.config.pyyaml import NON_PRINTABLE, PYYAML_NON_PRINTABLE
from slo_gate.errors import PolicyError


def test_both_patterns_match_the_same_code_points() -> None:
    slow = re._compiler.compile(PYYAML_NON_PRINTABLE, 0)  # type: ignore[attr-defined]  # uncached
    quick = re.compile(NON_PRINTABLE)
    text = "".join(map(chr, range(0x110000)))
    assert [m.start() for m in slow.finditer(text)] == [m.start() for m in quick.finditer(text)]
    assert len(quick.findall(text)) == 9 + 2 + 18 + 6 + 26 + 2048 + 2  # the complement's size


def test_the_pattern_is_pyyaml_s() -> None:
    """PyYAML's own source still holds the text the cache entry is keyed by."""
    import yaml.reader

    source = Path(yaml.reader.__file__).read_text(encoding="utf-8")
    written = (
        "[^\\x09\\x0A\\x0D\\x20-\\x7E\\x85\\xA0-\\uD7FF\\uE000-\\uFFFD\\U00010000-\\U0010ffff]"
    )
    assert f"NON_PRINTABLE = re.compile('{written}')" in source
    assert written.encode().decode("unicode_escape") == PYYAML_NON_PRINTABLE


def test_pyyaml_uses_the_cached_pattern_in_a_fresh_process() -> None:
    program = (
        "import json, slo_gate.config.loader, yaml.reader\n"
        "print(json.dumps(yaml.reader.Reader.NON_PRINTABLE.pattern))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, check=True)
    assert json.loads(done.stdout) == NON_PRINTABLE


@pytest.mark.parametrize(
    ("char", "shown"), [("\x07", "U+0007"), ("\x9f", "U+009F"), ("\ufffe", "U+FFFE")]
)
def test_a_policy_with_a_non_printable_character_is_refused_with_its_line(
    tmp_path: Path, char: str, shown: str
) -> None:
    policy = tmp_path / "slo-gate.yml"
    policy.write_text(f"version: 1\nbundles:\n  root: 'dist{char}'\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(policy, tmp_path)
    assert caught.value.message == (
        f"slo-gate.yml:3: the policy file holds the character {shown}, "
        "which YAML does not allow in a file"
    )
    assert caught.value.fix is not None and f'"\\{shown.replace("+", "").lower()}' in (
        caught.value.fix.lower()
    )
