"""Asking for plans (jobs) and reading them back, scoped to what the principal may see."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field.models import Rep
from backend.field.pjp import tenant_today
from backend.field.repository import rep_of_user, reps_by_ids, visible_rep_ids
from backend.identity.models import Role
from backend.jobs.models import Job
from backend.jobs.service import submit_job
from backend.kit.errors import NotFound
from backend.kit.idempotency import run_once_row
from backend.kit.validation import Checks
from backend.parties.models import Retailer
from backend.planning.jobs import PLAN_JOB, plan_payload
from backend.planning.models import DayPlan, DayPlanDropped, DayPlanStop, DayPlanTrigger

MAX_DAYS_AHEAD = 14
MAX_CLOSED = 100


@dataclass(frozen=True)
class StoredPlan:
    """A plan with its stops (in order) and the outlets it leaves out."""

    plan: DayPlan
    stops: Sequence[DayPlanStop]
    dropped: Sequence[DayPlanDropped]


async def stored_plan(
    session: AsyncSession, principal: Principal, rep_id: uuid.UUID, on: date
) -> StoredPlan | None:
    """The current plan of a visible rep-day (three statements whatever its size), or None."""
    plan = (
        await session.execute(
            select(DayPlan).where(
                DayPlan.rep_id == rep_id,
                DayPlan.plan_date == on,
                DayPlan.rep_id.in_(visible_rep_ids(principal)),
            )
        )
    ).scalar_one_or_none()
    if plan is None:
        return None
    stops = (
        await session.execute(
            select(DayPlanStop).where(DayPlanStop.plan_id == plan.id).order_by(DayPlanStop.position)
        )
    ).scalars()
    dropped = (
        await session.execute(
            select(DayPlanDropped)
            .where(DayPlanDropped.plan_id == plan.id)
            .order_by(DayPlanDropped.expected_value.desc(), DayPlanDropped.retailer_id)
        )
    ).scalars()
    return StoredPlan(plan, list(stops), list(dropped))


async def rep_for(
    session: AsyncSession,
    principal: Principal,
    rep_id: uuid.UUID | None,
    *,
    field: str = "input.repId",
) -> Rep:
    """The rep a request is about: the signed-in REP's own, or a visible one by id."""
    if rep_id is None:
        if principal.role is not Role.REP:
            raise NotFound("give the rep", field=field)
        own = await rep_of_user(session, principal.user_id)
        if own is None:
            raise NotFound("you have no rep profile", field=field)
        return own
    found = await reps_by_ids(session, principal, [rep_id])
    if not found:
        raise NotFound("no such rep", field=field)
    return found[0]


async def request_replan(
    session: AsyncSession,
    *,
    principal: Principal,
    rep_id: uuid.UUID | None,
    on: date,
    reason: str,
    closed_retailer_ids: Sequence[uuid.UUID],
    idempotency_key: str | None = None,
) -> Job:
    """Record a job that rebuilds the rep-day's plan (a worker runs it; nothing is solved here)."""
    principal.require(Role.ADMIN, Role.MANAGER, Role.REP)
    rep = await rep_for(session, principal, rep_id)
    today = await tenant_today(session)
    checks = Checks()
    if on < today:
        checks.fail("input.date", "cannot replan a day that is over")
    elif on > today + timedelta(days=MAX_DAYS_AHEAD):
        checks.fail("input.date", f"plans are built at most {MAX_DAYS_AHEAD} days ahead")
    if len(reason) > 400:
        checks.fail("input.reason", "at most 400 characters")
    closed = list(dict.fromkeys(closed_retailer_ids))
    if len(closed) > MAX_CLOSED:
        checks.fail("input.closedRetailerIds", f"at most {MAX_CLOSED} outlets")
    elif closed:
        known = set(
            (await session.execute(select(Retailer.id).where(Retailer.id.in_(closed)))).scalars()
        )
        for index, retailer_id in enumerate(closed):
            if retailer_id not in known:
                checks.fail(f"input.closedRetailerIds[{index}]", "no such retailer")
    checks.raise_if_any()
    payload = plan_payload(
        rep.id,
        on,
        trigger=DayPlanTrigger.REPLAN,
        reason=reason,
        closed_retailer_ids=tuple(closed),
    )

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="replanDay",
        payload=payload,
        work=lambda: submit_plan_job(session, principal.tenant_id, payload, principal.user_id),
        load=lambda row_id: session.get_one(Job, row_id),
    )


async def submit_plan_job(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    payload: dict[str, object],
    requested_by: uuid.UUID | None = None,
) -> Job:
    """Record one planRepDay job; its payload carries its own id so the plan can name it."""
    job = await submit_job(
        session, tenant_id=tenant_id, kind=PLAN_JOB, payload=payload, requested_by=requested_by
    )
    job.payload = {**payload, "jobId": str(job.id)}
    await session.flush()
    return job


async def submit_nightly(session: AsyncSession, tenant_id: uuid.UUID, on: date) -> list[Job]:
    """One planRepDay job per rep of the scoped tenant (the nightly fan-out)."""
    rep_ids = (await session.execute(select(Rep.id).order_by(Rep.id))).scalars().all()
    return [await submit_plan_job(session, tenant_id, plan_payload(r, on)) for r in rep_ids]
