"""What each job kind runs. Domains register their handlers at import time.

`HANDLER_MODULES` is the one list of modules holding `@job_handler`s (a test checks it against
the source); `load_handlers` imports them. The worker calls it once before forking, the runner
before each job, and `require_handler` on a kind it does not know yet (a command line submitting
a job).
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.kit.errors import ValidationFailed

Handler = Callable[[AsyncSession, uuid.UUID, dict[str, Any]], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {}
# Every module whose import registers handlers (besides this one).
HANDLER_MODULES = (
    "backend.offtake.derive",
    "backend.planning.jobs",
    "backend.ranking.jobs",
)


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register `fn(session, tenant_id, payload) -> result` as the handler of `kind`."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def load_handlers() -> None:
    """Import every handler module, registering every job kind (idempotent)."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def require_handler(kind: str) -> Handler:
    """The handler of `kind`, or a field error naming the unknown kind."""
    if kind not in HANDLERS:
        load_handlers()
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
