"""1,000 approvals at once against a credit limit worth exactly 100 orders: exactly 100 pass."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.auth.principal import Principal
from backend.kit.db import set_tenant
from backend.kit.errors import JalurError
from backend.kit.settings import Settings
from backend.orders.models import CreditAction, OrderStatus, PrimaryOrder
from backend.orders.workflow import approve_order
from tests.factories.orders import (
    ONE_UNIT_TOTAL,
    ORDER_DAY,
    make_one_unit_orders,
    make_primary_world,
)
from tests.support.committed import purge_tenant

ORDERS = 1000


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
            session, credit_limit=ONE_UNIT_TOTAL * 100, credit_action=CreditAction.REFUSE
        )
        ids = await make_one_unit_orders(
            session, world, ORDERS, status=OrderStatus.SUBMITTED, prefix="C"
        )
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
        assert approved == (100, ONE_UNIT_TOTAL * 100)
    finally:
        await engine.dispose()
        await purge_tenant(settings.test_database_owner_url, world.tenant.id)
