"""Distributor stock movements: adjustments with reasons, transfers that move both sides or neither."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inventory.models import MovementKind, StockMovement
from backend.inventory.service import (
    InsufficientStock,
    StockKey,
    adjust_stock,
    move_stock,
    stock_of,
    transfer_stock,
)
from backend.kit.errors import ValidationFailed
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import make_primary_world
from tests.factories.parties import make_distributor
from tests.factories.territories import make_territory


async def test_transfer_moves_both_sides_and_refuses_more_than_on_hand(
    session: AsyncSession,
) -> None:
    world = await make_primary_world(session)
    other = await make_distributor(
        session, world.tenant, await make_territory(session, world.tenant)
    )
    source = StockKey(world.distributor.id, world.products[0].id, "B1")
    target = StockKey(other.id, world.products[0].id, "B1")
    await move_stock(
        session,
        tenant_id=world.tenant.id,
        key=source,
        kind=MovementKind.RECEIPT,
        quantity=10,
        reason="delivery",
    )
    await transfer_stock(
        session,
        tenant_id=world.tenant.id,
        source=source,
        target=target,
        quantity=4,
        reason="rebalance",
    )
    assert (await stock_of(session, source), await stock_of(session, target)) == (6, 4)
    movements = await session.scalar(select(func.count()).select_from(StockMovement))
    with pytest.raises(InsufficientStock):
        async with session.begin_nested():
            await transfer_stock(
                session,
                tenant_id=world.tenant.id,
                source=source,
                target=target,
                quantity=7,
                reason="too much",
            )
    assert (await stock_of(session, source), await stock_of(session, target)) == (6, 4)
    assert await session.scalar(select(func.count()).select_from(StockMovement)) == movements
    await assert_ledger_invariants(session, world.tenant.id)


async def test_adjustment_needs_a_reason(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    key = StockKey(world.distributor.id, world.products[0].id, "B1")
    with pytest.raises(ValidationFailed):
        await adjust_stock(session, tenant_id=world.tenant.id, key=key, quantity=3, reason=" ")
    assert (
        await adjust_stock(
            session, tenant_id=world.tenant.id, key=key, quantity=3, reason="count found 3 more"
        )
        == 3
    )
