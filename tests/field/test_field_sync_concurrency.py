"""50 reps × 40 offline items, each batch sent three times shuffled, some cut off midway, at once."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.auth.principal import Principal
from backend.field.sync import device_outcomes_query, sync_field_activity
from backend.field.sync_models import SyncItem, SyncItemKind, SyncItemStatus
from backend.field.sync_payloads import OrderCapture, Payload, StockCount, SyncEntry
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CollectionMethod,
    CollectionRecord,
    NoOrderReason,
    Visit,
    VisitOutcome,
    VisitStockLine,
)
from backend.field.visits import CheckIn, CheckOut, Collection
from backend.identity.models import Role
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from tests.factories.catalog import make_product
from tests.factories.field import make_rep
from tests.factories.identity import make_tenant, make_user, principal_of
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.territories import make_territory
from tests.support.committed import purge_tenant

REPS = 50
VISITS_PER_REP = 10  # 4 items a visit: 40 items a rep
CONNECTIONS = 8


@dataclass(frozen=True)
class World:
    tenant_id: uuid.UUID
    principals: list[Principal]
    retailer_ids: list[uuid.UUID]
    product_ids: list[uuid.UUID]


async def _build_world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    async with sessionmaker() as session, session.begin():
        tenant = await make_tenant(session)
        territory = await make_territory(session, tenant)
        distributor = await make_distributor(session, tenant, territory)
        retailers = [
            await make_retailer(session, tenant, territory, distributor)
            for _ in range(VISITS_PER_REP)
        ]
        products = [await make_product(session, tenant) for _ in range(2)]
        principals = []
        for _ in range(REPS):
            user = await make_user(session, tenant, role=Role.REP, territory_id=territory.id)
            await make_rep(session, tenant, user)
            principals.append(principal_of(user, territory_path=territory.path))
        return World(tenant.id, principals, [r.id for r in retailers], [p.id for p in products])


def _visit_items(world: World, visit: int, first_sequence: int, start: datetime) -> list[SyncEntry]:
    visit_id, products = uuid.uuid4(), world.product_ids
    retailer_id = world.retailer_ids[visit]
    productive = visit % 2 == 0
    check_in = CheckIn(visit_id, retailer_id, -6.2, 106.85, 8.0, start)
    middle: OrderCapture | Collection = (
        OrderCapture(visit_id, {products[0]: 12, products[1]: 3}, start + timedelta(minutes=5))
        if productive
        else Collection(
            uuid.uuid4(),
            retailer_id,
            visit_id,
            _amount(visit),
            "IDR",
            CollectionMethod.CASH,
            None,
            start + timedelta(minutes=5),
        )
    )
    check_out = CheckOut(
        visit_id,
        start + timedelta(minutes=10),
        VisitOutcome.PRODUCTIVE if productive else VisitOutcome.NO_ORDER,
        None if productive else NoOrderReason.STOCK_SUFFICIENT,
    )
    kinds_payloads: list[tuple[SyncItemKind, Payload]] = [
        (SyncItemKind.VISIT_CHECK_IN, check_in),
        (SyncItemKind.STOCK_COUNT, StockCount(visit_id, {products[0]: 4, products[1]: 0})),
        (SyncItemKind.CAPTURED_ORDER if productive else SyncItemKind.COLLECTION, middle),
        (SyncItemKind.VISIT_CHECK_OUT, check_out),
    ]
    return [
        SyncEntry(_client_id(payload), first_sequence + i, kind, payload)
        for i, (kind, payload) in enumerate(kinds_payloads)
    ]


def _client_id(payload: Payload) -> uuid.UUID:
    # A check-in's client id is its visit's id; a collection's is its record's id.
    if isinstance(payload, CheckIn):
        return payload.visit_id
    if isinstance(payload, Collection):
        return payload.collection_id
    return uuid.uuid4()


def _amount(visit: int) -> Decimal:
    return Decimal("25000.00") + visit


def _rep_items(world: World) -> list[SyncEntry]:
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    items: list[SyncEntry] = []
    for visit in range(VISITS_PER_REP):
        items += _visit_items(world, visit, 1 + 4 * visit, start + timedelta(minutes=20 * visit))
    return items


def _three_sends(items: list[SyncEntry], rng: random.Random, cut: bool) -> list[list[SyncEntry]]:
    sends = []
    for copy in range(3):
        shuffled = items[:]
        rng.shuffle(shuffled)
        if cut and copy == 0:
            shuffled = shuffled[: rng.randint(5, len(items) - 5)]
        sends.append(shuffled)
    return sends


async def _send(
    sessionmaker: async_sessionmaker[AsyncSession],
    gate: asyncio.Semaphore,
    world: World,
    principal: Principal,
    batch: list[SyncEntry],
) -> None:
    async with gate, sessionmaker() as session, session.begin():
        await set_tenant(session, world.tenant_id)
        await sync_field_activity(
            session, principal=principal, device_code=f"phone-{principal.username}", entries=batch
        )


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
    return int((await session.execute(stmt)).scalar_one())


async def test_every_item_is_applied_exactly_once_whatever_the_resends(
    committing_engine: AsyncEngine, settings: Settings
) -> None:
    sessionmaker = async_sessionmaker(committing_engine, expire_on_commit=False)
    world = await _build_world(sessionmaker)
    try:
        rng = random.Random(5)
        gate = asyncio.Semaphore(CONNECTIONS)
        sends = []
        for index, principal in enumerate(world.principals):
            for batch in _three_sends(_rep_items(world), rng, cut=index % 2 == 0):
                sends.append(_send(sessionmaker, gate, world, principal, batch))
        rng.shuffle(sends)

        # Wait for every send (even after a failure) so the cleanup runs after the last commit.
        results = await asyncio.gather(*sends, return_exceptions=True)

        assert [r for r in results if r is not None] == []

        async with sessionmaker() as session, session.begin():
            await set_tenant(session, world.tenant_id)
            accepted = SyncItem.status == SyncItemStatus.ACCEPTED
            assert await _count(session, SyncItem) == 2000
            assert await _count(session, SyncItem, accepted) == 2000
            assert await _count(session, Visit) == 500
            assert await _count(session, Visit, Visit.outcome == VisitOutcome.PRODUCTIVE) == 250
            assert await _count(session, CapturedOrder) == 250
            assert await _count(session, CapturedOrderLine) == 500
            assert await _count(session, VisitStockLine) == 1000
            assert await _count(session, CollectionRecord) == 250
            total = select(func.sum(CollectionRecord.amount))
            assert str((await session.execute(total)).scalar_one()) == "6251250.00"
            for principal in world.principals[:5]:
                query = await device_outcomes_query(
                    session,
                    principal=principal,
                    device_code=f"phone-{principal.username}",
                    since_sequence=0,
                )
                outcomes = (await session.execute(query)).scalars().all()
                assert sorted(o.sequence for o in outcomes) == list(range(1, 41))
                assert {o.status for o in outcomes} == {SyncItemStatus.ACCEPTED}
    finally:
        await purge_tenant(settings.test_database_owner_url, world.tenant_id)
