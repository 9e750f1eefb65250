"""Queries for reps, beats, PJP, visits and goals, always narrowed to what the principal may see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field.goal_models import Goal
from backend.field.models import Beat, BeatRetailer, FieldSetting, PjpChange, PjpEntry, Rep
from backend.field.visit_models import Visit
from backend.identity.models import Role


def rep_scope(principal: Principal) -> ColumnElement[bool]:
    """Reps the principal may see: ADMIN all, MANAGER its subtree's, REP itself only."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role is Role.MANAGER:
        return principal.territory_condition(Rep.territory_id)
    if principal.role is Role.REP:
        return Rep.user_id == principal.user_id
    return false()


def visible_rep_ids(principal: Principal) -> Select[Any]:
    """A subquery of the ids of the reps the principal may see."""
    return select(Rep.id).where(rep_scope(principal))


def beat_scope(principal: Principal) -> ColumnElement[bool]:
    """Beats of visible reps."""
    return true() if principal.role is Role.ADMIN else Beat.rep_id.in_(visible_rep_ids(principal))


def visit_scope(principal: Principal) -> ColumnElement[bool]:
    """Visits of visible reps."""
    return true() if principal.role is Role.ADMIN else Visit.rep_id.in_(visible_rep_ids(principal))


def goal_scope(principal: Principal) -> ColumnElement[bool]:
    """Goals of visible reps, of territories in the subtree, of distributors in it (ADMIN all)."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role is Role.REP:
        return Goal.rep_id.in_(visible_rep_ids(principal))
    if principal.role is Role.MANAGER:
        from backend.parties.models import Distributor

        in_subtree = select(Distributor.id).where(
            principal.territory_condition(Distributor.territory_id)
        )
        return or_(
            Goal.rep_id.in_(visible_rep_ids(principal)),
            principal.territory_condition(Goal.territory_id),
            Goal.distributor_id.in_(in_subtree),
        )
    return false()


async def reps_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Rep]:
    """Visible reps with these ids."""
    stmt = select(Rep).where(Rep.id.in_(ids), rep_scope(principal))
    return (await session.execute(stmt)).scalars().all()


async def beats_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Beat]:
    """Visible beats with these ids."""
    stmt = select(Beat).where(Beat.id.in_(ids), beat_scope(principal))
    return (await session.execute(stmt)).scalars().all()


async def visits_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Visit]:
    """Visible visits with these ids."""
    stmt = select(Visit).where(Visit.id.in_(ids), visit_scope(principal))
    return (await session.execute(stmt)).scalars().all()


async def pjp_changes_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[PjpChange]:
    """Visible PJP changes with these ids."""
    stmt = select(PjpChange).where(
        PjpChange.id.in_(ids), PjpChange.rep_id.in_(visible_rep_ids(principal))
    )
    return (await session.execute(stmt)).scalars().all()


async def goals_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Goal]:
    """Visible goals with these ids."""
    stmt = select(Goal).where(Goal.id.in_(ids), goal_scope(principal))
    return (await session.execute(stmt)).scalars().all()


async def rep_of_user(session: AsyncSession, user_id: uuid.UUID) -> Rep | None:
    """The rep profile of a user, if any."""
    return (await session.execute(select(Rep).where(Rep.user_id == user_id))).scalar_one_or_none()


async def field_setting(session: AsyncSession) -> FieldSetting | None:
    """The scoped tenant's field settings row, if one was saved."""
    return (await session.execute(select(FieldSetting))).scalar_one_or_none()


async def pjp_entries_of(session: AsyncSession, rep_ids: Sequence[uuid.UUID]) -> list[PjpEntry]:
    """Every PJP line (current and past) of these reps, in a stable order."""
    stmt = (
        select(PjpEntry)
        .where(PjpEntry.rep_id.in_(rep_ids))
        .order_by(PjpEntry.rep_id, PjpEntry.weekday, PjpEntry.valid_from, PjpEntry.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def open_pjp_entries(session: AsyncSession, rep_id: uuid.UUID, on: date) -> list[PjpEntry]:
    """The rep's PJP lines still open on `on`, locked for the change that closes them."""
    stmt = (
        select(PjpEntry)
        .where(
            PjpEntry.rep_id == rep_id,
            or_(PjpEntry.valid_to.is_(None), PjpEntry.valid_to >= on),
        )
        .order_by(PjpEntry.id)
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars().all())


async def beat_retailer_ids(session: AsyncSession, beat_ids: Sequence[uuid.UUID]) -> list[Any]:
    """(beat id, retailer id, position) of these beats, in beat order."""
    stmt = (
        select(BeatRetailer.beat_id, BeatRetailer.retailer_id, BeatRetailer.position)
        .where(BeatRetailer.beat_id.in_(beat_ids))
        .order_by(BeatRetailer.beat_id, BeatRetailer.position)
    )
    return list((await session.execute(stmt)).all())
