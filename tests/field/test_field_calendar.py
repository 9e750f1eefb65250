"""`beat_for` resolves the PJP on a date: weekly, fortnightly by parity, monthly by week of month."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from backend.field.calendar import PjpLine, RepPjp, beat_for, week_of_month, week_parity
from backend.field.models import VisitFrequency

WEEKLY = uuid.UUID(int=1)
EVEN = uuid.UUID(int=2)
ODD = uuid.UUID(int=3)
FIRST = uuid.UUID(int=4)
FIFTH = uuid.UUID(int=5)
START = date(2025, 1, 1)


def _rep(*lines: PjpLine) -> RepPjp:
    return RepPjp(rep_id=uuid.UUID(int=99), lines=lines)


def test_a_weekly_line_applies_on_its_weekday_only() -> None:
    rep = _rep(PjpLine(WEEKLY, 2, VisitFrequency.WEEKLY, START))

    assert beat_for(rep, date(2026, 11, 25)) == (WEEKLY,)  # a Wednesday
    assert beat_for(rep, date(2026, 11, 26)) == ()


def test_fortnightly_lines_alternate_and_keep_alternating_across_the_year_end() -> None:
    rep = _rep(
        PjpLine(EVEN, 0, VisitFrequency.FORTNIGHTLY, START, week_parity=0),
        PjpLine(ODD, 0, VisitFrequency.FORTNIGHTLY, START, week_parity=1),
    )
    mondays = [date(2026, 12, 14) + timedelta(weeks=k) for k in range(6)]

    beats = [beat_for(rep, monday) for monday in mondays]

    # ISO weeks 51, 52, 53, 1, 2, 3: the ISO number would repeat odd across 53 → 1.
    assert [monday.isocalendar().week for monday in mondays] == [51, 52, 53, 1, 2, 3]
    assert beats == [(EVEN,), (ODD,), (EVEN,), (ODD,), (EVEN,), (ODD,)]
    assert week_parity(date(2001, 1, 1)) == 0
    assert week_parity(date(2001, 1, 7)) == 0  # the Sunday of the same week
    assert week_parity(date(2001, 1, 8)) == 1


def test_a_monthly_line_applies_on_the_nth_weekday_of_the_month() -> None:
    rep = _rep(
        PjpLine(FIRST, 4, VisitFrequency.MONTHLY, START, week_of_month=1),
        PjpLine(FIFTH, 4, VisitFrequency.MONTHLY, START, week_of_month=5),
    )
    fridays_2026_05 = [date(2026, 5, d) for d in (1, 8, 15, 22, 29)]

    assert [beat_for(rep, d) for d in fridays_2026_05] == [(FIRST,), (), (), (), (FIFTH,)]
    # February 2026 has four Fridays: the 5th-week line does not apply that month.
    assert [beat_for(rep, date(2026, 2, d)) for d in (6, 27)] == [(FIRST,), ()]
    assert week_of_month(date(2026, 2, 7)) == 1
    assert week_of_month(date(2026, 2, 8)) == 2


def test_validity_ranges_keep_history_and_the_change_date_is_exact() -> None:
    old = PjpLine(EVEN, 1, VisitFrequency.WEEKLY, START, valid_to=date(2026, 11, 30))
    new = PjpLine(ODD, 1, VisitFrequency.WEEKLY, date(2026, 12, 1))
    rep = _rep(old, new)

    assert beat_for(rep, date(2026, 11, 24)) == (EVEN,)
    assert beat_for(rep, date(2026, 12, 1)) == (ODD,)
    assert beat_for(rep, date(2024, 12, 31)) == ()  # before the PJP started


def test_two_lines_for_the_same_beat_on_a_date_yield_it_once() -> None:
    rep = _rep(
        PjpLine(WEEKLY, 3, VisitFrequency.WEEKLY, START),
        PjpLine(WEEKLY, 3, VisitFrequency.MONTHLY, START, week_of_month=1),
        PjpLine(FIRST, 3, VisitFrequency.MONTHLY, START, week_of_month=1),
    )

    assert beat_for(rep, date(2026, 11, 5)) == (WEEKLY, FIRST)
