"""Fixtures of the ranking tests: a small tenant with months of orders, committed for real."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.kit.settings import Settings
from tests.factories.ranking import RankingWorld, make_ranking_world
from tests.support.committed import committing_sessionmaker, purge_tenant


@pytest.fixture
async def committed_ranking_world(
    committing_engine: AsyncEngine, settings: Settings
) -> AsyncIterator[RankingWorld]:
    """Six outlets on a beat and one off it, with eight months of orders; purged afterwards."""
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        world = await make_ranking_world(session, settings, outlets=6)
    yield world
    await purge_tenant(settings.test_database_owner_url, world.tenant.id)
