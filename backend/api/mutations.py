"""The one place that turns a service call into a mutation payload's object and errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from backend.api.context import Context
from backend.api.types import UserError, user_errors
from backend.auth.principal import Principal
from backend.kit.constraints import translate_integrity_error
from backend.kit.errors import JalurError

T = TypeVar("T")


async def run_mutation(
    context: Context, work: Callable[[Principal], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Run `work` in a savepoint; an expected failure rolls it back and becomes payload errors."""
    try:
        principal = await context.principal()
        async with context.session.begin_nested():
            return await work(principal), []
    except IntegrityError as exc:
        translated = translate_integrity_error(exc)
        if translated is None:
            raise
        return None, user_errors(translated)
    except JalurError as exc:
        return None, user_errors(exc)
