"""Primary sales vs target: distributor PRIMARY_VALUE goals, prorated over the asked period."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.goal_models import Goal
from backend.identity.models import User
from backend.kit.ids import encode_global_id
from backend.kit.settings import Settings
from tests.factories.claims import make_invoice
from tests.factories.identity import token_for
from tests.factories.orders import make_primary_world
from tests.support.graphql_client import GraphQLClient


async def test_primary_sales_vs_target_per_period_over_graphql(
    session: AsyncSession, client: GraphQLClient, settings: Settings
) -> None:
    # given 10,000.00 net invoiced on 2 Nov, and targets of 30,000.00 for November and
    # 31,000.00 for December set by HQ
    world = await make_primary_world(session)
    await make_invoice(session, world, quantity=10)
    await session.commit()
    token = token_for(await session.get_one(User, world.admin.user_id), settings)
    distributor = encode_global_id("Distributor", world.distributor.id)

    async def set_goal(start: str, end: str, target: str, owner: str = distributor) -> Any:
        body = {
            "input": {
                "ownerId": owner,
                "metric": "PRIMARY_VALUE",
                "periodStart": start,
                "periodEnd": end,
                "target": target,
            }
        }
        return (await client.run("SetGoal", body, token=token))["data"]["setGoal"]

    assert (await set_goal("2026-11-01", "2026-11-30", "30000.00"))["errors"] == []
    assert (await set_goal("2026-12-01", "2026-12-31", "31000.00"))["errors"] == []
    # when a target overlapping them, or one for a territory, is set, it is refused
    overlapping = await set_goal("2026-11-15", "2026-12-15", "5000.00")
    territory = encode_global_id("Territory", world.distributor.territory_id)
    for_territory = await set_goal("2027-01-01", "2027-01-31", "5000.00", territory)
    assert [(e["code"], e["field"]) for e in overlapping["errors"]] == [
        ("GOAL_OVERLAPS", "input.periodStart")
    ]
    assert [(e["code"], e["field"]) for e in for_territory["errors"]] == [
        ("INVALID_INPUT", "input.metric")
    ]
    assert await session.scalar(select(func.count()).select_from(Goal)) == 2

    async def kpi(start: str, end: str) -> Any:
        variables = {"distributorId": distributor, "from": start, "to": end}
        result = await client.run("DistributorPerformance", variables, token=token)
        return result["data"]["distributorPerformance"]

    # then November shows a third of the target achieved
    november = await kpi("2026-11-01", "2026-11-30")
    assert (november["primarySales"]["amount"], november["primaryTarget"]) == (
        "10000.00",
        {"amount": "30000.00", "currency": "IDR"},
    )
    assert november["primaryTargetAchievementPercent"] == "33.33"
    # and a period takes the days it shares with each goal: 10/30 of November
    first_days = await kpi("2026-11-01", "2026-11-10")
    assert (
        first_days["primaryTarget"]["amount"],
        first_days["primaryTargetAchievementPercent"],
    ) == (
        "10000.00",
        "100.00",
    )
    # 15/30 of November + 15/31 of December, with no sales in the window
    across = await kpi("2026-11-16", "2026-12-15")
    assert (across["primaryTarget"]["amount"], across["primaryTargetAchievementPercent"]) == (
        "30000.00",
        "0.00",
    )
    # and without a goal there is no target
    october = await kpi("2026-10-01", "2026-10-31")
    assert (october["primaryTarget"], october["primaryTargetAchievementPercent"]) == (None, None)
    # the goal's own progress counts the same invoices
    goals = (
        await client.run(
            "Goals", {"first": 5, "activeOn": "2026-11-20", "asOf": "2026-11-20"}, token=token
        )
    )["data"]["goals"]
    progress = goals["edges"][0]["node"]["progress"]
    assert (progress["achieved"], progress["achievementPct"], progress["note"]) == (
        "10000.00",
        "33.33",
        "from primary invoices",
    )
