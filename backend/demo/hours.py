"""Opening hours by channel, including the Friday (Jumat) prayer break many shops observe."""

from __future__ import annotations

import numpy as np

from backend.demo.records import Channel, OpeningHours

Window = tuple[str, str]
JUMAT_BREAK: Window = ("11:30", "13:00")
FRIDAY = 4
SATURDAY = 5
SUNDAY = 6


def opening_hours(rng: np.random.Generator, channel: Channel) -> OpeningHours:
    """Draw a realistic weekly timetable for an outlet of the given channel."""
    if channel == "MT":
        return _every_day(("08:00", "22:00"))
    if channel == "WHOLESALE":
        return _wholesale(friday_break=bool(rng.random() < 0.7))
    if channel == "HORECA":
        return _every_day(_pick_window(rng, (("09:00", "21:00"), ("10:00", "22:00"),
                                             ("06:00", "21:00"), ("10:00", "23:00"))))  # fmt: skip
    return _general_trade(rng)


def _general_trade(rng: np.random.Generator) -> OpeningHours:
    """Warung and toko: long days, some shut on Sunday, many pause for Friday prayer."""
    day = _pick_window(rng, (("06:00", "22:00"), ("07:00", "21:00"), ("06:30", "21:30"),
                             ("08:00", "22:00"), ("07:00", "20:00")))  # fmt: skip
    hours = _every_day(day)
    if rng.random() < 0.12:
        hours[SUNDAY] = ()
    elif rng.random() < 0.3:
        hours[SUNDAY] = (("08:00", "18:00"),)
    if rng.random() < 0.4:
        hours[FRIDAY] = _split(day, JUMAT_BREAK)
    return hours


def _wholesale(*, friday_break: bool) -> OpeningHours:
    """Wholesalers trade office-like hours, close early on Saturday and all Sunday."""
    weekday: Window = ("07:00", "17:00")
    hours = _every_day(weekday)
    hours[SATURDAY] = (("07:00", "15:00"),)
    hours[SUNDAY] = ()
    if friday_break:
        hours[FRIDAY] = _split(weekday, JUMAT_BREAK)
    return hours


def _every_day(window: Window) -> OpeningHours:
    return {day: (window,) for day in range(7)}


def _split(window: Window, pause: Window) -> tuple[Window, ...]:
    """Cut a pause out of a day window (the pause lies strictly inside it)."""
    return ((window[0], pause[0]), (pause[1], window[1]))


def _pick_window(rng: np.random.Generator, options: tuple[Window, ...]) -> Window:
    return options[int(rng.integers(len(options)))]


def is_well_formed(hours: OpeningHours) -> bool:
    """Tell whether hours cover weekdays 0-6 with ordered, non-overlapping HH:MM windows."""
    if sorted(hours) != list(range(7)):
        return False
    for windows in hours.values():
        previous_end = -1
        for start, end in windows:
            s, e = _minutes(start), _minutes(end)
            if s is None or e is None or not previous_end < s < e:
                return False
            previous_end = e
    return True


def _minutes(text: str) -> int | None:
    """Parse 'HH:MM' (00:00-23:59) into minutes after midnight; None when malformed."""
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        return None
    hour, minute = int(text[:2]), int(text[3:])
    return hour * 60 + minute if hour < 24 and minute < 60 else None
