"""Offtake derived from stock counts: opening + purchases − closing, with implausible figures flagged."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.visit_models import CapturedOrderStatus
from backend.identity.models import Role
from backend.jobs.registry import HANDLERS
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.offtake.derive import (
    Count,
    Purchase,
    derive_intervals,
    derive_offtake,
    invoiced_purchases,
)
from backend.offtake.models import DerivedOfftake, OfftakeFlag
from tests.factories.catalog import make_product
from tests.factories.field import make_rep
from tests.factories.identity import make_user, token_for
from tests.factories.offtake import make_captured_order, make_count
from tests.factories.scenarios import make_tenant_world
from tests.factories.secondary import add_credit_note, add_invoice
from tests.support.graphql_client import GraphQLClient

R, P = uuid.uuid4(), uuid.uuid4()
PRICE = Decimal("1100.00")
WEEKS = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(7)]  # Mondays, 7 counts
SHELF = [20, 14, 10, 9, 9, 25, 40]


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# Purchases: one just after the first count (in interval 1), one exactly at the second count's
# check-in (in interval 2, not 1), one at the third (interval 3), a big one in interval 4, and
# one in interval 6.
PURCHASES = [
    (at(WEEKS[0], 9, 30), 24),
    (at(WEEKS[1]), 10),
    (at(WEEKS[2]), 20),
    (at(WEEKS[3], 10), 120),
    (at(WEEKS[5], 11), 5),
]
# interval: opening + purchased − closing
EXPECTED = [
    (20, 24, 14, 30, None, None),
    (14, 10, 10, 14, None, None),
    (10, 20, 9, 21, None, None),
    (9, 120, 9, 120, Decimal("3.000"), OfftakeFlag.ABOVE_USUAL),  # median(30/7, 2, 3) = 3/day
    (9, 0, 25, -16, Decimal("3.000"), OfftakeFlag.COUNT_UP_WITHOUT_PURCHASE),
    (25, 5, 40, -10, Decimal("3.000"), OfftakeFlag.NEGATIVE),
]


def test_derived_offtake_maths_and_flags_on_explicit_data() -> None:
    counts = [
        Count(R, P, uuid.UUID(int=n + 1), day, at(day), qty)
        for n, (day, qty) in enumerate(zip(WEEKS, SHELF, strict=True))
    ]
    purchases = [Purchase(R, P, moment, qty) for moment, qty in PURCHASES]
    # another SKU's purchase and a lone count change nothing for this pair
    other = uuid.uuid4()
    purchases.append(Purchase(R, other, at(WEEKS[0], 10), 999))
    counts.append(Count(R, other, uuid.UUID(int=99), WEEKS[3], at(WEEKS[3]), 5))
    derived = derive_intervals(list(reversed(counts)), purchases)
    got = [
        (d.opening_count, d.purchased, d.closing_count, d.quantity, d.usual_daily, d.flag)
        for d in sorted(derived, key=lambda d: d.period_end)
    ]
    assert got == EXPECTED
    assert [d.period_start for d in sorted(derived, key=lambda d: d.period_end)] == WEEKS[:-1]
    flagged = {d.flag: d.reason for d in derived if d.flag}
    assert flagged == {
        OfftakeFlag.ABOVE_USUAL: "120 units in 7 day(s) is over 5× the usual 3.000 a day",
        OfftakeFlag.COUNT_UP_WITHOUT_PURCHASE: (
            "the count went up from 9 to 25 with no purchase recorded in between"
        ),
        OfftakeFlag.NEGATIVE: "the closing count 40 exceeds the opening count 25 plus purchases 5",
    }


def test_small_numbers_are_not_flagged_above_usual_and_the_usual_needs_three_intervals() -> None:
    days = [date(2026, 9, 1) + timedelta(days=n) for n in range(6)]
    shelf = [10, 9, 9, 8, 8, 0]  # 1, 0, 1, 0 a day, then 8 in a day: over 5× but under 10 units
    counts = [
        Count(R, P, uuid.UUID(int=n + 1), d, at(d), q)
        for n, (d, q) in enumerate(zip(days, shelf, strict=True))
    ]
    derived = sorted(derive_intervals(counts, []), key=lambda d: d.period_end)
    assert [d.quantity for d in derived] == [1, 0, 1, 0, 8]
    assert [d.usual_daily for d in derived] == [
        None,
        None,
        None,
        Decimal("1.000"),
        Decimal("0.500"),
    ]
    assert all(d.plausible for d in derived)


async def test_derive_from_visits_and_secondary_invoices_over_graphql(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    rep = await make_rep(session, world.tenant, world.users[Role.REP])
    retailer, product = world.retailers[0], world.product
    lone = await make_product(session, world.tenant)
    visits = []
    for n, (day, qty) in enumerate(zip(WEEKS, SHELF, strict=True)):
        counts = {product: qty} if n != 3 else {product: qty, lone: 4}
        visits.append(await make_count(session, rep, retailer, at(day), counts))
    statuses = [
        CapturedOrderStatus.CAPTURED,
        CapturedOrderStatus.CONVERTED,
        CapturedOrderStatus.CAPTURED,
        CapturedOrderStatus.CONVERTED,
        CapturedOrderStatus.CAPTURED,
    ]
    visit_of = {0: 0, 1: 1, 2: 2, 3: 3, 4: 5}  # the visit each purchase was captured at
    for i, ((moment, qty), status) in enumerate(zip(PURCHASES, statuses, strict=True)):
        order = await make_captured_order(
            session, visits[visit_of[i]], retailer, moment, {product: qty}, status=status
        )
        # billed the day it was captured: bought when captured (after the invoice day began)
        await add_invoice(
            session, retailer, moment.date(), [(product, qty, PRICE)], captured_order_id=order.id
        )
    # neither a captured order never billed nor a cancelled one is a purchase
    await make_captured_order(session, visits[6], retailer, at(WEEKS[6], 10), {product: 7})
    await make_captured_order(
        session,
        visits[4],
        retailer,
        at(WEEKS[4], 10),
        {product: 50},
        status=CapturedOrderStatus.CANCELLED,
    )
    other_distributor = await make_user(
        session, world.tenant, role=Role.DISTRIBUTOR, distributor_id=world.distributors[1].id
    )
    await session.commit()
    manager, rep_token = world.tokens[Role.MANAGER], world.tokens[Role.REP]

    refused = await client.run(
        "DeriveOfftake", {"input": {"from": "2026-09-01", "to": "2026-10-31"}}, token=rep_token
    )
    assert refused["data"]["deriveOfftake"]["errors"][0]["code"] == "FORBIDDEN"
    # derive October only: the usual still comes from September's intervals
    october = await client.run(
        "DeriveOfftake", {"input": {"from": "2026-10-01", "to": "2026-10-31"}}, token=manager
    )
    assert october["data"]["deriveOfftake"] == {
        "intervals": 3,
        "flagged": 3,
        "retailers": 1,
        "errors": [],
    }
    for _ in range(2):  # deriving again replaces, never adds
        result = await client.run(
            "DeriveOfftake", {"input": {"from": "2026-09-01", "to": "2026-10-31"}}, token=manager
        )
        assert result["data"]["deriveOfftake"] == {
            "intervals": 6,
            "flagged": 3,
            "retailers": 1,
            "errors": [],
        }
    listed = await client.run(
        "DerivedOfftake", {"from": "2026-09-01", "to": "2026-10-31", "first": 4}, token=rep_token
    )
    page = listed["data"]["derivedOfftake"]
    assert page["totalCount"] == 6 and page["pageInfo"]["hasNextPage"] is True
    rest = await client.run(
        "DerivedOfftake",
        {
            "from": "2026-09-01",
            "to": "2026-10-31",
            "first": 4,
            "after": page["pageInfo"]["endCursor"],
        },
        token=rep_token,
    )
    nodes = [e["node"] for e in page["edges"] + rest["data"]["derivedOfftake"]["edges"]]
    got = [
        (
            n["openingCount"],
            n["purchased"],
            n["closingCount"],
            n["quantity"],
            Decimal(n["usualDaily"]) if n["usualDaily"] else None,
            OfftakeFlag(n["flag"]) if n["flag"] else None,
        )
        for n in nodes
    ]
    assert got == EXPECTED
    assert [n["plausible"] for n in nodes] == [True, True, True, False, False, False]
    assert nodes[0]["retailerCode"] == retailer.code and nodes[0]["sku"] == product.sku
    assert nodes[0]["closingVisitId"] == encode_global_id("Visit", visits[1].id)
    flagged = await client.run(
        "DerivedOfftake",
        {"from": "2026-09-01", "to": "2026-10-31", "first": 10, "flaggedOnly": True},
        token=manager,
    )
    assert [e["node"]["flag"] for e in flagged["data"]["derivedOfftake"]["edges"]] == [
        "ABOVE_USUAL",
        "COUNT_UP_WITHOUT_PURCHASE",
        "NEGATIVE",
    ]
    # the serving distributor sees it; the other distributor sees none of it
    for user_token, expected in (
        (world.tokens[Role.DISTRIBUTOR], 6),
        (token_for(other_distributor, settings), 0),
    ):
        seen = await client.run(
            "DerivedOfftake",
            {"from": "2026-09-01", "to": "2026-10-31", "first": 10},
            token=user_token,
        )
        assert seen["data"]["derivedOfftake"]["totalCount"] == expected
    stored = await session.execute(select(func.count()).select_from(DerivedOfftake))
    assert stored.scalar_one() == 6


async def test_the_nightly_job_derives_for_the_whole_tenant(
    session: AsyncSession, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    rep = await make_rep(session, world.tenant, world.users[Role.REP])
    for day, qty in ((WEEKS[0], 30), (WEEKS[1], 18)):
        for retailer in world.retailers[:3:2]:  # one outlet in each area
            await make_count(session, rep, retailer, at(day), {world.product: qty})
    result = await HANDLERS["offtake.derive"](
        session, world.tenant.id, {"from": "2026-09-01", "to": "2026-09-30"}
    )
    assert result == {"intervals": 2, "flagged": 0, "retailers": 2}
    total = await session.execute(select(func.sum(DerivedOfftake.quantity)))
    assert total.scalar_one() == 24
    # an empty window removes nothing outside it and derives nothing
    empty = await derive_offtake(
        session, tenant_id=world.tenant.id, start=date(2026, 8, 1), end=date(2026, 8, 31)
    )
    assert (empty.intervals, empty.flagged) == (0, 0)
    assert (await session.execute(select(func.count()).select_from(DerivedOfftake))).scalar() == 2


async def test_invoice_lines_are_bought_at_local_midnight_or_when_the_billed_order_was_captured(
    session: AsyncSession, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)  # Asia/Jakarta, UTC+7
    rep = await make_rep(session, world.tenant, world.users[Role.REP])
    retailer, other, product = world.retailers[0], world.retailers[1], world.product
    visit = await make_count(session, rep, retailer, at(WEEKS[1], 3), {product: 5})
    captured = await make_captured_order(session, visit, retailer, at(WEEKS[1], 3, 5), {})
    desk = await add_invoice(
        session, retailer, WEEKS[0], [(product, 12, PRICE)], free=[(product, 1)]
    )
    await add_invoice(
        session, retailer, WEEKS[1], [(product, 6, PRICE)], captured_order_id=captured.id
    )
    await add_credit_note(session, desk, retailer, WEEKS[1], [(product, 2, PRICE)])
    await add_invoice(session, other, WEEKS[0], [(product, 99, PRICE)])
    await add_invoice(session, retailer, WEEKS[3], [(product, 40, PRICE)])  # after the window

    found = await invoiced_purchases(
        session,
        retailer_ids=[retailer.id],
        start=at(WEEKS[0], 0) - timedelta(days=1),
        end=at(WEEKS[2]),
    )
    midnight = datetime(2026, 9, 6, 17, 0, tzinfo=UTC)  # 7 September 00:00 in Jakarta
    assert sorted((p.at, p.quantity) for p in found) == [
        (midnight, 1),  # free goods are on the shelf too
        (midnight, 12),
        (midnight + timedelta(weeks=1), -2),  # a return leaves at its credit note's midnight
        (at(WEEKS[1], 3, 5), 6),  # not before the order was captured
    ]
    assert {(p.retailer_id, p.product_id) for p in found} == {(retailer.id, product.id)}


async def test_a_return_inside_the_interval_lowers_purchases_and_the_derived_offtake(
    session: AsyncSession, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    rep = await make_rep(session, world.tenant, world.users[Role.REP])
    retailer, product = world.retailers[0], world.product
    # counts on three Mondays: 10, then 12, then 4; 30 units invoiced in each interval
    for day, qty in zip(WEEKS[:3], (10, 12, 4), strict=True):
        await make_count(session, rep, retailer, at(day), {product: qty})
    first = await add_invoice(
        session, retailer, WEEKS[0] + timedelta(days=1), [(product, 30, PRICE)]
    )
    await add_invoice(session, retailer, WEEKS[1] + timedelta(days=1), [(product, 30, PRICE)])
    # 8 units of the first invoice come back inside the second interval, none in the first
    await add_credit_note(
        session, first, retailer, WEEKS[1] + timedelta(days=3), [(product, 8, PRICE)]
    )

    summary = await derive_offtake(session, tenant_id=world.tenant.id, start=WEEKS[0], end=WEEKS[2])

    rows = (
        await session.execute(select(DerivedOfftake).order_by(DerivedOfftake.period_end))
    ).scalars()
    got = [(d.opening_count, d.purchased, d.returned, d.closing_count, d.quantity) for d in rows]
    assert got == [
        (10, 30, 0, 12, 28),
        (12, 30, 8, 4, 30),  # 38 without the return: the 8 units went back, not to consumers
    ]
    assert (summary.intervals, summary.flagged) == (2, 0)


def test_returns_count_against_the_shelf_in_the_flags() -> None:
    days = WEEKS[:2]
    counts = [
        Count(R, P, uuid.UUID(int=n + 1), d, at(d), q)
        for n, (d, q) in enumerate(zip(days, (5, 9), strict=True))
    ]
    # 10 bought, 4 returned: 5 + 10 − 4 − 9 = 2 sold, plausible
    purchases = [Purchase(R, P, at(days[0], 10), 10), Purchase(R, P, at(days[0], 12), -4)]
    (plain,) = derive_intervals(counts, purchases)
    assert (plain.purchased, plain.returned, plain.quantity, plain.flag) == (10, 4, 2, None)
    # with 8 returned, 5 + 10 − 8 = 7 cannot leave 9 on the shelf
    purchases[1] = Purchase(R, P, at(days[0], 12), -8)
    (flagged,) = derive_intervals(counts, purchases)
    assert (flagged.quantity, flagged.flag) == (-2, OfftakeFlag.NEGATIVE)
    assert flagged.reason == (
        "the closing count 9 exceeds the opening count 5 plus purchases 10 less returns 8"
    )
