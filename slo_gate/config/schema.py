"""JSON Schemas for the policy file and the verdict (``slo-gate schema policy|verdict``)."""

from __future__ import annotations

import json
from typing import Any, Literal

from slo_gate.config.policy import Policy
from slo_gate.verdict import Verdict


def policy_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "slo-gate policy (.github/slo-gate.yml)"
    return schema


def verdict_schema() -> dict[str, Any]:
    schema = Verdict.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "slo-gate verdict (slo-gate check --json)"
    return schema


def schema_text(which: Literal["policy", "verdict"]) -> str:
    schema = policy_schema() if which == "policy" else verdict_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
