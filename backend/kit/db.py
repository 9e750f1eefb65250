"""Database plumbing: the declarative base, engines, sessions and the per-transaction tenant.

Row-level security reads the tenant from the transaction-local setting `jalur.tenant_id`;
`set_tenant` sets it with `set_config(..., true)` so it ends with the transaction and can never
leak to the next user of a pooled connection.
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, bindparam, func, insert, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.schema import Table
from sqlalchemy.types import Uuid

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TENANT_SETTING = "jalur.tenant_id"


class Base(DeclarativeBase):
    """Declarative base with the naming convention every constraint follows."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """`created_at` / `updated_at`, timezone-aware, set by the database (and read back at once)."""

    __mapper_args__ = {"eager_defaults": True}

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


def new_id() -> uuid.UUID:
    """Return a fresh primary key."""
    return uuid.uuid4()


def uuid_pk() -> Mapped[uuid.UUID]:
    """A UUID primary key column generated in Python (so a client may supply it)."""
    return mapped_column(Uuid, primary_key=True, default=new_id)


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Create an async engine for `url`."""
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class SerializedAsyncSession(AsyncSession):
    """An AsyncSession whose statements never overlap.

    GraphQL resolves sibling fields concurrently (root fields, `totalCount`, DataLoader batches);
    an AsyncSession must not be used by concurrent tasks, so each database round trip takes a
    per-session lock. Batching is unaffected: a DataLoader still sends one query per batch.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._statement_lock = asyncio.Lock()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self._statement_lock:
            return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        async with self._statement_lock:
            return await super().scalar(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        async with self._statement_lock:
            return await super().scalars(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        async with self._statement_lock:
            return await super().get(*args, **kwargs)

    async def flush(self, objects: Any = None) -> None:
        async with self._statement_lock:
            await super().flush(objects)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Create the session factory; objects stay readable after commit."""
    return async_sessionmaker(
        engine, class_=SerializedAsyncSession, expire_on_commit=False, autoflush=False
    )


async def set_tenant(session: AsyncSession, tenant_id: uuid.UUID | None) -> None:
    """Scope the current transaction to one tenant (or to none, which sees nothing)."""
    value = "" if tenant_id is None else str(tenant_id)
    await session.execute(
        text("SELECT set_config(:k, :v, true)"), {"k": TENANT_SETTING, "v": value}
    )


def str_enum(enum_cls: type[enum.Enum], name: str, length: int = 20) -> Enum:
    """A VARCHAR column type with a CHECK listing the enum's values (no native PG enum to migrate)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        name=name,
        validate_strings=True,
        values_callable=lambda cls: [member.value for member in cls],
    )


BULK_ROWS = 20_000
BATCH_ROWS = 1_000


async def insert_batches(
    session: AsyncSession, model: type[Any], rows: list[dict[str, Any]], *, batch: int = BATCH_ROWS
) -> None:
    """Insert ORM rows `batch` at a time through `insert(model)` (an executemany per batch).

    Unlike `insert_rows`, Python-side column defaults run and any column type works (geometry,
    JSON); it costs a round trip per row, so keep it for thousands of rows, not millions.
    """
    for start in range(0, len(rows), batch):
        await session.execute(insert(model), rows[start : start + batch])


async def insert_rows(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], *, chunk: int = BULK_ROWS
) -> None:
    """Insert many rows with one `INSERT ... SELECT FROM unnest(arrays)` per `chunk` rows.

    One statement carries a column's values as one array parameter, so a bulk load costs a
    few round trips instead of one per row, and statement triggers (the ledger's balance,
    migration 0015) run once per chunk. Every row must have the first row's keys; columns left
    out take their server defaults (Python-side defaults do not run).

    The connection's cached plans are discarded first. Foreign-key checks run plans the
    connection prepared at their first use; a pooled connection that prepared them while the
    tables were nearly empty may hold a plan that finds the referenced row through any index
    led by `tenant_id`, i.e. by scanning the tenant's rows: harmless for one row, quadratic
    for a bulk load (the test suite's demo seed spent over ten minutes on journal entries).
    """
    if not rows:
        return
    await session.execute(text("DISCARD PLANS"))
    names = list(rows[0])
    dialect = postgresql.dialect()
    columns = [table.c[name] for name in names]
    casts = ", ".join(
        f"CAST(:c{i} AS {column.type.compile(dialect=dialect)}[])"
        for i, column in enumerate(columns)
    )
    statement = text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({casts})"
    ).bindparams(
        *(
            bindparam(f"c{i}", type_=postgresql.ARRAY(column.type))
            for i, column in enumerate(columns)
        )
    )
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        await session.execute(
            statement, {f"c{i}": [row[name] for row in part] for i, name in enumerate(names)}
        )


@asynccontextmanager
async def without_nested_loops(session: AsyncSession) -> AsyncIterator[None]:
    """Plan without nested loops inside the block (this transaction only), then as before.

    For steps that query rows loaded earlier in the same transaction: they have no planner
    statistics yet (autovacuum cannot see uncommitted rows), and PostgreSQL takes hundreds of
    thousands of rows for a few and nests loops over them; hash joins are right at that size.
    """
    before = (await session.execute(select(func.current_setting("enable_nestloop")))).scalar()
    await session.execute(select(func.set_config("enable_nestloop", "off", True)))
    try:
        yield
    finally:
        await session.execute(select(func.set_config("enable_nestloop", before, True)))
