"""How the rep's open goals weigh each candidate outlet.

For every goal open on the plan date (the rep's own, and its territory's), the gap is how far
achievement lags the straight-line pace to the target: 0 when on pace, 1 when nothing is done.
An outlet's affinity to a goal says how much a visit there serves it: every outlet serves value
and call goals; an outlet serves a SKU/brand/category volume goal by the share of its recent
purchases in that subject; an ECO goal is served by outlets not yet billed in the period.
weight = 1 + min(1, Σ gap × affinity) multiplies the outlet's expected offtake into its prize.

Goals whose progress has no measure yet (NEW_OUTLETS, MUST_SELL_DISTRIBUTION) do not weigh.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.field.goal_models import Goal, GoalMetric, GoalOwner
from backend.field.goal_progress import SECONDARY_METRICS, VISIT_METRICS, goal_progress
from backend.field.models import Rep
from backend.planning.purchases import SkuHistory

WEIGHED_METRICS = VISIT_METRICS | SECONDARY_METRICS
UNIVERSAL_METRICS = frozenset(
    {GoalMetric.SECONDARY_VALUE, GoalMetric.CALLS, GoalMetric.PRODUCTIVE_CALLS}
)
FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class GoalGap:
    """An open goal and how far it is behind pace (0..1)."""

    goal: Goal
    achieved: Decimal
    gap: Decimal

    @property
    def label(self) -> str:
        """A short name for reasons: the metric and its subject."""
        subject = f" {self.goal.subject}" if self.goal.subject else ""
        return f"{self.goal.metric.value}{subject}"


@dataclass
class OutletWeight:
    """An outlet's goal weight and the goals that make it."""

    weight: Decimal = Decimal(1)
    goals: list[str] = field(default_factory=list)


async def open_goals(session: AsyncSession, rep: Rep, on: date) -> list[Goal]:
    """Goals open on `on` for the rep or its territory."""
    stmt = (
        select(Goal)
        .where(
            Goal.period_start <= on,
            Goal.period_end >= on,
            or_(
                Goal.rep_id == rep.id,
                (Goal.owner == GoalOwner.TERRITORY) & (Goal.territory_id == rep.territory_id),
            ),
        )
        .order_by(Goal.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def goal_gaps(
    session: AsyncSession, rep: Rep, goals: Sequence[Goal], on: date
) -> list[GoalGap]:
    """Each measurable goal's achievement up to the day before `on` and its gap to pace."""
    until = date.fromordinal(on.toordinal() - 1)
    measured = [g for g in goals if g.metric in WEIGHED_METRICS]
    achieved: dict[uuid.UUID, Decimal] = {}
    for goal, progress in zip(measured, await goal_progress(session, measured, until), strict=True):
        achieved[goal.id] = progress.achieved or Decimal(0)
    gaps = []
    for goal in goals:
        if goal.id not in achieved:
            continue
        total = (goal.period_end - goal.period_start).days + 1
        elapsed = max(1, (on - goal.period_start).days)  # days fully behind us, at least one
        due = goal.target * Decimal(min(elapsed, total)) / Decimal(total)
        ratio = achieved[goal.id] / due if due > 0 else Decimal(1)
        gap = min(Decimal(1), max(Decimal(0), Decimal(1) - ratio)).quantize(FOUR, ROUND_HALF_UP)
        gaps.append(GoalGap(goal, achieved[goal.id], gap))
    return gaps


def subject_of(goal: Goal, product: Product) -> bool:
    """Whether a product falls under a volume goal's subject."""
    if goal.metric is GoalMetric.SKU_VOLUME:
        return product.sku == goal.subject
    if goal.metric is GoalMetric.BRAND_VOLUME:
        return product.brand == goal.subject
    return product.category == goal.subject


def outlet_weights(
    retailer_ids: Sequence[uuid.UUID],
    gaps: Sequence[GoalGap],
    skus: Sequence[SkuHistory],
    products: dict[uuid.UUID, Product],
    *,
    on: date,
) -> dict[uuid.UUID, OutletWeight]:
    """Each candidate's weight from the goal gaps (pure)."""
    bought: dict[uuid.UUID, list[SkuHistory]] = {}
    for sku in skus:
        bought.setdefault(sku.retailer_id, []).append(sku)
    weights: dict[uuid.UUID, OutletWeight] = {}
    for retailer_id in retailer_ids:
        history = bought.get(retailer_id, [])
        total = sum((s.value for s in history), Decimal(0))
        score = Decimal(0)
        served: list[str] = []
        for gap in gaps:
            if gap.gap <= 0:
                continue
            metric = gap.goal.metric
            if metric in UNIVERSAL_METRICS:
                affinity = Decimal(1)
            elif metric is GoalMetric.ECO:
                billed = any(s.last_order >= gap.goal.period_start for s in history)
                affinity = Decimal(0) if billed else Decimal(1)
            else:
                subject = sum(
                    (s.value for s in history if subject_of(gap.goal, products[s.product_id])),
                    Decimal(0),
                )
                affinity = subject / total if total > 0 else Decimal(0)
            if affinity > 0:
                score += gap.gap * affinity
                served.append(gap.label)
        weights[retailer_id] = OutletWeight(
            weight=(Decimal(1) + min(Decimal(1), score)).quantize(FOUR, ROUND_HALF_UP),
            goals=served,
        )
    return weights
