"""Field KPIs from visits and secondary invoices: exact values for a known week."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.calendar import week_parity
from backend.field.models import VisitFrequency
from backend.identity.models import Role
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.parties.models import OutletClass
from tests.factories.catalog import make_product
from tests.factories.field import make_beat, make_pjp_entry, make_rep
from tests.factories.identity import make_user, token_for
from tests.factories.orders import make_price
from tests.factories.parties import make_retailer
from tests.factories.planning import add_order, add_visit
from tests.factories.scenarios import make_tenant_world
from tests.factories.secondary import add_credit_note, add_invoice
from tests.support.graphql_client import GraphQLClient

MONDAY = date(2026, 11, 30)


async def test_a_weeks_field_kpis_are_exact(
    session: AsyncSession, settings: Settings, client: GraphQLClient
) -> None:
    world = await make_tenant_world(session, settings)
    rep = await make_rep(session, world.tenant, world.users[Role.REP])
    territory = world.hierarchy.territories[0]
    outlets = [
        await make_retailer(
            session, world.tenant, territory, world.distributors[0], outlet_class=OutletClass.A
        )
        for _ in range(5)
    ]
    weekly = await make_beat(session, world.tenant, rep, outlets[:3])
    fortnightly = await make_beat(session, world.tenant, rep, outlets[3:])
    await make_pjp_entry(session, world.tenant, rep, weekly, weekday=0)
    tuesday = MONDAY + timedelta(days=1)
    await make_pjp_entry(
        session,
        world.tenant,
        rep,
        fortnightly,
        weekday=1,
        frequency=VisitFrequency.FORTNIGHTLY,
        week_parity=week_parity(tuesday),
    )
    p0, p1 = world.product, await make_product(session, world.tenant)
    for product in (p0, p1):
        await make_price(session, world.tenant, product, price=Decimal("1000.00"))  # retail 1,100
    # Monday: outlet 0 orders two lines, outlet 1 buys nothing, outlet 2 is missed.
    await add_order(session, world, rep, outlets[0], MONDAY, [(p0, 10), (p1, 5)])
    await add_visit(session, world, rep, outlets[1], MONDAY, productive=False)
    # Tuesday (the fortnightly beat's week): outlet 3 orders, outlet 4 is missed.
    await add_order(session, world, rep, outlets[3], tuesday, [(p0, 4)])
    # Wednesday: outlet 2, off its day, orders; the week after is outside the period.
    await add_order(session, world, rep, outlets[2], MONDAY + timedelta(days=2), [(p1, 2)])
    await add_order(session, world, rep, outlets[4], MONDAY + timedelta(days=7), [(p1, 9)])

    variables = {"from": MONDAY.isoformat(), "to": (MONDAY + timedelta(days=6)).isoformat()}
    body = await client.run(
        "FieldKpis",
        {**variables, "repId": encode_global_id("Rep", rep.id)},
        token=world.tokens[Role.MANAGER],
    )
    assert "errors" not in body, body
    report = body["data"]["fieldKpis"]
    expected = {
        "portfolioOutlets": 5,
        "visitedOutlets": 4,
        "coverage": "0.8000",
        "plannedCalls": 5,
        "plannedCallsMade": 3,
        "beatAdherence": "0.6000",
        "calls": 4,
        "productiveCalls": 3,
        "productiveRatio": "0.7500",
        "linesSold": 4,
        "lpc": "1.33",
        "workingDays": 3,
        "tlsd": "1.33",
        "salesValue": {"amount": "23100.00", "currency": "IDR"},
        "dropSize": {"amount": "7700.00", "currency": "IDR"},
        "billedOutlets": 3,
        "eco": "0.6000",
    }
    assert report["total"] == expected
    assert report["byRep"] == [{"rep": {"id": encode_global_id("Rep", rep.id)}, **expected}]

    by_territory = await client.run(
        "FieldKpis",
        {**variables, "territoryId": encode_global_id("Territory", world.hierarchy.areas[0].id)},
        token=world.tokens[Role.ADMIN],
    )
    assert by_territory["data"]["fieldKpis"]["total"] == expected

    outsider = await make_user(
        session, world.tenant, role=Role.MANAGER, territory_id=world.hierarchy.areas[1].id
    )
    nothing = await client.run("FieldKpis", variables, token=token_for(outsider, settings))
    empty = nothing["data"]["fieldKpis"]
    assert empty["byRep"] == []
    assert (empty["total"]["calls"], empty["total"]["coverage"], empty["total"]["dropSize"]) == (
        0,
        None,
        None,
    )


async def test_a_period_ending_before_it_starts_is_refused(
    session: AsyncSession, settings: Settings, client: GraphQLClient
) -> None:
    world = await make_tenant_world(session, settings)
    body = await client.run(
        "FieldKpis", {"from": "2026-11-30", "to": "2026-11-29"}, token=world.tokens[Role.ADMIN]
    )
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "to"}


async def test_sales_kpis_count_billed_invoice_lines_net_of_returns(
    session: AsyncSession, settings: Settings, client: GraphQLClient
) -> None:
    world = await make_tenant_world(session, settings)
    rep = await make_rep(session, world.tenant, world.users[Role.REP])
    territory = world.hierarchy.territories[0]
    outlets = [
        await make_retailer(session, world.tenant, territory, world.distributors[0])
        for _ in range(3)
    ]
    beat = await make_beat(session, world.tenant, rep, outlets)
    await make_pjp_entry(session, world.tenant, rep, beat, weekday=0)
    p0, p1 = world.product, await make_product(session, world.tenant)
    price = Decimal("1100.00")
    # outlet 0: an order billed with a free unit, two units returned on Wednesday
    order = await add_order(
        session, world, rep, outlets[0], MONDAY, [(p0, 10), (p1, 5)], billed=False
    )
    invoice = await add_invoice(
        session,
        outlets[0],
        MONDAY,
        [(p0, 10, price), (p1, 5, price)],
        captured_order_id=order.id,
        free=[(p0, 1)],
    )
    await add_credit_note(
        session, invoice, outlets[0], MONDAY + timedelta(days=2), [(p0, 2, price)]
    )
    # outlet 1: a productive call whose order is not billed yet: no lines sold, not billed
    await add_order(session, world, rep, outlets[1], MONDAY, [(p0, 3)], billed=False)
    # outlet 2: not visited, billed at the desk: billed (ECO), but not the rep's sale
    await add_invoice(session, outlets[2], MONDAY + timedelta(days=1), [(p1, 7, price)])

    variables = {"from": MONDAY.isoformat(), "to": (MONDAY + timedelta(days=6)).isoformat()}
    body = await client.run(
        "FieldKpis",
        {**variables, "repId": encode_global_id("Rep", rep.id)},
        token=world.tokens[Role.MANAGER],
    )
    assert "errors" not in body, body
    total = body["data"]["fieldKpis"]["total"]
    sales = {
        k: total[k]
        for k in (
            "productiveCalls",
            "linesSold",
            "lpc",
            "tlsd",
            "salesValue",
            "dropSize",
            "billedOutlets",
            "eco",
        )
    }
    assert sales == {
        "productiveCalls": 2,
        "linesSold": 2,
        "lpc": "1.00",
        "tlsd": "2.00",
        "salesValue": {"amount": "14300.00", "currency": "IDR"},  # 15 × 1,100 − 2 × 1,100
        "dropSize": {"amount": "7150.00", "currency": "IDR"},
        "billedOutlets": 2,
        "eco": "0.6667",
    }
