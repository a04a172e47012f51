"""Configuration: the policy file (models, loader, built-in default, JSON Schema)."""
