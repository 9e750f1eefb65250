"""GraphQL view of background jobs: fetched with `node(id:)` from the id a mutation returns."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from typing import Annotated, cast

import strawberry
from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.types import Node
from backend.auth.principal import Principal, load_principal
from backend.identity.models import Role
from backend.jobs.models import Job, JobStatus
from backend.jobs.runner import ANNOUNCE_PREFIX
from backend.kit.db import set_tenant
from backend.kit.errors import NotFound, Unauthenticated
from backend.kit.ids import decode_typed_id, encode_global_id

JobStatusEnum = strawberry.enum(JobStatus, description="QUEUED, RUNNING, SUCCEEDED or FAILED.")


@strawberry.type(
    name="Job", description="Background work (a plan, a training run) and how it went."
)
class JobNode(Node):
    kind: str = strawberry.field(description="What the job does, e.g. planRepDay.")
    status: JobStatus = strawberry.field(description="Where the job is.")
    attempts: int = strawberry.field(description="Runs started so far.")
    max_attempts: int = strawberry.field(description="Runs allowed before it is FAILED.")
    result: JSON | None = strawberry.field(description="What it produced, when SUCCEEDED.")
    error: str | None = strawberry.field(description="The last failure, if any.")
    created_at: datetime = strawberry.field(description="When it was requested (UTC).")
    started_at: datetime | None = strawberry.field(description="When its last run started (UTC).")
    finished_at: datetime | None = strawberry.field(
        description="When it succeeded or failed (UTC)."
    )


def job_node(row: Job) -> JobNode:
    """Map a row to its GraphQL object."""
    return JobNode(
        id=strawberry.ID(encode_global_id("Job", row.id)),
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        result=cast(JSON | None, row.result),
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


async def jobs_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Job]:
    """Jobs with these ids: ADMIN sees all of the tenant's, others those they requested."""
    scope = true() if principal.role is Role.ADMIN else Job.requested_by == principal.user_id
    return (await session.execute(select(Job).where(Job.id.in_(ids), scope))).scalars().all()


register_node("Job", jobs_by_ids, job_node)


POLL_SECONDS = 5.0
FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


async def _read_job(context: Context, job_id: uuid.UUID) -> Job | None:
    """One short transaction per look: a subscription never holds a connection while it waits."""
    if context.claims is None:
        raise context.auth_error or Unauthenticated("sign in: send a Bearer token")
    async with context.sessionmaker() as session, session.begin():
        await set_tenant(session, context.claims.tenant_id)
        principal = await load_principal(session, context.claims)
        found = await jobs_by_ids(session, principal, [job_id])
    return found[0] if found else None


@strawberry.type
class JobSubscription:
    @strawberry.subscription(
        description="A job's status now and at each change until it SUCCEEDED or FAILED (woken "
        "by the workers' Redis announcements, and checking the job row every few seconds)."
    )
    async def job_status(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The job's global id.")],
    ) -> AsyncGenerator[JobNode, None]:
        context = info.context
        job_id = decode_typed_id(id, "Job", field="id")
        pubsub = context.redis.pubsub()
        await pubsub.subscribe(f"{ANNOUNCE_PREFIX}{job_id}")
        try:
            seen: tuple[JobStatus, int] | None = None
            while True:
                job = await _read_job(context, job_id)
                if job is None:
                    raise NotFound("no such job", field="id")
                if (job.status, job.attempts) != seen:
                    seen = (job.status, job.attempts)
                    yield job_node(job)
                if job.status in FINISHED:
                    return
                await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
        finally:
            await pubsub.aclose()
