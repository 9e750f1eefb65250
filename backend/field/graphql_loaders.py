"""Batched reads behind field GraphQL fields that are not plain by-id relations."""

from __future__ import annotations

from datetime import date
from typing import Any

from strawberry.dataloader import DataLoader

from backend.api.context import Context
from backend.field.goal_models import Goal
from backend.field.goal_progress import GoalProgress, goal_progress


def progress_loader(context: Context, as_of: date) -> DataLoader[Goal, GoalProgress]:
    """The request's loader of goal progress on a date (one batch for all goals of a page)."""

    async def load(goals: list[Goal]) -> list[GoalProgress]:
        return await goal_progress(context.session, goals, as_of)

    loader: Any = context.loader(
        f"goal-progress:{as_of.isoformat()}",
        lambda: DataLoader(load_fn=load, cache_key_fn=lambda goal: goal.id),
    )
    return loader
