"""The monthly SLO report: pure models and builder, plus the edge glue the CLI calls."""
