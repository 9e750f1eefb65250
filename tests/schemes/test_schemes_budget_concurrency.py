"""Under real concurrency: budgets are never passed, and accruals are claimed exactly once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.claims.models import Claim
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from backend.schemes.claims import (
    AppliedSchemeLine,
    NothingToClaim,
    generate_scheme_claims,
    record_scheme_accruals,
)
from backend.schemes.errors import SchemeBudgetExhausted
from backend.schemes.models import SchemeAccrual, TradeScheme
from backend.schemes.service import consume_scheme_budget
from tests.factories.schemes import SchemeWorld, make_scheme, make_scheme_world
from tests.support.committed import purge_tenant

BILLS = 60
BUDGET = Decimal("1000.00")
PER_BILL = Decimal("70.00")  # 14 bills fit: 980.00
OPEN_PER_BILL = Decimal("5.00")


async def _bill(maker: async_sessionmaker[AsyncSession], tenant_id: uuid.UUID) -> bool:
    """One bill's transaction: consume an uncapped scheme, then the capped one (code order)."""
    try:
        async with maker() as session, session.begin():
            await set_tenant(session, tenant_id)
            await consume_scheme_budget(
                session, amounts={"B-CAP": PER_BILL, "A-OPEN": OPEN_PER_BILL}
            )
        return True
    except SchemeBudgetExhausted as refused:
        assert refused.scheme_code == "B-CAP"
        return False


async def test_budget_never_exceeded_and_exactly_the_affordable_bills_pass(
    committed_engine_url: str, settings: Settings
) -> None:
    # given a capped and an uncapped scheme, committed
    engine = create_async_engine(
        committed_engine_url, pool_size=20, max_overflow=0, pool_timeout=300
    )
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        world = await make_scheme_world(session)
        await make_scheme(session, world.admin, "B-CAP", budget=BUDGET)
        await make_scheme(session, world.admin, "A-OPEN")
    try:
        # when 60 bills race on 20 connections
        results = await asyncio.gather(*(_bill(maker, world.tenant.id) for _ in range(BILLS)))
        async with maker() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            consumed = dict(
                (await session.execute(select(TradeScheme.code, TradeScheme.consumed))).all()
            )
        # then exactly the 14 affordable bills passed, and refused bills left nothing behind
        assert results.count(True) == 14
        assert consumed == {"B-CAP": Decimal("980.00"), "A-OPEN": Decimal("70.00")}
    finally:
        await engine.dispose()
        await purge_tenant(settings.test_database_owner_url, world.tenant.id)


async def _generate(
    maker: async_sessionmaker[AsyncSession], world: SchemeWorld
) -> uuid.UUID | None:
    try:
        async with maker() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            claim = await generate_scheme_claims(
                session,
                principal=world.admin,
                distributor_id=world.distributors[0].id,
                period_from=date(2026, 11, 1),
                period_to=date(2026, 11, 30),
                submitted_on=date(2026, 12, 1),
            )
            return claim.id
    except NothingToClaim:
        return None


async def test_racing_claim_generators_claim_each_accrual_once(
    committed_engine_url: str, settings: Settings
) -> None:
    # given 30 committed accruals of one distributor
    engine = create_async_engine(
        committed_engine_url, pool_size=8, max_overflow=0, pool_timeout=300
    )
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        world = await make_scheme_world(session)
        await make_scheme(session, world.admin, "SEC")
        lines = [
            AppliedSchemeLine(
                "SEC", uuid.uuid4(), world.distributors[0].id, date(2026, 11, 1 + i % 28), PER_BILL
            )
            for i in range(30)
        ]
        await record_scheme_accruals(session, lines=lines)
    try:
        # when 8 generators race for the same period
        made = await asyncio.gather(*(_generate(maker, world) for _ in range(8)))
        async with maker() as session, session.begin():
            await set_tenant(session, world.tenant.id)
            claims = (await session.execute(select(Claim.id, Claim.claimed_amount))).all()
            unclaimed = (
                await session.execute(
                    select(func.count())
                    .select_from(SchemeAccrual)
                    .where(SchemeAccrual.claim_id.is_(None))
                )
            ).scalar_one()
        # then exactly one claim holds all 30 accruals; the others found nothing left
        assert len([m for m in made if m is not None]) == 1
        assert [(c.claimed_amount) for c in claims] == [PER_BILL * 30]
        assert unclaimed == 0
    finally:
        await engine.dispose()
        await purge_tenant(settings.test_database_owner_url, world.tenant.id)
