"""The field graph end to end: reps, beats and PJP approval; offline sync; goals and progress."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.calendar import week_parity
from backend.identity.models import Role
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from tests.factories.catalog import make_product
from tests.factories.identity import make_tenant, make_user, token_for
from tests.factories.parties import make_distributor, make_retailer
from tests.factories.territories import make_hierarchy
from tests.support.graphql_client import GraphQLClient


@dataclass
class Team:
    admin: str
    manager: str
    reps: list[str]
    rep_user_ids: list[str]
    retailer_ids: list[str]
    product_ids: list[str]
    territory_id: str
    outsider: str
    distributor_code: str
    sku: str


async def _team(session: AsyncSession, settings: Settings) -> Team:
    tenant = await make_tenant(session)
    tree = await make_hierarchy(session, tenant)
    leaf = tree.territories[0]
    distributor = await make_distributor(session, tenant, leaf)
    retailers = [
        await make_retailer(session, tenant, leaf, distributor, code=f"R{i}") for i in range(3)
    ]
    product = await make_product(session, tenant)
    admin = await make_user(session, tenant, role=Role.ADMIN)
    manager = await make_user(session, tenant, role=Role.MANAGER, territory_id=tree.areas[0].id)
    outsider = await make_user(session, tenant, role=Role.MANAGER, territory_id=tree.areas[1].id)
    reps = [await make_user(session, tenant, role=Role.REP, territory_id=leaf.id) for _ in range(2)]
    await session.commit()
    return Team(
        admin=token_for(admin, settings),
        manager=token_for(manager, settings),
        reps=[token_for(r, settings) for r in reps],
        rep_user_ids=[encode_global_id("User", r.id) for r in reps],
        retailer_ids=[encode_global_id("Retailer", r.id) for r in retailers],
        product_ids=[encode_global_id("Product", product.id)],
        territory_id=encode_global_id("Territory", leaf.id),
        outsider=token_for(outsider, settings),
        distributor_code=distributor.code,
        sku=product.sku,
    )


async def _ok(client: GraphQLClient, op: str, token: str, **variables: Any) -> dict[str, Any]:
    body = await client.run(op, variables, token=token)
    assert "errors" not in body, body
    data: dict[str, Any] = next(iter(body["data"].values()))
    if isinstance(data, dict) and "errors" in data:
        assert data["errors"] == [], data
    return data


def _next_mondays_of_parity_1_then_0() -> tuple[str, str]:
    # Changes may only start today or later, so the dates follow the calendar.
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    if week_parity(monday) == 0:
        monday += timedelta(weeks=1)
    return monday.isoformat(), (monday + timedelta(weeks=1)).isoformat()


async def _save_rep(client: GraphQLClient, team: Team, index: int) -> str:
    saved = await _ok(
        client,
        "SaveRep",
        team.manager,
        input={
            "userId": team.rep_user_ids[index],
            "startPoint": {"latitude": -6.2, "longitude": 106.85},
            "shiftStart": "08:00:00",
            "shiftEnd": "17:00:00",
            "breakMinutes": 30,
            "speedProfile": "MOTORBIKE",
            "maxVisitsPerDay": 30,
        },
    )
    rep_id: str = saved["rep"]["id"]
    return rep_id


async def test_a_pjp_change_takes_effect_once_the_manager_approves_it(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    team = await _team(session, settings)
    rep_id = await _save_rep(client, team, 0)
    beat = await _ok(
        client,
        "CreateBeat",
        team.manager,
        input={
            "repId": rep_id,
            "code": "MON-1",
            "name": "Monday",
            "retailerIds": team.retailer_ids,
        },
    )
    beat_id = beat["beat"]["id"]
    lines = [{"beatId": beat_id, "weekday": 0, "frequency": "FORTNIGHTLY", "weekParity": 1}]
    odd, even = _next_mondays_of_parity_1_then_0()

    proposed = await _ok(
        client,
        "ProposePjpChange",
        team.reps[0],
        input={"repId": rep_id, "effectiveFrom": odd, "lines": lines, "reason": "new"},
    )
    before = await _ok(client, "BeatsOn", team.manager, repId=rep_id, on=odd)
    decided = await _ok(
        client,
        "DecidePjpChange",
        team.manager,
        input={"id": proposed["change"]["id"], "approve": True, "note": "fine"},
    )
    parity_1 = await _ok(client, "BeatsOn", team.reps[0], repId=rep_id, on=odd)
    parity_0 = await _ok(client, "BeatsOn", team.reps[0], repId=rep_id, on=even)
    again = await client.run(
        "DecidePjpChange",
        {"input": {"id": proposed["change"]["id"], "approve": False}},
        token=team.manager,
    )
    outsider = await client.run("BeatsOn", {"repId": rep_id, "on": even}, token=team.outsider)
    beats = await _ok(client, "Beats", team.reps[0], first=5, outletsFirst=2)

    assert proposed["change"]["status"] == "PROPOSED"
    assert before == []
    assert decided["change"]["status"] == "APPROVED"
    assert parity_1 == [{"id": beat_id, "code": "MON-1"}]
    assert parity_0 == []
    assert again["data"]["decidePjpChange"]["errors"][0]["code"] == "PJP_CHANGE_NOT_PENDING"
    assert outsider["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    outlets = beats["edges"][0]["node"]["outlets"]
    assert outlets["totalCount"] == 3
    assert [(e["node"]["position"], e["node"]["retailer"]["code"]) for e in outlets["edges"]] == [
        (0, "R0"),
        (1, "R1"),
    ]
    assert outlets["pageInfo"]["hasNextPage"] is True


def _sync_items(team: Team, visit_id: str) -> list[dict[str, Any]]:
    product = team.product_ids[0]
    return [
        {
            "clientId": str(uuid.uuid4()),
            "sequence": 4,
            "checkOut": {
                "visitId": visit_id,
                "at": "2026-11-23T03:15:00+00:00",
                "outcome": "PRODUCTIVE",
            },
        },
        {
            "clientId": visit_id,
            "sequence": 1,
            "checkIn": {
                "retailerId": team.retailer_ids[0],
                "position": {"latitude": -6.2, "longitude": 106.85},
                "accuracyM": 6.0,
                "at": "2026-11-23T03:00:00+00:00",
            },
        },
        {
            "clientId": str(uuid.uuid4()),
            "sequence": 3,
            "capturedOrder": {
                "visitId": visit_id,
                "at": "2026-11-23T03:10:00+00:00",
                "lines": [{"productId": product, "quantity": 6}],
            },
        },
        {
            "clientId": str(uuid.uuid4()),
            "sequence": 2,
            "stockCount": {"visitId": visit_id, "lines": [{"productId": product, "quantity": 0}]},
        },
    ]


async def test_offline_items_sync_once_and_outcomes_read_back_per_device(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    team = await _team(session, settings)
    rep_id = await _save_rep(client, team, 0)
    await _save_rep(client, team, 1)
    items = _sync_items(team, str(uuid.uuid4()))
    batch = {"deviceId": "phone-a", "items": items}

    first = await _ok(client, "SyncFieldActivity", team.reps[0], input=batch)
    second = await _ok(client, "SyncFieldActivity", team.reps[0], input=batch)
    outcomes = await _ok(
        client, "SyncOutcomes", team.reps[0], deviceId="phone-a", sinceSequence=1, first=1
    )
    own = await _ok(client, "Visits", team.reps[0], first=10)
    other = await _ok(client, "Visits", team.reps[1], first=10)
    stolen = await client.run("SyncFieldActivity", {"input": batch}, token=team.reps[1])

    assert [(o["sequence"], o["kind"], o["status"]) for o in first["outcomes"]] == [
        (1, "VISIT_CHECK_IN", "ACCEPTED"),
        (2, "STOCK_COUNT", "ACCEPTED"),
        (3, "CAPTURED_ORDER", "ACCEPTED"),
        (4, "VISIT_CHECK_OUT", "ACCEPTED"),
    ]
    assert second["outcomes"] == first["outcomes"]
    assert outcomes["totalCount"] == 3
    assert [e["node"]["sequence"] for e in outcomes["edges"]] == [2]
    assert outcomes["pageInfo"]["hasNextPage"] is True
    assert own["totalCount"] == 1
    visit = own["edges"][0]["node"]
    assert (visit["outcome"], visit["durationSeconds"], visit["geofence"]) == (
        "PRODUCTIVE",
        900,
        "INSIDE",
    )
    assert visit["rep"]["id"] == rep_id
    assert visit["retailer"]["code"] == "R0"
    order = visit["capturedOrder"]
    assert (order["status"], order["distributor"]["code"]) == ("CAPTURED", team.distributor_code)
    assert order["lines"] == [{"quantity": 6, "product": {"sku": team.sku}}]
    assert visit["stockCount"] == [{"quantity": 0, "product": {"sku": team.sku}}]
    assert other["totalCount"] == 0
    assert (
        stolen["data"]["syncFieldActivity"]["errors"][0]["code"] == "DEVICE_BOUND_TO_ANOTHER_USER"
    )


async def test_a_territory_goal_cascades_and_reports_progress_or_no_data(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    team = await _team(session, settings)
    reps = [await _save_rep(client, team, 0), await _save_rep(client, team, 1)]
    await _ok(
        client,
        "SyncFieldActivity",
        team.reps[0],
        input={"deviceId": "p", "items": _sync_items(team, str(uuid.uuid4()))},
    )
    period = {"periodStart": "2026-11-01", "periodEnd": "2026-11-30"}
    calls = await _ok(
        client,
        "SetGoal",
        team.manager,
        input={
            "ownerId": team.territory_id,
            "metric": "PRODUCTIVE_CALLS",
            "target": "100",
            **period,
        },
    )
    await _ok(
        client,
        "SetGoal",
        team.manager,
        input={
            "ownerId": team.territory_id,
            "metric": "SECONDARY_VALUE",
            "target": "5000000.00",
            **period,
        },
    )
    cascade = {
        "goalId": calls["goal"]["id"],
        "shares": [{"repId": reps[0], "share": "0.6"}, {"repId": reps[1], "share": "0.4"}],
        "idempotencyKey": "cascade-1",
    }
    cascaded = await _ok(client, "CascadeGoal", team.manager, input=cascade)
    retried = await _ok(client, "CascadeGoal", team.manager, input=cascade)
    twice = await client.run(
        "CascadeGoal", {"input": {**cascade, "idempotencyKey": None}}, token=team.manager
    )

    goals = await _ok(client, "Goals", team.manager, first=10, asOf="2026-11-25")
    rep_view = await _ok(client, "Goals", team.reps[1], first=10, asOf="2026-11-25")

    assert [g["target"] for g in cascaded["goals"]] == ["60.00", "40.00"]
    assert retried["goals"] == cascaded["goals"]
    assert [e["code"] for e in twice["data"]["cascadeGoal"]["errors"]] == ["ALREADY_EXISTS"]
    by_key = {
        (g["node"]["ownerId"], g["node"]["metric"]): g["node"]["progress"] for g in goals["edges"]
    }
    assert goals["totalCount"] == 4
    assert by_key[(team.territory_id, "PRODUCTIVE_CALLS")] == {
        "hasData": True,
        "achieved": "1",
        "achievementPct": "1.00",
        "elapsedDays": 25,
        "remainingDays": 5,
        "dailyRateNeeded": "19.80",
        "note": "from visits",
    }
    assert by_key[(reps[0], "PRODUCTIVE_CALLS")]["achieved"] == "1"
    assert by_key[(reps[1], "PRODUCTIVE_CALLS")]["achieved"] == "0"
    # No secondary invoice yet: measured, and nothing achieved (the captured order is not a sale).
    assert by_key[(team.territory_id, "SECONDARY_VALUE")] == {
        "hasData": True,
        "achieved": "0",
        "achievementPct": "0.00",
        "elapsedDays": 25,
        "remainingDays": 5,
        "dailyRateNeeded": "1000000.00",
        "note": "from secondary invoices",
    }
    assert [e["node"]["ownerId"] for e in rep_view["edges"]] == [reps[1]]


async def test_a_malformed_item_is_stored_as_rejected_and_the_rest_applies(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    team = await _team(session, settings)
    await _save_rep(client, team, 0)
    visit_id = str(uuid.uuid4())
    check_in, stock = _sync_items(team, visit_id)[1], _sync_items(team, visit_id)[3]
    both = {**stock, "clientId": str(uuid.uuid4()), "sequence": 9, "checkIn": check_in["checkIn"]}
    bad_sku = {
        **stock,
        "clientId": str(uuid.uuid4()),
        "sequence": 10,
        "stockCount": {
            "visitId": visit_id,
            "lines": [{"productId": team.retailer_ids[0], "quantity": 1}],
        },
    }

    synced = await _ok(
        client,
        "SyncFieldActivity",
        team.reps[0],
        input={"deviceId": "p", "items": [bad_sku, both, check_in]},
    )

    assert [(o["sequence"], o["status"], o["code"], o["field"]) for o in synced["outcomes"]] == [
        (1, "ACCEPTED", None, None),
        (9, "REJECTED", "INVALID_INPUT", "item"),
        (10, "REJECTED", "INVALID_INPUT", "item.lines[0].productId"),
    ]
