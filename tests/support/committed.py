"""For tests that need real commits on several connections: build a tenant, then purge it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from backend.kit.db import SerializedAsyncSession, set_tenant
from backend.models import metadata

T = TypeVar("T")


def committing_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that really commit (each on its own connection)."""
    return async_sessionmaker(
        engine, class_=SerializedAsyncSession, expire_on_commit=False, autoflush=False
    )


async def purge_tenant(owner_url: str, tenant_id: uuid.UUID) -> None:
    """Delete every row of one committed test tenant, children first.

    Runs as the owner role: ledger and movement tables are append-only for the application role.
    """
    engine = create_async_engine(owner_url, poolclass=NullPool)
    try:
        async with committing_sessionmaker(engine)() as session, session.begin():
            await set_tenant(session, tenant_id)
            for table in reversed(metadata.sorted_tables):
                if table.name != "tenant" and "tenant_id" in table.c:
                    await session.execute(table.delete())
            await session.execute(text("DELETE FROM tenant WHERE id = :id"), {"id": tenant_id})
    finally:
        await engine.dispose()


@asynccontextmanager
async def concurrent_sessions(
    url: str, *, connections: int = 8
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a pool of `connections` real connections (work queues for a free one)."""
    engine = create_async_engine(url, pool_size=connections, max_overflow=0, pool_timeout=300)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    finally:
        await engine.dispose()


async def in_tenant(
    maker: async_sessionmaker[AsyncSession],
    tenant_id: uuid.UUID,
    work: Callable[[AsyncSession], Awaitable[T]],
) -> T:
    """Run `work` in one committed transaction scoped to the tenant."""
    async with maker() as session, session.begin():
        await set_tenant(session, tenant_id)
        return await work(session)
