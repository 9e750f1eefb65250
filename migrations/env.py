"""Alembic environment: runs migrations as the owner role over asyncpg."""

from __future__ import annotations

import asyncio

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from backend.kit.settings import get_settings
from backend.models import metadata

config = context.config


def _url() -> str:
    return str(config.attributes.get("url") or get_settings().database_owner_url)


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=metadata,
        include_object=alembic_helpers.include_object,
        render_item=alembic_helpers.render_item,
        compare_type=True,
        compare_server_default=True,
        literal_binds=connection is None,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


def run() -> None:
    """Run migrations online, or emit SQL offline (`alembic upgrade --sql`)."""
    if context.is_offline_mode():
        _configure(url=_url())
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
    else:
        asyncio.run(_run_async())


run()
