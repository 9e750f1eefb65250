"""Open goals weigh the plan's prizes: the gap to pace, and how much an outlet serves each goal."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.goal_models import Goal, GoalMetric, GoalOwner
from backend.identity.models import Role
from backend.kit.db import new_id
from backend.kit.settings import Settings
from backend.planning.build import PlanRequest
from backend.planning.goal_weights import GoalGap, goal_gaps, open_goals, outlet_weights
from backend.planning.jobs import plan_with_cache
from backend.planning.models import DayPlanStop
from backend.planning.purchases import SkuHistory
from tests.factories.planning import PLAN_DATE, add_order, make_plan_world
from tests.factories.scenarios import make_tenant_world


def _goal(metric: GoalMetric, subject: str | None = None) -> Goal:
    return Goal(
        id=new_id(),
        owner=GoalOwner.REP,
        metric=metric,
        subject=subject,
        period_start=date(2026, 12, 1),
        period_end=date(2026, 12, 30),
        target=Decimal(100),
    )


def test_an_outlet_serves_a_volume_goal_by_its_share_of_the_subject() -> None:
    focus = Product(id=uuid.uuid4(), sku="FOCUS", brand="B", category="C")
    other = Product(id=uuid.uuid4(), sku="OTHER", brand="B", category="C")
    fan, stranger, new = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    day = date(2026, 12, 1)
    skus = [
        SkuHistory(fan, focus.id, 2, 10, Decimal(300), day),
        SkuHistory(fan, other.id, 2, 10, Decimal(100), day),
        SkuHistory(stranger, other.id, 1, 5, Decimal(500), day),
    ]
    gaps = [
        GoalGap(_goal(GoalMetric.SKU_VOLUME, "FOCUS"), Decimal(0), Decimal("0.8")),
        GoalGap(_goal(GoalMetric.ECO), Decimal(0), Decimal("0.5")),
        GoalGap(_goal(GoalMetric.PRODUCTIVE_CALLS), Decimal(0), Decimal(0)),  # on pace
    ]
    weights = outlet_weights(
        [fan, stranger, new], gaps, skus, {focus.id: focus, other.id: other}, on=day
    )
    # fan: 0.8 × 300/400 for the SKU, already billed this period (no ECO share) → 1.6
    assert (weights[fan].weight, weights[fan].goals) == (Decimal("1.6000"), ["SKU_VOLUME FOCUS"])
    assert (weights[stranger].weight, weights[stranger].goals) == (Decimal("1.0000"), [])
    # new: never billed, serves the ECO goal fully: 1 + 0.5
    assert (weights[new].weight, weights[new].goals) == (Decimal("1.5000"), ["ECO"])


async def test_a_value_goal_behind_pace_weighs_the_plan_and_counts_in_its_goal_contribution(
    session: AsyncSession, settings: Settings
) -> None:
    world = await make_tenant_world(session, settings)
    built = await make_plan_world(session, world, outlets=5, class_a=1, split_monday=0)
    for outlet in built.outlets[:4]:
        await add_order(
            session,
            world,
            built.rep,
            outlet,
            PLAN_DATE - timedelta(days=5),
            [(built.products[0], 2)],
        )
    goal = Goal(
        id=new_id(),
        tenant_id=world.tenant.id,
        owner=GoalOwner.REP,
        rep_id=built.rep.id,
        metric=GoalMetric.SECONDARY_VALUE,
        period_start=date(2026, 12, 1),
        period_end=date(2026, 12, 30),
        target=Decimal(60000),
        set_by_id=world.users[Role.ADMIN].id,
    )
    session.add(goal)
    await session.flush()

    goals = await open_goals(session, built.rep, PLAN_DATE)
    [gap] = await goal_gaps(session, built.rep, goals, PLAN_DATE)
    # 6 days of 30 are behind us: 12,000 due; 4 orders × 2 × 1,100 = 8,800 done.
    assert gap.achieved == Decimal("8800.00") and gap.gap == Decimal("0.2667")

    optimizer = settings.optimizer.model_copy(update={"time_limit_s": 0.5})
    plan = await plan_with_cache(
        session, PlanRequest(built.rep.id, PLAN_DATE), redis=None, optimizer=optimizer
    )
    assert plan.solver_stats["goalsBehind"] == ["SECONDARY_VALUE"]
    stops = (
        (await session.execute(select(DayPlanStop).where(DayPlanStop.plan_id == plan.id)))
        .scalars()
        .all()
    )
    buyers = [s for s in stops if s.expected_value > 0]
    assert len(buyers) == 4
    for stop in buyers:
        assert stop.goal_weight == Decimal("1.2667") and "GOAL_GAP" in stop.reasons
    share = sum(
        (
            (s.expected_value * Decimal("0.2667")).quantize(Decimal("0.01"), ROUND_HALF_UP)
            for s in buyers
        ),
        Decimal(0),
    )
    assert plan.goal_contribution == share > 0
