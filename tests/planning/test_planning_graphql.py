"""Day plans in the graph: the rep's and the manager's read, scope, and constant SQL statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.field.pjp import tenant_today
from backend.identity.models import Role
from backend.jobs.models import Job
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from backend.planning.build import PlanRequest
from backend.planning.jobs import plan_with_cache
from backend.secondary.models import SecondaryDocument
from tests.factories.identity import make_user, token_for
from tests.factories.planning import PLAN_DATE, PlanWorld, add_order, make_plan_world
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.graphql_client import GraphQLClient


@contextmanager
def count_statements(connection: AsyncConnection) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)


async def _planned(
    session: AsyncSession, settings: Settings, outlets: int
) -> tuple[TenantWorld, PlanWorld]:
    world = await make_tenant_world(session, settings)
    built = await make_plan_world(session, world, outlets=outlets, class_a=2, split_monday=1)
    for outlet in built.outlets:
        for week in (1, 2):
            await add_order(
                session,
                world,
                built.rep,
                outlet,
                PLAN_DATE - timedelta(days=7 * week),
                [(built.products[0], 6)],
            )
    optimizer = settings.optimizer.model_copy(update={"time_limit_s": 0.5})
    await plan_with_cache(
        session, PlanRequest(built.rep.id, PLAN_DATE), redis=None, optimizer=optimizer
    )
    return world, built


async def test_the_rep_reads_its_plan_with_outlets_reasons_suggestions_invoices_and_balance(
    session: AsyncSession, settings: Settings, client: GraphQLClient
) -> None:
    world, built = await _planned(session, settings, outlets=6)
    # The older invoices fell due on 1 December; 1,000 of one of them was paid.
    await session.execute(
        update(SecondaryDocument)
        .where(SecondaryDocument.issued_on == date(2026, 11, 23))
        .values(due_on=date(2026, 12, 1), open_amount=Decimal("6326.00"))
    )
    body = await client.run(
        "MyDayPlan", {"date": PLAN_DATE.isoformat()}, token=world.tokens[Role.REP]
    )
    assert "errors" not in body, body
    plan = body["data"]["myDayPlan"]
    assert (plan["date"], plan["version"], plan["trigger"]) == ("2026-12-07", 1, "NIGHTLY")
    assert plan["rep"]["id"] == encode_global_id("Rep", built.rep.id)
    stops = plan["stops"]
    assert [s["position"] for s in stops] == [1, 2, 3, 4, 5]
    first = stops[0]
    assert first["retailer"]["address"] == "Jl. Test 2"
    assert first["travelSecondsFromPrevious"] > 0 and first["distanceMFromPrevious"] > 0
    assert "BEAT" in first["reasons"]
    # Every outlet bought 6 units of product 0 twice at 1,100: replenish 6, and add the must-sell.
    lines = {(line["sku"], line["kind"], line["quantity"]) for line in first["suggestedLines"]}
    assert lines == {
        (built.products[0].sku, "REPLENISH", 6),
        (built.products[1].sku, "MUST_SELL", 40),
    }
    # Two invoices of 6 × 1,100 (+11% tax): the older one overdue and partly paid.
    invoices = first["recentInvoices"]
    assert [(i["issuedOn"], i["lines"], i["units"]) for i in invoices] == [
        ("2026-11-30", 1, 6),
        ("2026-11-23", 1, 6),
    ]
    assert [
        (i["net"]["amount"], i["total"]["amount"], i["openAmount"]["amount"]) for i in invoices
    ] == [
        ("6600.00", "7326.00", "7326.00"),
        ("6600.00", "7326.00", "6326.00"),
    ]
    assert first["balance"] == {
        "outstanding": {"amount": "13652.00", "currency": "IDR"},
        "overdue": {"amount": "6326.00", "currency": "IDR"},
        "openInvoices": 2,
        "oldestDueOn": "2026-12-01",
    }
    mandatory = {s["retailer"]["id"] for s in stops if s["mandatory"]}
    assert mandatory == {encode_global_id("Retailer", o.id) for o in built.outlets[:2]}
    assert [(o["cause"], o["retailer"]["id"]) for o in plan["leftOut"]] == [
        ("CLOSED_TODAY", encode_global_id("Retailer", built.outlets[-1].id))
    ]
    total = sum(float(s["expectedValue"]["amount"]) for s in stops)
    assert float(plan["expectedValue"]["amount"]) == round(total, 2)


async def test_no_plan_yet_reads_as_null(
    session: AsyncSession, settings: Settings, client: GraphQLClient
) -> None:
    world, _ = await _planned(session, settings, outlets=3)
    later = (PLAN_DATE + timedelta(days=1)).isoformat()
    body = await client.run("MyDayPlan", {"date": later}, token=world.tokens[Role.REP])
    assert body == {"data": {"myDayPlan": None}}


async def test_a_manager_reads_the_plans_of_its_territories_only(
    session: AsyncSession, settings: Settings, client: GraphQLClient
) -> None:
    world, built = await _planned(session, settings, outlets=4)
    variables = {"repId": encode_global_id("Rep", built.rep.id), "date": PLAN_DATE.isoformat()}
    body = await client.run("DayPlan", variables, token=world.tokens[Role.MANAGER])
    assert len(body["data"]["dayPlan"]["stops"]) == 3

    outsider = await make_user(
        session, world.tenant, role=Role.MANAGER, territory_id=world.hierarchy.areas[1].id
    )
    refused = await client.run("DayPlan", variables, token=token_for(outsider, settings))
    assert refused["data"] == {"dayPlan": None}
    assert refused["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "repId"}


async def test_the_plan_read_costs_the_same_statements_for_3_or_25_plus_stops(
    session: AsyncSession, settings: Settings, client: GraphQLClient, connection: AsyncConnection
) -> None:
    counts, stops = {}, {}
    for outlets in (4, 31):
        world, _ = await _planned(session, settings, outlets=outlets)
        with count_statements(connection) as statements:
            body = await client.run(
                "MyDayPlan", {"date": PLAN_DATE.isoformat()}, token=world.tokens[Role.REP]
            )
        stops[outlets] = len(body["data"]["myDayPlan"]["stops"])
        counts[outlets] = len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))])

    assert stops[4] == 3 and stops[31] >= 25
    assert counts[4] == counts[31]
    # tenant, principal, rep, plan, stops, left out, retailers, recent invoices, balances,
    # plan's rep
    assert counts[31] == 10


async def test_replan_day_with_the_same_idempotency_key_returns_the_same_job(
    session: AsyncSession, settings: Settings, client: GraphQLClient
) -> None:
    world = await make_tenant_world(session, settings)
    built = await make_plan_world(session, world, outlets=3)
    tomorrow = (await tenant_today(session) + timedelta(days=1)).isoformat()
    variables = {
        "input": {
            "repId": encode_global_id("Rep", built.rep.id),
            "date": tomorrow,
            "reason": "traffic",
            "idempotencyKey": "replan-1",
        }
    }
    first = await client.run("ReplanDay", variables, token=world.tokens[Role.MANAGER])
    again = await client.run("ReplanDay", variables, token=world.tokens[Role.MANAGER])
    job = first["data"]["replanDay"]["job"]
    assert job["status"] == "QUEUED" and job["kind"] == "planRepDay"
    assert again["data"]["replanDay"]["job"]["id"] == job["id"]
    jobs = (await session.execute(select(Job))).scalars().all()
    assert len(jobs) == 1
    assert jobs[0].payload["repId"] == str(built.rep.id)
    assert jobs[0].payload["reason"] == "traffic"
    assert jobs[0].payload["jobId"] == str(jobs[0].id)
