"""Submit background jobs inside a transaction; push them to the queue only after it commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.jobs.models import Job, JobStatus
from backend.kit.db import new_id

PENDING_KEY = "jalur.jobs_after_commit"
RELAY_AFTER = timedelta(minutes=2)


async def submit_job(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    kind: str,
    payload: dict[str, Any],
    requested_by: uuid.UUID | None = None,
    max_attempts: int = 3,
) -> Job:
    """Record a job in the current transaction; it is queued when the transaction commits."""
    from backend.jobs.registry import require_handler

    require_handler(kind)
    job = Job(
        id=new_id(),
        tenant_id=tenant_id,
        kind=kind,
        payload=payload,
        status=JobStatus.QUEUED,
        attempts=0,
        max_attempts=max_attempts,
        requested_by=requested_by,
    )
    session.add(job)
    await session.flush()
    session.info.setdefault(PENDING_KEY, []).append((job.id, tenant_id))
    return job


def pending_after_commit(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Take the jobs this session submitted (to push once its commit succeeded)."""
    pending: list[tuple[uuid.UUID, uuid.UUID]] = session.info.pop(PENDING_KEY, [])
    return pending


def forget_pending(session: AsyncSession) -> None:
    """Drop the submitted jobs of a rolled-back transaction: they were never written."""
    session.info.pop(PENDING_KEY, None)


async def mark_enqueued(session: AsyncSession, job_ids: Sequence[uuid.UUID]) -> None:
    """Note when jobs were pushed, so the relay leaves them alone."""
    await session.execute(
        update(Job).where(Job.id.in_(job_ids)).values(enqueued_at=datetime.now(UTC))
    )


async def jobs_to_relay(session: AsyncSession, *, now: datetime | None = None) -> Sequence[Job]:
    """Queued jobs of the scoped tenant that were never pushed, or pushed long ago and not run."""
    cutoff = (now or datetime.now(UTC)) - RELAY_AFTER
    stmt = select(Job).where(
        Job.status == JobStatus.QUEUED, or_(Job.enqueued_at.is_(None), Job.enqueued_at < cutoff)
    )
    return (await session.execute(stmt.order_by(Job.created_at))).scalars().all()
