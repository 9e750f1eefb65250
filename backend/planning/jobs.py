"""The `planRepDay` job: build and store one rep's plan for a date, on a worker.

The API never solves: `replanDay` and `jalur plan` record jobs; a worker runs this handler in the
job's transaction, so the new plan version and the job's SUCCEEDED status commit together.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.models import SpeedProfile
from backend.jobs.registry import job_handler
from backend.kit.settings import OptimizerSettings, get_settings
from backend.planning.build import PlanRequest, build_day_plan
from backend.planning.matrix import CachedMatrix, provider_for
from backend.planning.models import DayPlan, DayPlanTrigger

PLAN_JOB = "planRepDay"


def plan_payload(
    rep_id: uuid.UUID,
    on: date,
    *,
    trigger: DayPlanTrigger = DayPlanTrigger.NIGHTLY,
    reason: str = "",
    closed_retailer_ids: tuple[uuid.UUID, ...] = (),
) -> dict[str, Any]:
    """The job payload for one rep-day."""
    return {
        "repId": str(rep_id),
        "date": on.isoformat(),
        "trigger": trigger.value,
        "reason": reason,
        "closedRetailerIds": [str(r) for r in closed_retailer_ids],
    }


def request_of(payload: dict[str, Any], job_id: uuid.UUID | None = None) -> PlanRequest:
    """Read a payload back."""
    return PlanRequest(
        rep_id=uuid.UUID(payload["repId"]),
        plan_date=date.fromisoformat(payload["date"]),
        trigger=DayPlanTrigger(payload.get("trigger", DayPlanTrigger.NIGHTLY.value)),
        reason=payload.get("reason", ""),
        closed_retailer_ids=tuple(uuid.UUID(r) for r in payload.get("closedRetailerIds", [])),
        job_id=job_id,
    )


def plan_summary(plan: DayPlan) -> dict[str, Any]:
    """What the job reports as its result."""
    stats = plan.solver_stats
    return {
        "planId": str(plan.id),
        "repId": str(plan.rep_id),
        "date": plan.plan_date.isoformat(),
        "version": plan.version,
        "stops": stats.get("served"),
        "travelSeconds": plan.travel_seconds,
        "expectedValue": str(plan.expected_value),
        "candidates": stats.get("candidates"),
    }


async def plan_with_cache(
    session: AsyncSession,
    request: PlanRequest,
    *,
    redis: Redis | None,
    optimizer: OptimizerSettings,
) -> DayPlan:
    """Build a plan with travel times cached in `redis` (None: no cache)."""

    def matrix_for(profile: SpeedProfile) -> CachedMatrix:
        name, provider = provider_for(profile, optimizer)
        return CachedMatrix(provider=provider, name=name, redis=redis)

    return await build_day_plan(session, request, matrix_for=matrix_for, optimizer=optimizer)


@job_handler(PLAN_JOB)
async def plan_rep_day(
    session: AsyncSession, tenant_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """Build and store the rep-day's plan; the runner commits it with the job's status."""
    settings = get_settings()
    job_id = payload.get("jobId")
    redis = Redis.from_url(settings.redis_url)
    try:
        plan = await plan_with_cache(
            session,
            request_of(payload, uuid.UUID(job_id) if job_id else None),
            redis=redis,
            optimizer=settings.optimizer,
        )
    finally:
        await redis.aclose()
    return plan_summary(plan)
