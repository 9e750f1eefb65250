"""Queries for distributor stock and its movements, narrowed to the distributors one may see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.inventory.models import DistributorStock, MovementKind, StockMovement
from backend.orders.repository import visible_distributors

NO_EXPIRY = "99999999"


def stock_scope(principal: Principal) -> ColumnElement[bool]:
    """Stock rows of visible distributors (a distributor user: its own only)."""
    return DistributorStock.distributor_id.in_(visible_distributors(principal).scalar_subquery())


@dataclass(frozen=True)
class StockFilter:
    """Which stock rows to list."""

    distributor_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    batch: str | None = None
    expiring_before: date | None = None
    include_empty: bool = False


def stock_query(principal: Principal, wanted: StockFilter) -> Select[Any]:
    """Visible stock rows matching the filter."""
    stmt = select(DistributorStock).where(stock_scope(principal))
    if wanted.distributor_id is not None:
        stmt = stmt.where(DistributorStock.distributor_id == wanted.distributor_id)
    if wanted.product_id is not None:
        stmt = stmt.where(DistributorStock.product_id == wanted.product_id)
    if wanted.batch is not None:
        stmt = stmt.where(DistributorStock.batch == wanted.batch)
    if wanted.expiring_before is not None:
        stmt = stmt.where(DistributorStock.expires_on < wanted.expiring_before)
    if not wanted.include_empty:
        stmt = stmt.where(DistributorStock.quantity > 0)
    return stmt


def expiry_key() -> ColumnElement[str]:
    """First-expiry-first sort key: expiry (none last), then the row id."""
    day = func.coalesce(func.to_char(DistributorStock.expires_on, "YYYYMMDD"), NO_EXPIRY)
    return day.concat(":").concat(cast(DistributorStock.id, Text))


def expiry_value(row: DistributorStock) -> str:
    """The Python value of `expiry_key` for a row."""
    day = row.expires_on.strftime("%Y%m%d") if row.expires_on else NO_EXPIRY
    return f"{day}:{row.id}"


@dataclass(frozen=True)
class MovementFilter:
    """Which movements to list."""

    distributor_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    batch: str | None = None
    kind: MovementKind | None = None
    since: date | None = None
    until: date | None = None


def movements_query(principal: Principal, wanted: MovementFilter) -> Select[Any]:
    """Visible movements matching the filter (dates are UTC days of the movement)."""
    rows = select(DistributorStock.id).where(stock_scope(principal))
    if wanted.distributor_id is not None:
        rows = rows.where(DistributorStock.distributor_id == wanted.distributor_id)
    if wanted.product_id is not None:
        rows = rows.where(DistributorStock.product_id == wanted.product_id)
    if wanted.batch is not None:
        rows = rows.where(DistributorStock.batch == wanted.batch)
    stmt = select(StockMovement).where(StockMovement.stock_id.in_(rows.scalar_subquery()))
    if wanted.kind is not None:
        stmt = stmt.where(StockMovement.kind == wanted.kind)
    if wanted.since is not None:
        stmt = stmt.where(StockMovement.at >= datetime.combine(wanted.since, time(), UTC))
    if wanted.until is not None:
        end = datetime.combine(wanted.until, time.max, UTC)
        stmt = stmt.where(StockMovement.at <= end)
    return stmt


def movement_key() -> ColumnElement[str]:
    """Chronological sort key of movements: UTC time to the microsecond, then the id."""
    stamp = func.to_char(func.timezone("UTC", StockMovement.at), "YYYYMMDDHH24MISSUS")
    return stamp.concat(":").concat(cast(StockMovement.id, Text))


def movement_value(row: StockMovement) -> str:
    """The Python value of `movement_key` for a row."""
    return f"{row.at.astimezone(UTC).strftime('%Y%m%d%H%M%S%f')}:{row.id}"


async def stock_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[DistributorStock]:
    """Visible stock rows with these ids."""
    stmt = select(DistributorStock).where(DistributorStock.id.in_(ids), stock_scope(principal))
    return (await session.execute(stmt)).scalars().all()


async def movements_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[StockMovement]:
    """Visible movements with these ids."""
    visible = select(DistributorStock.id).where(stock_scope(principal))
    stmt = select(StockMovement).where(
        StockMovement.id.in_(ids), StockMovement.stock_id.in_(visible.scalar_subquery())
    )
    return (await session.execute(stmt)).scalars().all()


async def movements_from(
    session: AsyncSession, principal: Principal, source_id: uuid.UUID
) -> Sequence[StockMovement]:
    """Visible movements made by one source (a transfer: its two sides), out before in."""
    visible = select(DistributorStock.id).where(stock_scope(principal))
    stmt = (
        select(StockMovement)
        .where(
            StockMovement.source_id == source_id,
            StockMovement.stock_id.in_(visible.scalar_subquery()),
        )
        .order_by(StockMovement.quantity, StockMovement.id)
    )
    return (await session.execute(stmt)).scalars().all()
