"""For tests that need real commits on several connections: build a tenant, then purge it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.kit.db import SerializedAsyncSession, set_tenant
from backend.models import metadata


def committing_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that really commit (each on its own connection)."""
    return async_sessionmaker(
        engine, class_=SerializedAsyncSession, expire_on_commit=False, autoflush=False
    )


async def purge_tenant(engine: AsyncEngine, tenant_id: uuid.UUID) -> None:
    """Delete every row of one tenant, children first."""
    async with committing_sessionmaker(engine)() as session, session.begin():
        await set_tenant(session, tenant_id)
        for table in reversed(metadata.sorted_tables):
            if table.name == "tenant":
                continue
            if "tenant_id" in table.c:
                await session.execute(table.delete())
        await session.execute(text("DELETE FROM tenant WHERE id = :id"), {"id": tenant_id})


@asynccontextmanager
async def committed_tenant(engine: AsyncEngine, tenant_id: uuid.UUID) -> AsyncIterator[None]:
    """Purge the tenant when the block ends, however it ends."""
    try:
        yield
    finally:
        await purge_tenant(engine, tenant_id)
