"""JSON Schemas for the policy file and the verdict, generated from the models.

``slo-gate schema policy|verdict`` prints the copies shipped in ``slo_gate/data/`` (reading a
file needs no pydantic, so the command starts in a fraction of the time). The policy schema is
also committed as ``schema/policy.schema.json`` so that editors can fetch it by its ``$id``:
YAML files that start with ``# yaml-language-server: $schema=<POLICY_SCHEMA_ID>``, and
SchemaStore for ``.github/slo-gate.yml``. ``tests/test_schema_file.py`` keeps all three equal to
what this module generates; ``SLO_GATE_REGEN_GOLDEN=1 pytest tests/test_schema_file.py``
rewrites them.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from slo_gate.config.policy import Policy

POLICY_SCHEMA_ID = (
    "https://raw.githubusercontent.com/slo-gate/slo-gate/main/schema/policy.schema.json"
)


def policy_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = POLICY_SCHEMA_ID
    schema["title"] = "slo-gate policy (.github/slo-gate.yml)"
    schema["description"] = (
        "The slo-gate policy file: which sources are measured (a section turns its source on), "
        "their SLO thresholds and the error-budget policy. What a file leaves out comes from "
        "the built-in policy. https://github.com/slo-gate/slo-gate"
    )
    return schema


def verdict_schema() -> dict[str, Any]:
    from slo_gate.verdict import Verdict  # here: `schema policy` and `validate` do without it

    schema = Verdict.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "slo-gate verdict (slo-gate check --json)"
    return schema


def schema_text(which: Literal["policy", "verdict"]) -> str:
    schema = policy_schema() if which == "policy" else verdict_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
