"""Human durations in (`1d 4h`, `1h30m`) and out (`1d 4h 55m 1.6s`, not 104101.6 s)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recall_sim.scenarios.console.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("1h30m", 5400.0),
        ("1d 4h", 100800.0),
        ("1.5h", 5400.0),
        ("250ms", 0.25),
        ("2w", 1209600.0),
        (" 1D 2H 3M 4S ", 93784.0),
    ],
)
def test_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "1x", "h1", "-5", "1h-5m", "inf", "nan", "1 h 3"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(104101.6, "1d 4h 55m 1.6s"), (0.012, "12ms"), (0, "0ms"), (60, "1m"), (86400, "1d"), (3601, "1h 1s")],
)
def test_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(min_value=1, max_value=10**8))
def test_whole_seconds_round_trip(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
