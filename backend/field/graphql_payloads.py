"""Payloads of the field mutations: the object (when done) and the errors."""

from __future__ import annotations

import strawberry

from backend.api.types import UserError
from backend.field.graphql_goals import GoalNode
from backend.field.graphql_orders import CapturedOrderNode
from backend.field.graphql_queries import FieldSettings
from backend.field.graphql_types import (
    BeatNode,
    PjpChangeNode,
    RepNode,
    SyncItemOutcome,
    VisitNode,
)


def _errors() -> list[UserError]:
    return strawberry.field(description="Why it was not done; empty on success.")


@strawberry.type(description="Result of saveRep.")
class RepPayload:
    rep: RepNode | None = strawberry.field(description="The rep, when saved.")
    errors: list[UserError] = _errors()


@strawberry.type(description="Result of createBeat.")
class BeatPayload:
    beat: BeatNode | None = strawberry.field(description="The beat, when created.")
    errors: list[UserError] = _errors()


@strawberry.type(description="Result of proposePjpChange / decidePjpChange.")
class PjpChangePayload:
    change: PjpChangeNode | None = strawberry.field(description="The change.")
    errors: list[UserError] = _errors()


@strawberry.type(description="Result of checkInVisit / checkOutVisit.")
class VisitPayload:
    visit: VisitNode | None = strawberry.field(description="The visit.")
    errors: list[UserError] = _errors()


@strawberry.type(
    description="Result of syncFieldActivity: one outcome per item, in sequence order."
)
class SyncFieldActivityPayload:
    outcomes: list[SyncItemOutcome] = strawberry.field(description="What became of each item.")
    errors: list[UserError] = _errors()


@strawberry.type(description="Result of setFieldSettings.")
class FieldSettingsPayload:
    settings: FieldSettings | None = strawberry.field(description="The rules now in force.")
    errors: list[UserError] = _errors()


@strawberry.type(description="Result of setGoal.")
class GoalPayload:
    goal: GoalNode | None = strawberry.field(description="The goal, when set.")
    errors: list[UserError] = _errors()


@strawberry.type(description="Result of cascadeGoal.")
class CascadeGoalPayload:
    goals: list[GoalNode] = strawberry.field(description="The reps' goals created (few).")
    errors: list[UserError] = _errors()


@strawberry.type(description="Result of captureVisitOrder.")
class CapturedOrderPayload:
    order: CapturedOrderNode | None = strawberry.field(description="The captured order.")
    errors: list[UserError] = _errors()
