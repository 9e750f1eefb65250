"""`jalur plan --date D` records one planRepDay job per rep and hands them to the workers."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date
from pathlib import Path

from redis import Redis as SyncRedis
from redis.asyncio import Redis
from rq import Queue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.identity.models import Role
from backend.jobs.models import Job, JobStatus
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from tests.factories.field import make_rep
from tests.factories.identity import make_user
from tests.factories.scenarios import TenantWorld
from tests.support.committed import committing_sessionmaker


async def test_plan_fans_out_one_queued_job_per_rep_of_the_tenant(
    committed_world: TenantWorld, committing_engine: AsyncEngine, settings: Settings, redis: Redis
) -> None:
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, committed_world.tenant.id)
        second_user = await make_user(
            session,
            committed_world.tenant,
            role=Role.REP,
            territory_id=committed_world.hierarchy.territories[1].id,
        )
        reps = [
            await make_rep(session, committed_world.tenant, committed_world.users[Role.REP]),
            await make_rep(session, committed_world.tenant, second_user),
        ]
    env = {
        **os.environ,
        "JALUR_DATABASE_URL": settings.test_database_url,
        "JALUR_REDIS_URL": settings.test_redis_url,
    }
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("jalur")),
        "plan",
        "--date",
        "2026-12-07",
        "--tenant",
        committed_world.tenant.code,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, output.decode()
    assert (
        f"{committed_world.tenant.code}: queued 2 planRepDay job(s) for 2026-12-07"
        in output.decode()
    )

    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, committed_world.tenant.id)
        jobs = (await session.execute(select(Job))).scalars().all()
    assert sorted(j.payload["repId"] for j in jobs) == sorted(str(r.id) for r in reps)
    assert {(j.kind, j.status, j.payload["date"], j.payload["trigger"]) for j in jobs} == {
        ("planRepDay", JobStatus.QUEUED, date(2026, 12, 7).isoformat(), "NIGHTLY")
    }
    assert all(j.enqueued_at is not None for j in jobs)  # pushed after the commit
    queue = Queue("default", connection=SyncRedis.from_url(settings.test_redis_url))
    assert sorted(queue.job_ids) == sorted(f"jalur-{j.id}" for j in jobs)
