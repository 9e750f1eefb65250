"""Twelve weeks of history (the demo's) are enough to train; the requirement is `ml`'s own."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.jobs.models import Job, JobStatus
from backend.jobs.runner import execute_job
from backend.jobs.service import submit_job
from backend.kit.db import set_tenant
from backend.kit.settings import Settings
from backend.ranking.models import RankingModel, RetailerScore
from tests.factories.ranking import HISTORY_START, make_ranking_world

TWELVE_WEEKS = 84


async def test_twelve_weeks_train_activate_and_score(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, settings: Settings
) -> None:
    world = await make_ranking_world(session, settings, days=TWELVE_WEEKS)
    await session.commit()
    as_of = HISTORY_START + timedelta(days=TWELVE_WEEKS)
    async with sessionmaker() as s, s.begin():
        await set_tenant(s, world.tenant.id)
        job = await submit_job(
            s, tenant_id=world.tenant.id, kind="train_model", payload={"as_of": as_of.isoformat()}
        )

    result = await execute_job(sessionmaker, job.id, world.tenant.id)

    async with sessionmaker() as s, s.begin():
        await set_tenant(s, world.tenant.id)
        done = (await s.execute(select(Job).where(Job.id == job.id))).scalar_one()
        model = (await s.execute(select(RankingModel))).scalar_one()
        scored = (
            await s.execute(
                select(func.count()).select_from(RetailerScore).where(RetailerScore.as_of == as_of)
            )
        ).scalar_one()
    assert done.status is JobStatus.SUCCEEDED and result is not None
    assert model.is_active and result["selected"] == model.selected
    # Weekly rolling origins: the newest horizon ends on the last day of history.
    cutoffs = [date.fromisoformat(c) for c in model.metrics["cutoffs"]]
    assert len(cutoffs) == 3
    assert [b - a for a, b in pairwise(cutoffs)] == [timedelta(days=7)] * 2
    assert cutoffs[-1] + timedelta(days=28) == as_of
    assert model.card["feature_spec"]["short_history"] is True
    assert scored == len(world.on_beat) + 1 == result["retailers_scored"]
