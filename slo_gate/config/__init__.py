"""Configuration: the policy file (models, loader, built-in default, JSON Schema)."""

#: where ``check``, ``validate`` and ``report`` look for the policy, and ``init`` writes it
DEFAULT_POLICY_PATH = ".github/slo-gate.yml"
