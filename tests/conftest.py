"""Shared fixtures: the test database built by the migrations, each test rolled back, real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

import backend.secondary.ordering  # noqa: F401  (registers the field capture hook, as the API does)
from backend.kit.db import SerializedAsyncSession
from backend.kit.migrations import downgrade, upgrade
from backend.kit.settings import Settings, get_settings
from tests.factories.scenarios import TenantWorld, make_tenant_world
from tests.support.committed import committing_sessionmaker, purge_tenant
from tests.support.graphql_client import GraphQLClient


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings of the test run (test database and Redis)."""
    return get_settings().model_copy(update={"environment": "test"})


MIGRATION_WALK: list[str] = []


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> str:
    """Build the test schema with the migrations: up, all the way down, and up again.

    The round trip runs every revision's downgrade on every test run; the schema the tests then
    use is the one `alembic upgrade head` builds from nothing.
    """
    owner_url = settings.test_database_owner_url
    for step, revision in (("upgrade", "head"), ("downgrade", "base"), ("upgrade", "head")):
        (upgrade if step == "upgrade" else downgrade)(owner_url, revision)
        MIGRATION_WALK.append(f"{step}:{revision}")
    return settings.test_database_url


@pytest.fixture(scope="session")
async def app_engine(migrated: str) -> AsyncIterator[AsyncEngine]:
    """An engine connecting as the application role (no superuser, no BYPASSRLS, not owner)."""
    engine = create_async_engine(migrated, pool_size=5, max_overflow=20)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(app_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose outer transaction is rolled back after the test."""
    async with app_engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions joined to the test's transaction: their commits are savepoints, undone at the end."""
    return async_sessionmaker(
        bind=connection,
        class_=SerializedAsyncSession,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session inside the test's transaction."""
    async with sessionmaker() as s:
        yield s


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    """The test Redis database, emptied before each test."""
    client = Redis.from_url(settings.test_redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def committed_engine_url(migrated: str) -> str:
    """URL for tests that need real commits on separate connections (they clean up after)."""
    return migrated


@pytest.fixture
async def committing_engine(committed_engine_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine with no pooling, for concurrency tests that commit."""
    engine = create_async_engine(committed_engine_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> AsyncIterator[GraphQLClient]:
    """An HTTP client for the API, its database work inside the test's transaction."""
    import httpx

    from backend.api.app import create_app

    app = create_app(settings)
    app.state.sessionmaker = sessionmaker
    app.state.redis = redis
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)


@pytest.fixture
async def committed_world(
    committing_engine: AsyncEngine, settings: Settings
) -> AsyncIterator[TenantWorld]:
    """A complete tenant committed for real (for concurrency tests), purged afterwards."""
    async with committing_sessionmaker(committing_engine)() as session, session.begin():
        world = await make_tenant_world(session, settings)
    yield world
    await purge_tenant(settings.test_database_owner_url, world.tenant.id)


@pytest.fixture
async def real_client(
    committing_engine: AsyncEngine, settings: Settings, redis: Redis
) -> AsyncIterator[GraphQLClient]:
    """An HTTP client whose requests each use their own connection and really commit."""
    import httpx

    from backend.api.app import create_app

    app = create_app(settings)
    app.state.sessionmaker = committing_sessionmaker(committing_engine)
    app.state.redis = redis
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        yield GraphQLClient(http)
