"""Lists of field records for connections: scoped statements and their unique text sort keys."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, or_, select

from backend.auth.principal import Principal
from backend.field.goal_models import Goal
from backend.field.models import Beat, BeatRetailer, PjpChange, PjpChangeStatus, PjpEntry, Rep
from backend.field.repository import beat_scope, goal_scope, rep_scope, visible_rep_ids, visit_scope
from backend.field.visit_models import Visit


def id_key(column: Any) -> ColumnElement[str]:
    """A sort key from a UUID column (its canonical text form)."""
    return cast(column, Text)


def time_id_key(at: Any, row_id: Any) -> ColumnElement[str]:
    """A chronological sort key: UTC timestamp to the microsecond, then the id."""
    stamp = func.to_char(func.timezone("UTC", at), "YYYYMMDDHH24MISSUS")
    return stamp.concat(":").concat(cast(row_id, Text))


def time_id_value(at: datetime, row_id: uuid.UUID) -> str:
    """The Python value of `time_id_key` for a row."""
    return f"{at.astimezone(UTC).strftime('%Y%m%d%H%M%S%f')}:{row_id}"


def position_key() -> ColumnElement[str]:
    """The sort key of a beat's outlets: the position, zero-padded."""
    return func.lpad(cast(BeatRetailer.position, Text), 6, "0")


def beat_outlets_query(principal: Principal, beat_id: uuid.UUID) -> Select[Any]:
    """The outlets of a visible beat."""
    visible = select(Beat.id).where(beat_scope(principal))
    return select(BeatRetailer).where(
        BeatRetailer.beat_id == beat_id, BeatRetailer.beat_id.in_(visible)
    )


def reps_query(principal: Principal) -> Select[Any]:
    """Visible reps."""
    return select(Rep).where(rep_scope(principal))


def beats_query(principal: Principal, rep_id: uuid.UUID | None) -> Select[Any]:
    """Visible beats, optionally of one rep."""
    stmt = select(Beat).where(beat_scope(principal))
    return stmt if rep_id is None else stmt.where(Beat.rep_id == rep_id)


def pjp_lines_query(principal: Principal, rep_id: uuid.UUID, on: date | None) -> Select[Any]:
    """A visible rep's PJP lines: all of them (history), or those valid on a date."""
    stmt = select(PjpEntry).where(
        PjpEntry.rep_id == rep_id, PjpEntry.rep_id.in_(visible_rep_ids(principal))
    )
    if on is not None:
        stmt = stmt.where(
            PjpEntry.valid_from <= on, or_(PjpEntry.valid_to.is_(None), PjpEntry.valid_to >= on)
        )
    return stmt


def pjp_changes_query(principal: Principal, status: PjpChangeStatus | None) -> Select[Any]:
    """Visible PJP changes, optionally in one status."""
    stmt = select(PjpChange).where(PjpChange.rep_id.in_(visible_rep_ids(principal)))
    return stmt if status is None else stmt.where(PjpChange.status == status)


def visits_query(
    principal: Principal, rep_id: uuid.UUID | None, since: date | None, until: date | None
) -> Select[Any]:
    """Visible visits, optionally of one rep and between dates (inclusive)."""
    stmt = select(Visit).where(visit_scope(principal))
    if rep_id is not None:
        stmt = stmt.where(Visit.rep_id == rep_id)
    if since is not None:
        stmt = stmt.where(Visit.visit_date >= since)
    if until is not None:
        stmt = stmt.where(Visit.visit_date <= until)
    return stmt


def goals_query(principal: Principal, active_on: date | None) -> Select[Any]:
    """Visible goals, optionally those whose period holds a date."""
    stmt = select(Goal).where(goal_scope(principal))
    if active_on is not None:
        stmt = stmt.where(Goal.period_start <= active_on, Goal.period_end >= active_on)
    return stmt
