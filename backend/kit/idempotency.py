"""Idempotent creates: a client key maps to the first result, whatever the retries.

The key row is inserted in the same transaction as the object it creates. A concurrent retry
blocks on the key's unique index until the first transaction ends, then reads its result; a
rolled-back attempt leaves no key, so the retry simply does the work.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import DateTime, ForeignKey, String, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base
from backend.kit.errors import IdempotencyConflict, ValidationFailed

T = TypeVar("T")
MAX_KEY_LENGTH = 100


class IdempotencyKey(Base):
    """A client-supplied key, the operation it was used for, and the object it produced."""

    __tablename__ = "idempotency_key"

    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tenant.id", ondelete="RESTRICT"), primary_key=True
    )
    operation: Mapped[str] = mapped_column(String(80), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    result_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


def request_fingerprint(payload: Any) -> str:
    """Hash an input canonically (sorted keys, decimals and dates as strings)."""
    blob = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


async def run_once(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID | None,
    key: str | None,
    operation: str,
    payload: Any,
    create: Callable[[], Awaitable[uuid.UUID]],
) -> tuple[uuid.UUID, bool]:
    """Run `create` once per key; return the result id and whether this call created it."""
    if key is None:
        return await create(), True
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"idempotency key must be 1 to {MAX_KEY_LENGTH} characters", field="idempotencyKey"
        )
    fingerprint = request_fingerprint(payload)
    inserted = await session.execute(
        insert(IdempotencyKey)
        .values(
            key=key,
            tenant_id=tenant_id,
            operation=operation,
            request_hash=fingerprint,
            user_id=user_id,
        )
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    if inserted.first() is None:
        existing = (
            await session.execute(
                select(IdempotencyKey).where(
                    IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == key
                )
            )
        ).scalar_one()
        if existing.operation != operation or existing.request_hash != fingerprint:
            raise IdempotencyConflict(
                "this idempotency key was already used with a different input",
                field="idempotencyKey",
            )
        assert existing.result_id is not None
        return existing.result_id, False
    result_id = await create()
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == key)
        .values(result_id=result_id)
    )
    return result_id, True


class _HasId(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


RowT = TypeVar("RowT")


async def run_once_row(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID | None,
    key: str | None,
    operation: str,
    payload: Any,
    work: Callable[[], Awaitable[_HasId]],
    load: Callable[[uuid.UUID], Awaitable[RowT]],
) -> RowT:
    """`run_once` for work that produces a row: returns the row through `load` (on a retry, the
    row the first call produced)."""

    async def create() -> uuid.UUID:
        return (await work()).id

    row_id, _ = await run_once(
        session,
        tenant_id=tenant_id,
        user_id=user_id,
        key=key,
        operation=operation,
        payload=payload,
        create=create,
    )
    return await load(row_id)
