"""Keyset pagination over one unique sort column: constant cost per page, however deep."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute


async def keyset_page(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    sort_column: ColumnElement[Any] | QueryableAttribute[Any],
    first: int,
    after: str | None,
) -> tuple[list[Any], Callable[[], Awaitable[int]]]:
    """Fetch `first + 1` rows after the cursor value; return them and a lazy total counter."""
    page_stmt = stmt.order_by(sort_column).limit(first + 1)
    if after is not None:
        page_stmt = page_stmt.where(sort_column > after)
    rows = list((await session.execute(page_stmt)).scalars().all())

    async def count() -> int:
        total = await session.execute(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
        return int(total.scalar_one())

    return rows, count
