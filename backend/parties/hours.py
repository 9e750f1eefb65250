"""Opening hours: per weekday (0 = Monday), a sorted list of non-overlapping windows."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from backend.kit.validation import Checks, parse_hhmm

MAX_WINDOWS_PER_DAY = 4
OpeningHours = dict[int, list[tuple[str, str]]]


def validate_opening_hours(
    days: Sequence[tuple[int, Sequence[tuple[str, str]]]], checks: Checks, *, field: str
) -> OpeningHours:
    """Check weekdays and windows ("HH:MM", opens < closes, no overlap); return them normalised."""
    hours: OpeningHours = {day: [] for day in range(7)}
    seen: set[int] = set()
    for index, (weekday, windows) in enumerate(days):
        where = f"{field}[{index}]"
        if weekday in seen:
            checks.fail(f"{where}.weekday", "weekday listed twice")
            continue
        seen.add(weekday)
        if len(windows) > MAX_WINDOWS_PER_DAY:
            checks.fail(f"{where}.windows", f"at most {MAX_WINDOWS_PER_DAY} windows a day")
            continue
        hours[weekday] = _valid_windows(windows, checks, field=f"{where}.windows")
    return hours


def _valid_windows(
    windows: Sequence[tuple[str, str]], checks: Checks, *, field: str
) -> list[tuple[str, str]]:
    parsed: list[tuple[int, int, str, str]] = []
    for index, (opens, closes) in enumerate(windows):
        try:
            start, end = parse_hhmm(opens), parse_hhmm(closes)
        except ValueError:
            checks.fail(f"{field}[{index}]", "times must be HH:MM between 00:00 and 24:00")
            continue
        if start >= end:
            checks.fail(f"{field}[{index}]", "a window must open before it closes")
            continue
        parsed.append((start, end, opens, closes))
    parsed.sort()
    for previous, current in itertools.pairwise(parsed):
        if current[0] < previous[1]:
            checks.fail(
                field, f"windows {previous[2]}-{previous[3]} and {current[2]}-{current[3]} overlap"
            )
    return [(opens, closes) for _, _, opens, closes in parsed]


def to_json(hours: OpeningHours) -> dict[str, list[list[str]]]:
    """The JSONB shape stored on the retailer row."""
    return {str(day): [list(w) for w in hours.get(day, [])] for day in range(7)}


def from_json(stored: Mapping[str, Sequence[Sequence[str]]]) -> OpeningHours:
    """Read the stored JSONB shape back."""
    return {int(day): [(w[0], w[1]) for w in windows] for day, windows in stored.items()}
