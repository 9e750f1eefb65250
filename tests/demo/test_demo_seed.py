"""The demo seed loads the generated world once; a second run reuses it."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import BillingDocument, Payment, PaymentAllocation, PaymentStatus
from backend.claims.models import Claim, ClaimStatus
from backend.demo.day_plans import DEMO_TODAY
from backend.demo.seed import seed_demo
from backend.field.goal_models import Goal, GoalMetric
from backend.field.pjp import tenant_today
from backend.inventory.models import MovementKind, StockMovement
from backend.kit.geo import point_coordinates
from backend.orders.models import PrimaryOrder
from backend.parties.models import Retailer
from backend.planning.models import DayPlan
from backend.territories.models import Territory
from tests.factories.ledger import assert_ledger_invariants


async def test_seeding_twice_creates_the_demo_tenant_once(session: AsyncSession) -> None:
    first = await seed_demo(session, seed=7)
    second = await seed_demo(session, seed=7)

    assert first.created is True
    assert second.created is False
    # Today's plan for each of the 40 reps (the demo's today, and the real one when it differs);
    # the second run finds them and builds none.
    days = {DEMO_TODAY, await tenant_today(session)}
    assert (first.plans_built, second.plans_built) == (40 * len(days), 0)
    plans = await session.execute(select(func.count()).select_from(DayPlan))
    assert plans.scalar_one() == 40 * len(days)
    value_goals = await session.execute(
        select(func.count()).select_from(Goal).where(Goal.metric == GoalMetric.SECONDARY_VALUE)
    )
    assert value_goals.scalar_one() == 40  # this month's goal for every rep, set once
    assert second.tenant_id == first.tenant_id
    assert (
        first.counts
        == second.counts
        == {
            "territories": 47,
            "distributors": 8,
            "retailers": 4000,
            "products": 150,
            "users": 54,
        }
    )
    await _assert_primary_history(session, first.tenant_id)


async def _assert_primary_history(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    # twelve weeks of orders, invoices, deliveries, payments (some late, one bounced), claims in
    # every state, monthly primary targets; and a ledger that holds together
    weeks = await session.scalar(
        select(func.count(func.distinct(func.date_trunc("week", PrimaryOrder.order_date))))
    )
    statuses = set((await session.execute(select(Claim.status).distinct())).scalars())
    late = await session.scalar(
        select(func.count())
        .select_from(PaymentAllocation)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(BillingDocument, BillingDocument.id == PaymentAllocation.document_id)
        .where(Payment.received_on > BillingDocument.due_on)
    )
    bounced = await session.scalar(
        select(func.count()).select_from(Payment).where(Payment.status == PaymentStatus.BOUNCED)
    )
    delivered = await session.scalar(
        select(func.count())
        .select_from(BillingDocument)
        .where(BillingDocument.delivered_on.is_not(None))
    )
    targets = await session.scalar(
        select(func.count()).select_from(Goal).where(Goal.metric == GoalMetric.PRIMARY_VALUE)
    )
    assert weeks == 12
    assert statuses == set(ClaimStatus)
    assert (late or 0) > 0 and bounced == 1 and (delivered or 0) > 80
    assert targets == 8 * 3
    kinds = set((await session.execute(select(StockMovement.kind).distinct())).scalars())
    assert kinds == {
        MovementKind.RECEIPT,
        MovementKind.ADJUSTMENT,
        MovementKind.TRANSFER_OUT,
        MovementKind.TRANSFER_IN,
    }
    await assert_ledger_invariants(session, tenant_id)


async def test_every_seeded_retailer_lies_inside_its_territory_polygon(
    session: AsyncSession,
) -> None:
    await seed_demo(session, seed=7, build_plans=False)  # plans: the test above

    outside = await session.execute(
        select(func.count())
        .select_from(Retailer)
        .join(Territory, Territory.id == Retailer.territory_id)
        .where(~func.ST_Covers(Territory.boundary, Retailer.location))
    )
    first = (await session.execute(select(Retailer).order_by(Retailer.code).limit(1))).scalar_one()

    assert outside.scalar_one() == 0
    latitude, longitude = point_coordinates(first.location) or (0.0, 0.0)
    assert -6.40 < latitude < -6.08
    assert 106.68 < longitude < 106.98
