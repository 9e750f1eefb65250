"""What each job kind runs. Domains register their handlers at import time."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.errors import ValidationFailed

Handler = Callable[[AsyncSession, uuid.UUID, dict[str, Any]], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register `fn(session, tenant_id, payload) -> result` as the handler of `kind`."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def require_handler(kind: str) -> Handler:
    """The handler of `kind`, or a field error naming the unknown kind."""
    try:
        return HANDLERS[kind]
    except KeyError as exc:
        raise ValidationFailed(f"unknown job kind {kind!r}", field="kind") from exc


@job_handler("ping")
async def ping(
    session: AsyncSession, tenant_id: uuid.UUID, payload: dict[str, Any]
) -> dict[str, Any]:
    """A job that proves the pipeline end to end: it echoes its payload."""
    return {"pong": payload}
