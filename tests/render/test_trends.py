from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from slo_gate.records import Record
from slo_gate.render.trends import trend_charts
from tests.golden import check_golden

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _seed() -> list[Record]:
    lines = (ROOT / "examples" / "history-seed.jsonl").read_text().splitlines()
    return [Record.model_validate_json(line) for line in lines]


def test_trends_of_the_example_history_golden() -> None:
    text = trend_charts(_seed(), NOW, widget_limit_bytes=250_000, build_limit_s=300)
    check_golden(Path(__file__).parent / "golden" / "trends.md", text)


def test_trends_cover_30_days_and_draw_the_limit() -> None:
    text = trend_charts(_seed(), NOW, widget_limit_bytes=250_000)
    first = text.split("```mermaid")[1]
    # 30 days ending on November 1: October 3 to 31 have a record each, November 1 none
    axis = first.split("x-axis [")[1].split("]")[0]
    assert axis == ", ".join(f'"{day:02d}"' for day in range(3, 32))
    assert "line [250, 250" in first


def test_no_history_no_charts() -> None:
    assert trend_charts([], NOW) == ""
