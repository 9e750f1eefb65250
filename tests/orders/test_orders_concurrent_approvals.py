"""1,000 approvals at once against a credit limit worth exactly 100 orders: exactly 100 pass."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.auth.principal import Principal
from backend.kit.db import new_id, set_tenant
from backend.kit.errors import JalurError
from backend.kit.settings import Settings
from backend.orders.models import CreditAction, OrderStatus, PrimaryOrder, PrimaryOrderLine
from backend.orders.workflow import approve_order
from tests.factories.orders import ORDER_DAY, PrimaryWorld, make_primary_world
from tests.support.committed import purge_tenant

ORDERS = 1000
ORDER_TOTAL = Decimal("1110.00")  # 1 unit at 1,000.00 + PPN 110.00


async def _submitted_orders(session: AsyncSession, world: PrimaryWorld) -> list[uuid.UUID]:
    ids = []
    for i in range(ORDERS):
        order = PrimaryOrder(
            id=new_id(),
            tenant_id=world.tenant.id,
            reference=f"C-{i:04d}",
            distributor_id=world.distributor.id,
            status=OrderStatus.SUBMITTED,
            currency="IDR",
            order_date=ORDER_DAY,
            total=ORDER_TOTAL,
            invoiced_total=Decimal("0.00"),
            created_by=world.admin.user_id,
        )
        session.add(order)
        session.add(
            PrimaryOrderLine(
                id=new_id(),
                tenant_id=world.tenant.id,
                order_id=order.id,
                line_no=1,
                product_id=world.products[0].id,
                quantity=1,
                unit_price=Decimal("1000.00"),
                gross=ORDER_TOTAL,
                invoiced_quantity=0,
                delivered_quantity=0,
            )
        )
        ids.append(order.id)
    await session.flush()
    return ids


async def _approve(
    maker: async_sessionmaker[AsyncSession], admin: Principal, order_id: uuid.UUID
) -> bool:
    async with maker() as session, session.begin():
        await set_tenant(session, admin.tenant_id)
        try:
            await approve_order(session, principal=admin, order_id=order_id, today=ORDER_DAY)
        except JalurError as refused:
            assert refused.code == "CREDIT_LIMIT_EXCEEDED"
            return False
    return True


async def test_exactly_the_limit_is_approved(committed_engine_url: str, settings: Settings) -> None:
    # given 1,000 submitted orders of 1,110.00 and a limit of exactly 100 of them
    engine = create_async_engine(
        committed_engine_url, pool_size=8, max_overflow=0, pool_timeout=300
    )
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        world = await make_primary_world(
            session, credit_limit=ORDER_TOTAL * 100, credit_action=CreditAction.REFUSE
        )
        ids = await _submitted_orders(session, world)
    try:
        # when all are approved at once on a pool of real connections
        results = await asyncio.gather(*(_approve(maker, world.admin, i) for i in ids))
        # then exactly 100 pass and the approved exposure equals the limit
        assert sum(results) == 100
        async with maker() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            approved = (
                await session.execute(
                    select(func.count(), func.sum(PrimaryOrder.total)).where(
                        PrimaryOrder.status == OrderStatus.APPROVED
                    )
                )
            ).one()
        assert approved == (100, ORDER_TOTAL * 100)
    finally:
        await engine.dispose()
        await purge_tenant(settings.test_database_owner_url, world.tenant.id)
