"""The database the migrations build is the one the models describe, and it enforces tenancy."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from backend.kit.settings import Settings
from backend.models import metadata
from tests.conftest import MIGRATION_WALK


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "include_object": alembic_helpers.include_object,
            "compare_type": True,
            "compare_server_default": True,
        },
    )
    return list(compare_metadata(context, metadata))


async def test_models_and_migrations_agree(migrated: str, settings: Settings) -> None:
    engine = create_async_engine(settings.test_database_owner_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    await engine.dispose()

    assert diff == []


def test_every_revision_was_walked_down_and_up_this_run(migrated: str) -> None:
    assert MIGRATION_WALK == ["upgrade:head", "downgrade:base", "upgrade:head"]


async def test_every_tenant_table_forces_row_level_security_with_a_policy(
    session: AsyncSession,
) -> None:
    rows = (
        await session.execute(
            text(
                """
                SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r'
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                              AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                ORDER BY c.relname
                """
            )
        )
    ).all()

    assert len(rows) >= 6
    assert [
        r.relname
        for r in rows
        if not (r.relrowsecurity and r.relforcerowsecurity and r.policies >= 1)
    ] == []


async def test_tenant_registry_has_row_level_security(session: AsyncSession) -> None:
    enabled = (
        await session.execute(text("SELECT relrowsecurity FROM pg_class WHERE relname = 'tenant'"))
    ).scalar_one()

    assert enabled is True


async def test_the_application_role_cannot_bypass_row_level_security(
    app_engine: AsyncEngine,
) -> None:
    async with app_engine.connect() as connection:
        role = (
            await connection.execute(
                text(
                    "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
                )
            )
        ).one()
        owned = (
            await connection.execute(
                text(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
                )
            )
        ).scalar_one()

    assert role.rolsuper is False
    assert role.rolbypassrls is False
    assert owned == 0
