"""Queries for primary orders, narrowed to the distributors the principal may see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.orders.models import (
    OrderStatus,
    OrderTransition,
    PrimaryOrder,
    PrimaryOrderLine,
    PrimaryOrderLineScheme,
)
from backend.parties.models import Distributor
from backend.parties.repository import distributor_scope


def visible_distributors(principal: Principal) -> Select[Any]:
    """Ids of the distributors the principal may see."""
    return select(Distributor.id).where(distributor_scope(principal))


def order_scope(principal: Principal) -> ColumnElement[bool]:
    """Orders of visible distributors."""
    return PrimaryOrder.distributor_id.in_(visible_distributors(principal).scalar_subquery())


async def orders_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[PrimaryOrder]:
    """Visible orders with these ids."""
    stmt = select(PrimaryOrder).where(PrimaryOrder.id.in_(ids), order_scope(principal))
    return (await session.execute(stmt)).scalars().all()


def orders_query(
    principal: Principal, *, distributor_id: uuid.UUID | None, status: OrderStatus | None
) -> Select[Any]:
    """Visible orders, optionally of one distributor or in one state."""
    stmt = select(PrimaryOrder).where(order_scope(principal))
    if distributor_id is not None:
        stmt = stmt.where(PrimaryOrder.distributor_id == distributor_id)
    if status is not None:
        stmt = stmt.where(PrimaryOrder.status == status)
    return stmt


async def lines_of(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PrimaryOrderLine]]:
    """Lines of these orders, by order, in line order."""
    stmt = (
        select(PrimaryOrderLine)
        .where(PrimaryOrderLine.order_id.in_(order_ids))
        .order_by(PrimaryOrderLine.order_id, PrimaryOrderLine.line_no)
    )
    grouped: dict[uuid.UUID, list[PrimaryOrderLine]] = {i: [] for i in order_ids}
    for line in (await session.execute(stmt)).scalars():
        grouped[line.order_id].append(line)
    return grouped


async def transitions_of(
    session: AsyncSession, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderTransition]]:
    """State history of these orders, oldest first."""
    stmt = (
        select(OrderTransition)
        .where(OrderTransition.order_id.in_(order_ids))
        .order_by(OrderTransition.order_id, OrderTransition.at, OrderTransition.id)
    )
    grouped: dict[uuid.UUID, list[OrderTransition]] = {i: [] for i in order_ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.order_id].append(row)
    return grouped


async def schemes_of_lines(
    session: AsyncSession, line_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PrimaryOrderLineScheme]]:
    """PRIMARY schemes applied to these order lines, by line, by code."""
    stmt = (
        select(PrimaryOrderLineScheme)
        .where(PrimaryOrderLineScheme.line_id.in_(line_ids))
        .order_by(PrimaryOrderLineScheme.line_id, PrimaryOrderLineScheme.scheme_code)
    )
    grouped: dict[uuid.UUID, list[PrimaryOrderLineScheme]] = {i: [] for i in line_ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.line_id].append(row)
    return grouped
