"""Run one job on a worker: claim it, run its handler, record the outcome in the same transaction.

A handler's writes and the job's SUCCEEDED status commit together, so a plan is never half
written; a failure rolls the handler back, records the error, and lets RQ retry until the job's
attempts are spent, after which it is FAILED. An expected failure (a `JalurError`: no history to
train on, an artefact this code refuses) is recorded as `CODE: message` and FAILED at once,
since running it again cannot succeed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.jobs.models import Job, JobStatus
from backend.jobs.registry import load_handlers, require_handler
from backend.kit.db import make_engine, make_sessionmaker, set_tenant
from backend.kit.errors import JalurError
from backend.kit.logging import tenant_var
from backend.kit.settings import get_settings

log = logging.getLogger(__name__)
# The job being run, for handlers that record which job produced a row.
current_job_id: ContextVar[uuid.UUID | None] = ContextVar("current_job_id", default=None)
ANNOUNCE_PREFIX = "jalur:job:"  # + job id: the pub/sub channel of a job's status changes


def run_job(job_id: str, tenant_id: str) -> dict[str, Any] | None:
    """RQ entry point (synchronous): run the job and return its result."""
    load_handlers()

    settings = get_settings()

    async def run() -> dict[str, Any] | None:
        engine = make_engine(settings.database_url, pool_size=2)
        try:
            return await execute_job(
                make_sessionmaker(engine),
                uuid.UUID(job_id),
                uuid.UUID(tenant_id),
                publish=Redis.from_url(settings.redis_url),
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def execute_job(
    sessionmaker: async_sessionmaker[AsyncSession],
    job_id: uuid.UUID,
    tenant_id: uuid.UUID,
    *,
    publish: Redis | None = None,
) -> dict[str, Any] | None:
    """Claim, run and record one job; re-raise a handler's error after recording it."""
    tenant_var.set(str(tenant_id))
    current_job_id.set(job_id)
    claimed = await _claim(sessionmaker, job_id, tenant_id)
    if claimed is None:
        return None
    kind, payload = claimed
    _announce(publish, job_id, JobStatus.RUNNING)
    try:
        async with sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            result = await require_handler(kind)(session, tenant_id, payload)
            job = await _locked(session, job_id)
            job.status, job.result, job.error = JobStatus.SUCCEEDED, result, None
            job.finished_at = datetime.now(UTC)
    except Exception as exc:
        status = await _record_failure(sessionmaker, job_id, tenant_id, exc)
        _announce(publish, job_id, status)
        log.exception("job %s (%s) failed; now %s", job_id, kind, status.value)
        raise
    _announce(publish, job_id, JobStatus.SUCCEEDED)
    return result


async def _claim(
    sessionmaker: async_sessionmaker[AsyncSession], job_id: uuid.UUID, tenant_id: uuid.UUID
) -> tuple[str, dict[str, Any]] | None:
    async with sessionmaker() as session, session.begin():
        await set_tenant(session, tenant_id)
        stmt = select(Job).where(Job.id == job_id).with_for_update(skip_locked=True)
        job = (await session.execute(stmt)).scalar_one_or_none()
        if job is None or job.status is not JobStatus.QUEUED:
            return None  # done, failed, gone, or being run by another worker
        job.status, job.attempts, job.started_at = (
            JobStatus.RUNNING,
            job.attempts + 1,
            datetime.now(UTC),
        )
        return job.kind, dict(job.payload)


async def _record_failure(
    sessionmaker: async_sessionmaker[AsyncSession],
    job_id: uuid.UUID,
    tenant_id: uuid.UUID,
    exc: Exception,
) -> JobStatus:
    async with sessionmaker() as session, session.begin():
        await set_tenant(session, tenant_id)
        job = await _locked(session, job_id)
        expected = isinstance(exc, JalurError)
        label = exc.code if isinstance(exc, JalurError) else type(exc).__name__
        job.error = f"{label}: {exc}"[:2000]
        if expected or job.attempts >= job.max_attempts:
            job.status, job.finished_at = JobStatus.FAILED, datetime.now(UTC)
        else:
            job.status = JobStatus.QUEUED
        return job.status


async def _locked(session: AsyncSession, job_id: uuid.UUID) -> Job:
    return (
        await session.execute(select(Job).where(Job.id == job_id).with_for_update())
    ).scalar_one()


def _announce(redis: Redis | None, job_id: uuid.UUID, status: JobStatus) -> None:
    """Tell subscribers (pub/sub) that a job changed; losing this message only delays a client."""
    if redis is None:
        return
    try:
        redis.publish(
            f"{ANNOUNCE_PREFIX}{job_id}", json.dumps({"id": str(job_id), "status": status.value})
        )
    except Exception:  # pub/sub is a courtesy; the row is the truth
        log.warning("could not publish the status of job %s", job_id, exc_info=True)
