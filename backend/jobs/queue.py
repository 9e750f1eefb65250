"""The RQ side of jobs: pushing a recorded job, and the relay that pushes what was missed."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence

from redis import Redis
from rq import Queue, Retry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.identity.repository import all_tenants
from backend.jobs.service import jobs_to_relay, mark_enqueued
from backend.kit.db import set_tenant

log = logging.getLogger(__name__)
QUEUE_NAME = "default"
RUNNER = "backend.jobs.runner.run_job"


def job_queue(redis_url: str, name: str = QUEUE_NAME) -> Queue:
    """The RQ queue jobs are pushed to."""
    return Queue(name, connection=Redis.from_url(redis_url))


def push(queue: Queue, job_id: uuid.UUID, tenant_id: uuid.UUID, *, max_attempts: int = 3) -> None:
    """Hand one recorded job to the workers (pushing twice is harmless: the runner checks status)."""
    queue.enqueue_call(
        RUNNER,
        args=(str(job_id), str(tenant_id)),
        job_id=f"jalur-{job_id}",
        retry=Retry(max=max_attempts - 1) if max_attempts > 1 else None,
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
    )


async def push_committed(
    queue: Queue,
    sessionmaker: async_sessionmaker[AsyncSession],
    jobs: Sequence[tuple[uuid.UUID, uuid.UUID]],
) -> None:
    """Push jobs whose transaction committed; on a Redis failure leave them to the relay."""
    try:
        await asyncio.to_thread(_push_all, queue, jobs)
    except Exception:  # Redis down or slow: the row is committed, the relay will push it
        log.warning("could not push %d job(s); the relay will", len(jobs), exc_info=True)
        return
    for tenant_id in {tenant for _, tenant in jobs}:
        async with sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            await mark_enqueued(session, [job_id for job_id, tenant in jobs if tenant == tenant_id])


def _push_all(queue: Queue, jobs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
    for job_id, tenant_id in jobs:
        push(queue, job_id, tenant_id)


async def relay(queue: Queue, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Push every tenant's queued jobs that were never pushed (or were lost); return how many."""
    async with sessionmaker() as session, session.begin():
        tenants = await all_tenants(session)
    pushed = 0
    for tenant_id, _code in tenants:
        async with sessionmaker() as session, session.begin():
            await set_tenant(session, tenant_id)
            jobs = await jobs_to_relay(session)
            for job in jobs:
                push(queue, job.id, tenant_id, max_attempts=job.max_attempts - job.attempts)
            if jobs:
                await mark_enqueued(session, [job.id for job in jobs])
            pushed += len(jobs)
    return pushed
