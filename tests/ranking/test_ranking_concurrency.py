"""Two scoring runs for the same date at once: the second waits for the first, then replaces it."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.jobs.runner import execute_job
from backend.jobs.service import submit_job
from backend.kit.db import set_tenant
from backend.ranking.export import export_tables
from backend.ranking.models import RetailerScore
from backend.ranking.service import active_model, load_artefact_of, score_into_table
from tests.factories.ranking import RankingWorld
from tests.support.committed import committing_sessionmaker

ON = date(2026, 11, 2)


async def _score(session: AsyncSession, world: RankingWorld) -> int:
    await set_tenant(session, world.tenant.id)
    model = await active_model(session, with_artefact=True)
    export = await export_tables(session, before=ON)
    return await score_into_table(
        session, world.tenant.id, model, load_artefact_of(model), export, ON
    )


async def test_a_second_run_for_a_date_waits_for_the_first_and_replaces_it(
    committed_ranking_world: RankingWorld, committing_engine: AsyncEngine
) -> None:
    world = committed_ranking_world
    sessions = committing_sessionmaker(committing_engine)
    async with sessions() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        job = await submit_job(
            session, tenant_id=world.tenant.id, kind="train_model", payload={"as_of": "2026-10-26"}
        )
    await execute_job(sessions, job.id, world.tenant.id)

    async with sessions() as first:
        async with first.begin():
            assert await _score(first, world) == 7  # written, not yet committed

            async def second_run() -> int:
                async with sessions() as second, second.begin():
                    return await _score(second, world)

            second = asyncio.create_task(second_run())
            await asyncio.sleep(3)  # the second run reaches its write and waits
            assert not second.done()
        assert await asyncio.wait_for(second, timeout=60) == 7

    async with sessions() as session, session.begin():
        await set_tenant(session, world.tenant.id)
        count = select(func.count()).select_from(RetailerScore)
        assert (await session.execute(count.where(RetailerScore.as_of == ON))).scalar_one() == 7
