from __future__ import annotations

import pytest

from slo_gate.config.units import format_duration, parse_bytes, parse_duration, parse_ratio


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("250 KB", 250_000),
        ("250 KiB", 256_000),
        ("250KB", 250_000),
        ("240 kb", 240_000),
        ("1 MB", 1_000_000),
        ("1 MiB", 1_048_576),
        ("1.5 MB", 1_500_000),
        ("0.5 KiB", 512),
        ("1 GB", 1_000_000_000),
        ("1234", 1234),
        ("1234 B", 1234),
        (1234, 1234),
        (0, 0),
    ],
)
def test_parse_bytes(text: str | int, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("bad", ["250 KBB", "lots", "-1 KB", "1e3 KB", "", True, None, "5 min"])
def test_parse_bytes_refuses(bad: object) -> None:
    with pytest.raises(ValueError, match="size"):
        parse_bytes(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 min", 300.0),
        ("4min", 240.0),
        ("400 ms", 0.4),
        ("1.5 s", 1.5),
        ("1.2s", 1.2),
        ("30d", 2_592_000.0),
        ("7d", 604_800.0),
        ("1 h", 3600.0),
        ("2 w", 1_209_600.0),
        ("5 MIN", 300.0),
        ("500 MS", 0.5),
    ],
)
def test_parse_duration(text: str | float, expected: float) -> None:
    assert parse_duration(text) == pytest.approx(expected)


@pytest.mark.parametrize("bad", ["5 weeks", "soon", "-3 s", False])
def test_parse_duration_refuses(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("99.5%", 0.995), ("97 %", 0.97), ("100%", 1.0), (0.95, 0.95), ("0.8", 0.8), (1, 1.0)],
)
def test_parse_ratio(text: str | float, expected: float) -> None:
    assert parse_ratio(text) == pytest.approx(expected)


@pytest.mark.parametrize("bad", ["101%", "95 KB", 101, "-1%"])
def test_parse_ratio_refuses(bad: object) -> None:
    with pytest.raises(ValueError, match="percentage"):
        parse_ratio(bad)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(300.0, "5 min"), (0.4, "400 ms"), (1.5, "1.5 s"), (2_592_000.0, "30 d"), (3600.0, "1 h")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
