"""Jobs: recorded in the request's transaction, pushed after commit, run once, retried, never half-written."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.catalog.models import Product
from backend.jobs.models import Job, JobStatus
from backend.jobs.queue import push_committed, relay
from backend.jobs.registry import HANDLERS, job_handler
from backend.jobs.runner import execute_job
from backend.jobs.service import pending_after_commit, submit_job
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from tests.factories.catalog import make_product
from tests.factories.scenarios import TenantWorld
from tests.support.committed import committing_sessionmaker


@job_handler("test_writes_then_fails")
async def writes_then_fails(
    session: AsyncSession, tenant_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    from backend.identity.models import Tenant

    tenant = (await session.execute(select(Tenant))).scalar_one()
    await make_product(session, tenant, sku=f"SKU-JOB-{payload['n']}")
    raise RuntimeError("the solver crashed")


@pytest.fixture
def queue(settings: Settings) -> Queue:
    connection = Redis.from_url(settings.test_redis_url)
    name = f"test-{uuid.uuid4().hex[:8]}"
    return Queue(name, connection=connection)


async def _submit(
    engine: AsyncEngine, world: TenantWorld, kind: str, payload: dict[str, Any], **kw: Any
) -> Job:
    async with committing_sessionmaker(engine)() as session:
        async with session.begin():
            await set_tenant(session, world.tenant.id)
            job = await submit_job(
                session, tenant_id=world.tenant.id, kind=kind, payload=payload, **kw
            )
        assert pending_after_commit(session) == [(job.id, world.tenant.id)]
    return job


async def _job(engine: AsyncEngine, world: TenantWorld, job_id: uuid.UUID) -> Job:
    async with committing_sessionmaker(engine)() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        return (await session.execute(select(Job).where(Job.id == job_id))).scalar_one()


async def run_worker_once(settings: Settings, queue: Queue) -> None:
    """Run `jalur worker --burst` as its own process against the test database and Redis."""
    env = {
        **os.environ,
        "JALUR_DATABASE_URL": settings.test_database_url,
        "JALUR_REDIS_URL": settings.test_redis_url,
    }
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("jalur")),
        "worker",
        "--queue",
        queue.name,
        "--burst",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, output.decode()


async def test_a_committed_job_is_pushed_and_run_by_a_real_worker(
    committed_world: TenantWorld, committing_engine: AsyncEngine, queue: Queue, settings: Settings
) -> None:
    job = await _submit(committing_engine, committed_world, "ping", {"hello": "jakarta"})

    await push_committed(
        queue, committing_sessionmaker(committing_engine), [(job.id, committed_world.tenant.id)]
    )
    assert queue.count == 1
    await run_worker_once(settings, queue)

    done = await _job(committing_engine, committed_world, job.id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.result == {"pong": {"hello": "jakarta"}}
    assert done.attempts == 1
    assert done.enqueued_at is not None and done.finished_at is not None


async def test_running_a_finished_job_again_does_nothing(
    committed_world: TenantWorld, committing_engine: AsyncEngine
) -> None:
    job = await _submit(committing_engine, committed_world, "ping", {"n": 1})
    sessions = committing_sessionmaker(committing_engine)

    first = await execute_job(sessions, job.id, committed_world.tenant.id)
    second = await execute_job(sessions, job.id, committed_world.tenant.id)

    assert first == {"pong": {"n": 1}}
    assert second is None
    assert (await _job(committing_engine, committed_world, job.id)).attempts == 1


async def test_a_failing_job_is_rolled_back_retried_and_then_failed(
    committed_world: TenantWorld, committing_engine: AsyncEngine
) -> None:
    job = await _submit(
        committing_engine, committed_world, "test_writes_then_fails", {"n": 7}, max_attempts=2
    )
    sessions = committing_sessionmaker(committing_engine)

    for expected in (JobStatus.QUEUED, JobStatus.FAILED):
        with pytest.raises(RuntimeError, match="the solver crashed"):
            await execute_job(sessions, job.id, committed_world.tenant.id)
        assert (await _job(committing_engine, committed_world, job.id)).status is expected

    failed = await _job(committing_engine, committed_world, job.id)
    assert (failed.attempts, failed.error) == (2, "RuntimeError: the solver crashed")
    async with sessions() as session, session.begin():
        await set_tenant(session, committed_world.tenant.id)
        written = await session.execute(
            select(func.count()).select_from(Product).where(Product.sku == "SKU-JOB-7")
        )
        assert written.scalar_one() == 0


async def test_the_relay_pushes_committed_jobs_that_never_reached_the_queue(
    committed_world: TenantWorld, committing_engine: AsyncEngine, queue: Queue
) -> None:
    job = await _submit(committing_engine, committed_world, "ping", {"lost": True})

    pushed = await relay(queue, committing_sessionmaker(committing_engine))

    assert pushed >= 1
    assert f"jalur-{job.id}" in queue.job_ids
    assert (await _job(committing_engine, committed_world, job.id)).enqueued_at is not None
    assert await relay(queue, committing_sessionmaker(committing_engine)) == 0


async def test_an_unknown_job_kind_is_a_field_error(session: AsyncSession) -> None:
    from backend.kit.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        await submit_job(session, tenant_id=uuid.uuid4(), kind="no_such_kind", payload={})

    assert refused.value.field == "kind"
    assert "ping" in HANDLERS


def test_the_handler_modules_list_every_module_with_a_job_handler() -> None:
    from pathlib import Path

    from backend.jobs.registry import HANDLER_MODULES, load_handlers

    root = Path(__file__).resolve().parents[2]
    found = {
        ".".join(path.relative_to(root).with_suffix("").parts)
        for path in (root / "backend").rglob("*.py")
        if "\n@job_handler(" in path.read_text(encoding="utf-8")
    }
    assert found - {"backend.jobs.registry"} == set(HANDLER_MODULES)
    load_handlers()
    assert {"ping", "planRepDay", "train_model", "score_retailers", "offtake.derive"} <= set(
        HANDLERS
    )
