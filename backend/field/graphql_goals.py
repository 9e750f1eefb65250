"""GraphQL types of goals and their progress."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

import backend.field.graphql_enums  # noqa: F401  (enum descriptions first)
from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.types import Node
from backend.field.goal_models import Goal, GoalMetric, GoalOwner
from backend.field.repository import goals_by_ids
from backend.kit.ids import encode_global_id


@strawberry.type(description="Where a goal stands on a date.")
class GoalProgressView:
    has_data: bool = strawberry.field(
        description="False while the metric's facts do not exist yet."
    )
    achieved: Decimal | None = strawberry.field(description="Achieved to date; null without data.")
    achievement_pct: Decimal | None = strawberry.field(description="Achieved ÷ target × 100.")
    elapsed_days: int = strawberry.field(description="Days of the period up to the date.")
    remaining_days: int = strawberry.field(description="Days of the period after the date.")
    daily_rate_needed: Decimal | None = strawberry.field(
        description="Per remaining day to hit target."
    )
    note: str = strawberry.field(description="Where the figure comes from, or 'no data yet'.")


@strawberry.type(name="Goal", description="A target for one metric over a period.")
class GoalNode(Node):
    owner: GoalOwner = strawberry.field(description="Whose goal it is.")
    owner_id: strawberry.ID = strawberry.field(
        description="Global id of the territory, rep or distributor."
    )
    metric: GoalMetric = strawberry.field(description="What is measured.")
    subject: str | None = strawberry.field(description="SKU, brand or category for volume metrics.")
    period_start: date = strawberry.field(description="First day of the period.")
    period_end: date = strawberry.field(description="Last day of the period.")
    target: Decimal = strawberry.field(description="Target, exact decimal.")
    share: Decimal | None = strawberry.field(description="Share of the parent goal, if cascaded.")
    parent_id: strawberry.ID | None = strawberry.field(
        description="The territory goal it came from."
    )
    row: strawberry.Private[Goal]

    @strawberry.field(description="Achievement to date and run-rate needed, as of a date.")
    async def progress(
        self,
        info: strawberry.Info[Context, None],
        as_of: Annotated[date, strawberry.argument(description="The date to measure up to.")],
    ) -> GoalProgressView:
        from backend.field.graphql_loaders import progress_loader

        p = await progress_loader(info.context, as_of).load(self.row)
        return GoalProgressView(
            has_data=p.has_data,
            achieved=p.achieved,
            achievement_pct=p.achievement_pct,
            elapsed_days=p.elapsed_days,
            remaining_days=p.remaining_days,
            daily_rate_needed=p.daily_rate_needed,
            note=p.note,
        )


def goal_node(row: Goal) -> GoalNode:
    """Map a row to its GraphQL object."""
    owner_type, owner_id = {
        GoalOwner.TERRITORY: ("Territory", row.territory_id),
        GoalOwner.REP: ("Rep", row.rep_id),
        GoalOwner.DISTRIBUTOR: ("Distributor", row.distributor_id),
    }[row.owner]
    assert owner_id is not None
    return GoalNode(
        id=strawberry.ID(encode_global_id("Goal", row.id)),
        owner=row.owner,
        owner_id=strawberry.ID(encode_global_id(owner_type, owner_id)),
        metric=row.metric,
        subject=row.subject,
        period_start=row.period_start,
        period_end=row.period_end,
        target=row.target,
        share=row.share,
        parent_id=strawberry.ID(encode_global_id("Goal", row.parent_id)) if row.parent_id else None,
        row=row,
    )


register_node("Goal", goals_by_ids, goal_node)
