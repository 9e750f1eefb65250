"""Rules the database enforces whatever the code does: balanced journals, append-only history,
never-negative stock, tenant isolation."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inventory.models import DistributorStock, MovementKind
from backend.inventory.service import InsufficientStock, StockKey, move_stock, stock_of
from backend.kit.db import set_tenant
from backend.ledger.models import AccountKind, Journal, JournalEntry
from backend.ledger.posting import account_id
from backend.orders.models import PrimaryOrder
from tests.factories.identity import make_tenant
from tests.factories.orders import make_order, make_primary_world


async def test_an_unbalanced_journal_cannot_commit(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    tenant = world.tenant.id
    cash = await account_id(
        session, tenant_id=tenant, kind=AccountKind.CASH, party_id=None, currency="IDR"
    )
    journal = uuid.uuid4()
    with pytest.raises(IntegrityError) as refused:
        async with session.begin_nested():
            await session.execute(
                insert(Journal).values(
                    id=journal,
                    tenant_id=tenant,
                    source_type="TEST",
                    source_id=uuid.uuid4(),
                    purpose="POST",
                    posted_on=date(2026, 11, 2),
                    memo="one-legged",
                )
            )
            await session.execute(
                insert(JournalEntry).values(
                    id=uuid.uuid4(),
                    tenant_id=tenant,
                    journal_id=journal,
                    account_id=cash,
                    amount=Decimal("10.00"),
                )
            )
            await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    assert "does not balance" in str(refused.value)


async def test_journal_entries_are_append_only_for_the_app(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    with pytest.raises(DBAPIError) as refused:
        async with session.begin_nested():
            await session.execute(update(JournalEntry).values(amount=Decimal("1.00")))
    assert "permission denied" in str(refused.value)
    with pytest.raises(DBAPIError):
        async with session.begin_nested():
            await session.execute(
                text("DELETE FROM journal WHERE tenant_id = :t"), {"t": world.tenant.id}
            )


async def test_stock_never_goes_negative_in_code_or_in_the_database(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    key = StockKey(world.distributor.id, world.products[0].id, "B1")
    await move_stock(
        session,
        tenant_id=world.tenant.id,
        key=key,
        kind=MovementKind.RECEIPT,
        quantity=5,
        reason="opening",
    )
    with pytest.raises(InsufficientStock):
        await move_stock(
            session,
            tenant_id=world.tenant.id,
            key=key,
            kind=MovementKind.SALE,
            quantity=-6,
            reason="sale",
        )
    assert await stock_of(session, key) == 5
    with pytest.raises(IntegrityError) as refused:
        async with session.begin_nested():
            await session.execute(update(DistributorStock).values(quantity=-1))
    assert "ck_distributor_stock_quantity_not_negative" in str(refused.value)


async def test_another_tenant_sees_no_orders(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    await make_order(session, world, quantity=1)
    other = await make_tenant(session)
    await set_tenant(session, other.id)
    assert await session.scalar(select(func.count()).select_from(PrimaryOrder)) == 0
