"""Which beat a rep works on a date: a pure reading of the PJP's lines (no database)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from backend.field.models import VisitFrequency

# Fortnight parity counts whole weeks from this Monday, so it runs on across year ends
# (ISO week numbers do not: week 53 and week 1 are both odd).
PARITY_EPOCH = date(2001, 1, 1)


@dataclass(frozen=True)
class PjpLine:
    """One PJP line: a beat on a weekday at a frequency, valid from a date (until one, or open)."""

    beat_id: uuid.UUID
    weekday: int
    frequency: VisitFrequency
    valid_from: date
    valid_to: date | None = None
    week_parity: int | None = None
    week_of_month: int | None = None


@dataclass(frozen=True)
class RepPjp:
    """A rep's PJP, current and past lines together."""

    rep_id: uuid.UUID
    lines: tuple[PjpLine, ...]


def week_parity(on: date) -> int:
    """0 or 1: the parity of the week (Monday to Sunday) holding `on`, counted from the epoch."""
    return ((on - PARITY_EPOCH).days // 7) % 2


def week_of_month(on: date) -> int:
    """1 to 5: which occurrence of its weekday `on` is in its month (the 5th exists some months)."""
    return (on.day - 1) // 7 + 1


def line_applies(line: PjpLine, on: date) -> bool:
    """Whether a PJP line schedules its beat on `on`."""
    if on.weekday() != line.weekday or on < line.valid_from:
        return False
    if line.valid_to is not None and on > line.valid_to:
        return False
    if line.frequency is VisitFrequency.FORTNIGHTLY:
        return week_parity(on) == line.week_parity
    if line.frequency is VisitFrequency.MONTHLY:
        return week_of_month(on) == line.week_of_month
    return True


def beat_for(rep: RepPjp, on: date) -> tuple[uuid.UUID, ...]:
    """The beats `rep` works on `on`, in PJP order, each once."""
    seen: dict[uuid.UUID, None] = {}
    for line in rep.lines:
        if line_applies(line, on):
            seen.setdefault(line.beat_id, None)
    return tuple(seen)
