"""Achievement of goals to date and the daily run-rate still needed, for metrics with facts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.sales import primary_sales_query
from backend.catalog.models import Product
from backend.field.goal_models import SUBJECT_METRICS, Goal, GoalMetric, GoalOwner
from backend.field.visit_models import Visit, VisitOutcome
from backend.parties.models import Retailer
from backend.secondary.purchases import purchase_lines
from backend.territories.models import Territory

# Metrics measured from visits, from primary invoices and from secondary invoice lines (net of
# credit notes; a rep's are those of the invoices billing its captured orders). NEW_OUTLETS and
# MUST_SELL_DISTRIBUTION need onboarding and stock facts other domains will provide; until then
# their progress says so instead of showing zero.
VISIT_METRICS = frozenset({GoalMetric.PRODUCTIVE_CALLS, GoalMetric.CALLS})
INVOICE_METRICS = frozenset({GoalMetric.PRIMARY_VALUE})
SECONDARY_METRICS = frozenset({GoalMetric.SECONDARY_VALUE, GoalMetric.ECO, *SUBJECT_METRICS})
MEASURED_METRICS = VISIT_METRICS | INVOICE_METRICS | SECONDARY_METRICS
CENT = Decimal("0.01")


@dataclass(frozen=True)
class GoalProgress:
    """Where a goal stands on a date."""

    has_data: bool
    achieved: Decimal | None
    achievement_pct: Decimal | None
    elapsed_days: int
    remaining_days: int
    daily_rate_needed: Decimal | None
    note: str


def _owner_condition(goal: Goal) -> ColumnElement[bool]:
    if goal.owner is GoalOwner.REP:
        return Visit.rep_id == goal.rep_id
    if goal.owner is GoalOwner.DISTRIBUTOR:
        return Retailer.distributor_id == goal.distributor_id
    path = select(Territory.path).where(Territory.id == goal.territory_id).scalar_subquery()
    subtree = select(Territory.id).where(Territory.path.startswith(path))
    return Retailer.territory_id.in_(subtree)


def _subject_products(goal: Goal) -> Any:
    products = select(Product.id)
    if goal.metric is GoalMetric.SKU_VOLUME:
        return products.where(Product.sku == goal.subject)
    if goal.metric is GoalMetric.BRAND_VOLUME:
        return products.where(Product.brand == goal.subject)
    return products.where(Product.category == goal.subject)


def _secondary_query(goal: Goal, until: date) -> Any:
    """Net secondary value, net units of the subject (free goods left out) or outlets billed."""
    rep_id = goal.rep_id if goal.owner is GoalOwner.REP else None
    lines = purchase_lines(since=goal.period_start, until=until, rep_id=rep_id)
    if goal.owner is GoalOwner.REP:
        owner = lines.c.rep_id == goal.rep_id
    elif goal.owner is GoalOwner.DISTRIBUTOR:
        owner = lines.c.distributor_id == goal.distributor_id
    else:
        path = select(Territory.path).where(Territory.id == goal.territory_id).scalar_subquery()
        subtree = select(Territory.id).where(Territory.path.startswith(path))
        owner = lines.c.retailer_id.in_(
            select(Retailer.id).where(Retailer.territory_id.in_(subtree))
        )
    if goal.metric is GoalMetric.SECONDARY_VALUE:
        return select(func.coalesce(func.sum(lines.c.value), 0)).where(owner)
    if goal.metric is GoalMetric.ECO:
        return select(func.count(func.distinct(lines.c.retailer_id))).where(
            owner, lines.c.is_invoice
        )
    return select(func.coalesce(func.sum(lines.c.quantity), 0)).where(
        owner, lines.c.is_free.is_(False), lines.c.product_id.in_(_subject_products(goal))
    )


def _achieved_query(goal: Goal, as_of: date) -> Any:
    if goal.metric in SECONDARY_METRICS:
        return _secondary_query(goal, min(as_of, goal.period_end))
    if goal.metric in INVOICE_METRICS:
        assert goal.distributor_id is not None
        return primary_sales_query(
            goal.distributor_id, goal.period_start, min(as_of, goal.period_end)
        )
    stmt = (
        select(func.count())
        .select_from(Visit)
        .join(Retailer, Retailer.id == Visit.retailer_id)
        .where(
            _owner_condition(goal),
            Visit.visit_date >= goal.period_start,
            Visit.visit_date <= min(as_of, goal.period_end),
        )
    )
    if goal.metric is GoalMetric.PRODUCTIVE_CALLS:
        stmt = stmt.where(Visit.outcome == VisitOutcome.PRODUCTIVE)
    return stmt


async def goal_progress(
    session: AsyncSession, goals: Sequence[Goal], as_of: date
) -> list[GoalProgress]:
    """The progress of each goal on `as_of`, all counted in one statement."""
    measured = [goal for goal in goals if goal.metric in MEASURED_METRICS]
    counts: dict[uuid.UUID, Decimal] = {}
    if measured:
        columns = [_achieved_query(goal, as_of).scalar_subquery() for goal in measured]
        row = (await session.execute(select(*columns))).one()
        counts = {goal.id: Decimal(value) for goal, value in zip(measured, row, strict=True)}
    return [_progress(goal, as_of, counts.get(goal.id)) for goal in goals]


def _progress(goal: Goal, as_of: date, achieved: Decimal | None) -> GoalProgress:
    total = (goal.period_end - goal.period_start).days + 1
    elapsed = max(0, min(total, (as_of - goal.period_start).days + 1))
    remaining = total - elapsed
    if achieved is None:
        return GoalProgress(False, None, None, elapsed, remaining, None, "no data yet")
    pct = (achieved * 100 / goal.target).quantize(CENT, rounding=ROUND_HALF_UP)
    gap = max(Decimal(0), goal.target - achieved)
    needed = (gap / remaining).quantize(CENT, rounding=ROUND_HALF_UP) if remaining else None
    source = (
        "from primary invoices"
        if goal.metric in INVOICE_METRICS
        else "from secondary invoices"
        if goal.metric in SECONDARY_METRICS
        else "from visits"
    )
    return GoalProgress(True, achieved, pct, elapsed, remaining, needed, source)
