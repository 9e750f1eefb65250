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

from backend.field.goal_models import Goal, GoalMetric, GoalOwner
from backend.field.visit_models import Visit, VisitOutcome
from backend.parties.models import Retailer
from backend.territories.models import Territory

# Metrics measured from visits. The others need invoices, stock or onboarding facts that the
# DMS domains will provide; until then their progress says so instead of showing zero.
VISIT_METRICS = frozenset({GoalMetric.PRODUCTIVE_CALLS, GoalMetric.CALLS})
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


def _achieved_query(goal: Goal, as_of: date) -> Any:
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
    measured = [goal for goal in goals if goal.metric in VISIT_METRICS]
    counts: dict[uuid.UUID, Decimal] = {}
    if measured:
        columns = [_achieved_query(goal, as_of).scalar_subquery() for goal in measured]
        row = (await session.execute(select(*columns))).one()
        counts = {goal.id: Decimal(int(value)) for goal, value in zip(measured, row, strict=True)}
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
    return GoalProgress(True, achieved, pct, elapsed, remaining, needed, "from visits")
