"""The bodies of alert issues: one issue per SLO while its alert fires. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slo_gate.formatting import counted
from slo_gate.render.escape import md_code, md_table_cell
from slo_gate.render.report_format import (
    fmt_eta,
    fmt_share,
    fmt_time,
)
from slo_gate.report_model import (
    Alert,
    BudgetStatus,
)

# ----------------------------------------------------------------------------- alert issues

RESPONSE = {
    "critical": "respond within 15 minutes (business hours)",
    "warning": "respond within 1 hour (business hours)",
}


def render_alert_body(
    slo_id: str, alerts: Sequence[Alert], budget: BudgetStatus | None, now: datetime
) -> str:
    """The body of an SLO's alert issue (the publisher adds the hidden marker line above it)."""
    severity = "critical" if any(a.severity == "critical" for a in alerts) else "warning"
    lines = [
        f"## {md_code(slo_id)}: {severity} alert",
        "",
        f"Last checked {fmt_time(now, 'UTC')}: {counted(len(alerts), 'alert')} firing; "
        f"{RESPONSE[severity]} (the built-in policy).",
        "",
        "| alert | severity | why |",
        "| --- | --- | --- |",
        *(
            f"| {md_code(a.name, in_table=True)} | {a.severity} | {md_table_cell(a.message)} |"
            for a in alerts
        ),
        "",
    ]
    if budget is not None and budget.budget is not None:
        b = budget.budget
        burn = "–" if b.burn_rate is None else f"{b.burn_rate:.2f}×"
        lines += [
            f"Error budget: {fmt_share(b.consumed)} consumed, {fmt_share(b.remaining)} left, "
            f"burn rate {burn}, time until exhaustion {fmt_eta(b.time_to_exhaustion_s)} "
            f"({b.bad:,} bad of {b.valid:,} events in {(b.window_s or 0) / 86400:g} d).",
            "",
        ]
    lines.append("slo-gate updates this issue while the alert fires and closes it when it clears.")
    return "\n".join(lines) + "\n"


def render_alert_cleared(slo_id: str, budget: BudgetStatus | None, now: datetime) -> str:
    """The comment posted when an SLO's alerts have cleared and its issue is closed."""
    text = f"Cleared at {fmt_time(now, 'UTC')}: no alert fires for {md_code(slo_id)} any more."
    if budget is not None and budget.budget is not None:
        text += f" Error budget {fmt_share(budget.budget.consumed)} consumed."
    return text + "\n"
