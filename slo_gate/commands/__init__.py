"""The commands of ``slo-gate``: one module each, thin, sharing ``commands.inputs``."""
