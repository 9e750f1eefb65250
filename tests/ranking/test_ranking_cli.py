"""`jalur train` and `jalur score` as an operator runs them: in process, or through a worker."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from redis import Redis
from rq import Queue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.jobs.models import Job, JobStatus
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from backend.ranking.models import RankingModel, RetailerScore
from tests.factories.ranking import RankingWorld
from tests.support.committed import committing_sessionmaker


async def _jalur(settings: Settings, *args: str, status: int = 0) -> str:
    env = {
        **os.environ,
        "JALUR_DATABASE_URL": settings.test_database_url,
        "JALUR_REDIS_URL": settings.test_redis_url,
    }
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("jalur")),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == status, output.decode()
    return output.decode()


async def test_train_now_then_score_through_a_worker(
    committed_ranking_world: RankingWorld,
    committing_engine: AsyncEngine,
    settings: Settings,
) -> None:
    world = committed_ranking_world
    code = world.tenant.code
    early = await _jalur(settings, "score", "--tenant", code, "--now", status=1)
    assert f"{code}: score_retailers job " in early
    assert early.rstrip().endswith(
        "FAILED NO_ACTIVE_MODEL: no ranking model is active: run `jalur train` first"
    )

    trained = await _jalur(settings, "train", "--tenant", code, "--as-of", "2026-10-26", "--now")
    line = next(x for x in trained.splitlines() if x.startswith(f"{code}: train_model job "))
    assert " SUCCEEDED " in line
    result = json.loads(line.split(" SUCCEEDED ", 1)[1])
    assert (result["as_of"], result["retailers_scored"]) == ("2026-10-26", 7)

    Redis.from_url(settings.test_redis_url).flushdb()
    queued = await _jalur(settings, "score", "--tenant", code, "--date", "2026-11-02")
    assert f"{code}: score_retailers job " in queued and queued.rstrip().endswith("queued")
    assert Queue("default", connection=Redis.from_url(settings.test_redis_url)).count == 1
    await _jalur(settings, "worker", "--burst")

    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        failed, job = (
            await session.execute(
                select(Job).where(Job.kind == "score_retailers").order_by(Job.created_at)
            )
        ).scalars()
        model = (await session.execute(select(RankingModel))).scalar_one()
        scores = (
            await session.execute(
                select(RetailerScore.as_of, RetailerScore.model_id).order_by(RetailerScore.as_of)
            )
        ).all()
    assert (failed.status, failed.error) == (
        JobStatus.FAILED,
        "NO_ACTIVE_MODEL: no ranking model is active: run `jalur train` first",
    )
    assert job.status is JobStatus.SUCCEEDED and job.enqueued_at is not None
    assert job.result == {
        "model_id": str(model.id),
        "version": model.version,
        "as_of": "2026-11-02",
        "retailers_scored": 7,
    }
    assert sorted({(d.isoformat(), m) for d, m in scores}) == [
        ("2026-10-26", model.id),
        ("2026-11-02", model.id),
    ]
    assert len(scores) == 14


async def test_an_unknown_tenant_code_is_refused(settings: Settings, migrated: str) -> None:
    env = {**os.environ, "JALUR_DATABASE_URL": settings.test_database_url}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("jalur")),
        "train",
        "--tenant",
        "no-such-tenant",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 1
    assert "no tenant with code 'no-such-tenant'" in output.decode()
