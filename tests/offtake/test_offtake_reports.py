"""Offtake reports: exact sums by SKU, retailer, territory, channel, distributor and period, scoped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.identity.models import Role
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.offtake.derive import derive_offtake
from backend.offtake.ingest import FeedHeader, FeedRow, ingest_feed
from backend.offtake.models import ImportSource
from backend.parties.models import Channel
from tests.factories.catalog import make_product
from tests.factories.field import make_rep
from tests.factories.identity import principal_of
from tests.factories.offtake import make_count
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import GraphQLClient


def at(day: str) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, 9, tzinfo=UTC)


async def build(session: AsyncSession, settings: Settings) -> tuple[TenantWorld, Any, Any]:
    """r1 and r3 are MT outlets with sell-out feeds; reps count r0, r1 and r2."""
    world = await make_tenant_world(session, settings)
    r0, r1, r2, r3 = world.retailers
    r1.channel = r3.channel = Channel.MT
    await session.flush()
    p, q = world.product, await make_product(session, world.tenant, sku="SKU-Q")
    rows = [
        (r1, p, "2026-10-05", 10, "1000"),
        (r1, p, "2026-10-12", 20, "2000"),
        (r1, q, "2026-10-06", 5, None),
        (r3, p, "2026-10-20", 7, "700"),
        (r3, q, "2026-11-02", 3, "300"),
    ]
    record, _ = await ingest_feed(
        session,
        principal=principal_of(world.users[Role.ADMIN]),
        header=FeedHeader(feed="MT", source=ImportSource.API),
        rows=[
            FeedRow(n + 1, r.code, prod.sku, day, qty, value)
            for n, (r, prod, day, qty, value) in enumerate(rows)
        ],
    )
    assert record.rows_accepted == 5
    rep = await make_rep(session, world.tenant, world.users[Role.REP])
    # r0 P: 50 → 40 (10 sold), then 40 → 45 with no purchase (flagged)
    for day, qty in (("2026-10-05", 50), ("2026-10-12", 40), ("2026-10-19", 45)):
        await make_count(session, rep, r0, at(day), {p: qty})
    # r1 P: 30 → 20 (10 sold) — r1 has a feed for P, so the feed wins when both sources count
    for day, qty in (("2026-10-05", 30), ("2026-10-12", 20)):
        await make_count(session, rep, r1, at(day), {p: qty})
    # r2 Q: 12 → 4 (8 sold)
    for day, qty in (("2026-10-06", 12), ("2026-10-20", 4)):
        await make_count(session, rep, r2, at(day), {q: qty})
    summary = await derive_offtake(
        session, tenant_id=world.tenant.id, start=date(2026, 10, 1), end=date(2026, 10, 31)
    )
    assert (summary.intervals, summary.flagged) == (4, 1)
    await session.commit()
    return world, p, q


async def report(
    client: GraphQLClient, token: str, first: int = 50, **variables: Any
) -> dict[str, Any]:
    body = await client.run(
        "OfftakeReport",
        {"from": "2026-10-01", "to": "2026-11-30", "first": first, **variables},
        token=token,
    )
    assert "errors" not in body, body
    return dict(body["data"]["offtakeReport"])


def rows(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            n["periodStart"],
            n["code"],
            n["quantity"],
            n["sellOutQuantity"],
            n["derivedQuantity"],
            n["flaggedDerived"],
            n["sellOutValue"]["amount"],
        )
        for n in (e["node"] for e in result["rows"]["edges"])
    ]


async def test_report_by_sku_and_month_sums_both_sources_without_double_counting(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world, p, q = await build(session, settings)
    admin = world.tokens[Role.ADMIN]
    result = await report(client, admin, dimension="SKU", period="MONTH")
    expected = sorted(
        [
            ("2026-10-01", p, 47, 37, 10, 1, "3700.00"),
            ("2026-10-01", q, 13, 5, 8, 0, "0.00"),
            ("2026-11-01", q, 3, 3, 0, 0, "300.00"),
        ],
        key=lambda r: (r[0], r[1].sku),
    )
    assert rows(result) == [(r[0], r[1].sku, *r[2:]) for r in expected]
    first = result["rows"]["edges"][0]["node"]
    assert first["key"] == encode_global_id("Product", expected[0][1].id)
    assert first["sellOutValue"]["currency"] == "IDR"
    assert result["totals"] == {
        "quantity": 63,
        "sellOutQuantity": 45,
        "derivedQuantity": 18,
        "flaggedDerived": 1,
        "sellOutValue": {"amount": "4000.00", "currency": "IDR"},
    }
    # derived only: the MT outlet's derived units count now (no feed to prefer)
    derived = await report(client, admin, dimension="SKU", period="WHOLE", sources=["DERIVED"])
    assert sorted((r[1], r[2], r[5]) for r in rows(derived)) == sorted(
        [(p.sku, 20, 1), (q.sku, 8, 0)]
    )
    # sell-out only, by week (weeks start on Monday)
    weekly = await report(
        client, admin, dimension="SKU", period="WEEK", sources=["SELL_OUT"], productId=None
    )
    assert sorted((r[0], r[1], r[2]) for r in rows(weekly)) == sorted(
        [
            ("2026-10-05", p.sku, 10),
            ("2026-10-05", q.sku, 5),
            ("2026-10-12", p.sku, 20),
            ("2026-10-19", p.sku, 7),
            ("2026-11-02", q.sku, 3),
        ]
    )


async def test_report_by_channel_distributor_retailer_and_territory(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world, p, q = await build(session, settings)
    admin = world.tokens[Role.ADMIN]
    r0, r1, r2, r3 = world.retailers
    channel = await report(client, admin, dimension="CHANNEL", period="WHOLE")
    assert rows(channel) == [
        ("2026-10-01", "GT", 18, 0, 18, 1, "0.00"),
        ("2026-10-01", "MT", 45, 45, 0, 0, "4000.00"),
    ]
    distributor = await report(client, admin, dimension="DISTRIBUTOR", period="WHOLE")
    got = {r[1]: r[2:] for r in rows(distributor)}
    assert got == {
        world.distributors[0].code: (45, 35, 10, 1, "3000.00"),
        world.distributors[1].code: (18, 10, 8, 0, "1000.00"),
    }
    by_retailer = await report(
        client, admin, dimension="RETAILER", period="MONTH", channel="MT", productId=None
    )
    got_r = {(r[0], r[1]): r[2] for r in rows(by_retailer)}
    assert got_r == {
        ("2026-10-01", r1.code): 35,
        ("2026-10-01", r3.code): 7,
        ("2026-11-01", r3.code): 3,
    }
    # the territory roll-up: area 0's two territories, each with its subtree
    area0 = encode_global_id("Territory", world.hierarchy.areas[0].id)
    rolled = await report(client, admin, dimension="TERRITORY", period="WHOLE", territoryId=area0)
    got_t = {r[1]: r[2:] for r in rows(rolled)}
    assert got_t == {
        world.hierarchy.territories[0].code: (10, 0, 10, 1, "0.00"),
        world.hierarchy.territories[1].code: (35, 35, 0, 0, "3000.00"),
    }
    region = encode_global_id("Territory", world.hierarchy.region.id)
    by_area = await report(client, admin, dimension="TERRITORY", period="WHOLE", territoryId=region)
    assert {r[1]: r[2] for r in rows(by_area)} == {
        world.hierarchy.areas[0].code: 45,
        world.hierarchy.areas[1].code: 18,
    }
    one = await report(
        client,
        admin,
        dimension="SKU",
        period="WHOLE",
        retailerId=encode_global_id("Retailer", r2.id),
        productId=encode_global_id("Product", q.id),
    )
    assert [r[2] for r in rows(one)] == [8]
    del r0, p


async def test_reports_are_scoped_to_the_principal_and_paged(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world, p, _ = await build(session, settings)
    stranger = await make_tenant_world(session, settings)
    await session.commit()
    foreign = await report(client, stranger.tokens[Role.ADMIN], dimension="SKU", period="WHOLE")
    assert foreign["rows"]["totalCount"] == 0 and foreign["totals"]["quantity"] == 0
    rep = await report(client, world.tokens[Role.REP], dimension="SKU", period="WHOLE")
    assert [r[1:] for r in rows(rep)] == [(p.sku, 10, 0, 10, 1, "0.00")]
    manager = await report(
        client, world.tokens[Role.MANAGER], dimension="TERRITORY", period="WHOLE"
    )
    assert {r[1]: r[2] for r in rows(manager)} == {
        world.hierarchy.territories[0].code: 10,
        world.hierarchy.territories[1].code: 35,
    }
    distributor = await report(
        client, world.tokens[Role.DISTRIBUTOR], dimension="CHANNEL", period="WHOLE"
    )
    assert [r[1:3] for r in rows(distributor)] == [("GT", 10), ("MT", 35)]
    assert distributor["totals"]["quantity"] == 45
    # keyset pages of one row: every row once, in order
    seen: list[tuple[Any, ...]] = []
    after = None
    for _ in range(4):
        page = await report(
            client, world.tokens[Role.ADMIN], first=1, after=after, dimension="SKU", period="MONTH"
        )
        assert page["rows"]["totalCount"] == 3
        seen += rows(page)
        after = page["rows"]["pageInfo"]["endCursor"]
        if not page["rows"]["pageInfo"]["hasNextPage"]:
            break
    full = await report(client, world.tokens[Role.ADMIN], dimension="SKU", period="MONTH")
    assert seen == rows(full) and len(seen) == 3
    # a reversed period is refused
    body = await client.run(
        "OfftakeReport",
        {"from": "2026-11-30", "to": "2026-10-01", "first": 5, "dimension": "SKU", "period": "DAY"},
        token=world.tokens[Role.ADMIN],
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert Decimal(full["totals"]["sellOutValue"]["amount"]) == Decimal("4000.00")
