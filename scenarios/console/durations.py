"""Human durations, in and out: `1d 4h`, `1h30m`, `90s`, `1.5h`, `250ms`; a bare number is seconds."""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_UNITS = {"w": 7 * 86400.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|[wdhms])", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """Seconds in `text`; ValueError naming the expected form when it is not a duration."""
    cleaned = text.strip()
    try:
        seconds = float(cleaned)
    except ValueError:
        pass
    else:
        if seconds < 0 or seconds != seconds or seconds == float("inf"):
            raise ValueError(f"{text!r} is not a duration: use e.g. 90s, 1h30m or 1d 4h")
        return seconds
    total, position = 0.0, 0
    compact = re.sub(r"\s+", "", cleaned)
    for match in _PART.finditer(compact):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNITS[match.group(2).lower()]
        position = match.end()
    if not compact or position != len(compact):
        raise ValueError(f"{text!r} is not a duration: use e.g. 90s, 1h30m or 1d 4h")
    return total


def format_duration(seconds: float) -> str:
    """`104101.6` -> `1d 4h 55m 1.6s`; under a second, milliseconds (`12ms`)."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    whole = int(seconds)
    fraction = round(seconds - whole, 1)
    if fraction >= 1:
        whole, fraction = whole + 1, 0.0
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    if whole or fraction or not parts:
        parts.append(f"{whole + fraction:g}s" if fraction else f"{whole}s")
    return " ".join(parts)
