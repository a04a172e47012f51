"""Entry point for ``python -m slo_gate``."""

import sys

from slo_gate.cli import main

sys.exit(main())
