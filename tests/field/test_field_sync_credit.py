"""Ten reps sync orders for one credit-limited retailer at once: the limit is never exceeded.

Each captured order becomes a secondary order in its sync item's transaction; credit is decided
under the retailer's lock, so concurrent batches are decided one after another.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.auth.principal import Principal
from backend.field.sync import sync_field_activity
from backend.field.sync_models import SyncItem, SyncItemKind, SyncItemStatus
from backend.field.sync_payloads import OrderCapture, SyncEntry
from backend.field.visit_models import CapturedOrder, CapturedOrderStatus, Visit
from backend.field.visits import CheckIn
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from backend.orders.models import CreditAction
from backend.parties.models import Retailer
from backend.secondary.credit import retailer_credit_figures
from backend.secondary.models import OrderSource, SecondaryOrder, SecondaryOrderStatus
from tests.factories.secondary import give_credit, make_field_rep, make_secondary_world
from tests.support.committed import committing_sessionmaker, purge_tenant

REPS = 10
ORDERS_PER_REP = 3
ORDER_GROSS = Decimal("1221.00")  # 1 unit of SKU 1: 1,100.00 + 11% PPN
FITS = 7  # the limit fits exactly seven orders
LIMIT = ORDER_GROSS * FITS + Decimal("1000.00")  # the eighth would overshoot by 221.00
DAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    tenant_id: uuid.UUID
    retailer_id: uuid.UUID
    other_retailer_id: uuid.UUID
    product_id: uuid.UUID
    reps: list[Principal]


async def _build(sessionmaker: async_sessionmaker[AsyncSession], action: CreditAction) -> World:
    async with sessionmaker() as session, session.begin():
        world = await make_secondary_world(session, credit_action=action)
        retailer, other = world.retailers
        await give_credit(session, world, retailer, str(LIMIT))
        await give_credit(session, world, other, str(LIMIT))
        reps = [(await make_field_rep(session, world))[1] for _ in range(REPS)]
        return World(world.tenant.id, retailer.id, other.id, world.products[0].id, reps)


def _batch(world: World, rep: int, retailers: list[uuid.UUID] | None = None) -> list[SyncEntry]:
    """Each rep visits the retailer(s) in turn and takes an order of one unit each time."""
    route = retailers or [world.retailer_id]
    items = []
    for n in range(ORDERS_PER_REP):
        visit_id, at = uuid.uuid4(), DAY + timedelta(minutes=30 * n + rep)
        check_in = CheckIn(visit_id, route[n % len(route)], -6.2, 106.85, 8.0, at)
        order = OrderCapture(visit_id, {world.product_id: 1}, at + timedelta(minutes=5))
        items.append(SyncEntry(visit_id, 1 + 2 * n, SyncItemKind.VISIT_CHECK_IN, check_in))
        items.append(SyncEntry(uuid.uuid4(), 2 + 2 * n, SyncItemKind.CAPTURED_ORDER, order))
    return items


async def _sync_all(
    sessionmaker: async_sessionmaker[AsyncSession], world: World, batches: list[list[SyncEntry]]
) -> None:
    async def send(principal: Principal, batch: list[SyncEntry]) -> None:
        async with sessionmaker() as session, session.begin():
            await set_tenant(session, world.tenant_id)
            await sync_field_activity(
                session,
                principal=principal,
                device_code=f"phone-{principal.username}",
                entries=batch,
            )

    # Ten connections at once, one per rep; every send is awaited even after a failure.
    results = await asyncio.gather(
        *(send(p, b) for p, b in zip(world.reps, batches, strict=True)), return_exceptions=True
    )
    assert [r for r in results if r is not None] == []


async def _state(sessionmaker: async_sessionmaker[AsyncSession], world: World) -> dict[str, object]:
    async with sessionmaker() as session, session.begin():
        await set_tenant(session, world.tenant_id)
        outcomes = (
            await session.execute(
                select(SyncItem.client_id, SyncItem.status, SyncItem.code, SyncItem.message)
                .where(SyncItem.kind == SyncItemKind.CAPTURED_ORDER)
                .order_by(SyncItem.client_id)
            )
        ).all()
        orders = (
            await session.execute(
                select(SecondaryOrder.status, func.count(), func.sum(SecondaryOrder.total))
                .where(SecondaryOrder.source == OrderSource.VISIT)
                .group_by(SecondaryOrder.status)
            )
        ).all()
        captured = (
            await session.execute(
                select(CapturedOrder.status, func.count()).group_by(CapturedOrder.status)
            )
        ).all()
        retailer = await session.get_one(Retailer, world.retailer_id)
        figures = await retailer_credit_figures(
            session, retailer, this_order=Decimal("0.00"), today=date(2026, 11, 23)
        )
        assert figures is not None
        return {
            "outcomes": [tuple(o) for o in outcomes],
            "orders": {s: (n, total) for s, n, total in orders},
            "captured": dict(captured),
            "visits": await session.scalar(select(func.count()).select_from(Visit)),
            "exposure": figures.exposure,
        }


@pytest.mark.parametrize("action", [CreditAction.REFUSE, CreditAction.HOLD])
async def test_ten_reps_selling_to_one_credit_limited_retailer_never_exceed_the_limit(
    committing_engine: AsyncEngine, settings: Settings, action: CreditAction
) -> None:
    # given a retailer whose limit fits seven orders, and ten reps with three orders each
    sessionmaker = committing_sessionmaker(committing_engine)
    world = await _build(sessionmaker, action)
    try:
        batches = [_batch(world, rep) for rep in range(REPS)]

        # when the ten reps sync at the same moment
        await _sync_all(sessionmaker, world, batches)
        first = await _state(sessionmaker, world)

        # then the retailer's exposure stays within the limit: exactly seven orders are open
        assert first["exposure"] == ORDER_GROSS * FITS
        assert first["exposure"] <= LIMIT  # type: ignore[operator]
        assert first["visits"] == REPS * ORDERS_PER_REP
        outcomes = first["outcomes"]
        assert isinstance(outcomes, list)
        assert len(outcomes) == REPS * ORDERS_PER_REP
        over = REPS * ORDERS_PER_REP - FITS
        if action is CreditAction.REFUSE:
            # the rest are refused with a code, and nothing of them is stored
            assert first["orders"] == {SecondaryOrderStatus.OPEN: (FITS, ORDER_GROSS * FITS)}
            assert first["captured"] == {CapturedOrderStatus.CONVERTED: FITS}
            accepted = [o for o in outcomes if o[1] is SyncItemStatus.ACCEPTED]
            refused = [o for o in outcomes if o[1] is SyncItemStatus.REJECTED]
            assert len(accepted) == FITS
            assert {o[2] for o in accepted} == {None}
            assert len(refused) == over
            assert {o[2] for o in refused} == {"CREDIT_LIMIT_EXCEEDED"}
            assert all("exceed the credit limit" in o[3] for o in refused)
        else:
            # the rest are accepted and held, and the rep is told so
            assert first["orders"] == {
                SecondaryOrderStatus.OPEN: (FITS, ORDER_GROSS * FITS),
                SecondaryOrderStatus.HELD: (over, ORDER_GROSS * over),
            }
            assert first["captured"] == {CapturedOrderStatus.CONVERTED: REPS * ORDERS_PER_REP}
            assert {o[1] for o in outcomes} == {SyncItemStatus.ACCEPTED}
            held = [o for o in outcomes if o[3] is not None]
            assert len(held) == over
            assert all(o[3].startswith("secondary order held for credit") for o in held)

        # when every batch is sent again, shuffled, all at once
        rng = random.Random(13)
        for batch in batches:
            rng.shuffle(batch)
        await _sync_all(sessionmaker, world, batches)

        # then nothing changed
        assert await _state(sessionmaker, world) == first
    finally:
        await purge_tenant(settings.test_database_owner_url, world.tenant_id)


async def test_reps_ordering_from_shared_outlets_in_crossed_orders_do_not_deadlock(
    committing_engine: AsyncEngine, settings: Settings
) -> None:
    # given two credit-limited retailers; half the reps go A, B, A and the other half B, A, B
    sessionmaker = committing_sessionmaker(committing_engine)
    world = await _build(sessionmaker, CreditAction.REFUSE)
    try:
        a, b = world.retailer_id, world.other_retailer_id
        batches = [_batch(world, rep, [a, b] if rep % 2 else [b, a]) for rep in range(REPS)]
        # when they all sync at once, every batch commits (no deadlock: _sync_all asserts it)
        await _sync_all(sessionmaker, world, batches)
        # then each retailer has exactly the seven orders its limit fits
        async with sessionmaker() as session, session.begin():
            await set_tenant(session, world.tenant_id)
            per_retailer = (
                await session.execute(
                    select(SecondaryOrder.retailer_id, func.sum(SecondaryOrder.total))
                    .where(SecondaryOrder.status == SecondaryOrderStatus.OPEN)
                    .group_by(SecondaryOrder.retailer_id)
                )
            ).all()
        assert dict(per_retailer) == {a: ORDER_GROSS * FITS, b: ORDER_GROSS * FITS}
    finally:
        await purge_tenant(settings.test_database_owner_url, world.tenant_id)
