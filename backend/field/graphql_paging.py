"""One keyset page of a scoped statement as a GraphQL connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import QueryableAttribute

from backend.api.context import Context
from backend.api.types import Connection, connection_page

N = TypeVar("N")
First = Annotated[int, strawberry.argument(description="Page size, 1 to 100.")]
After = Annotated[str | None, strawberry.argument(description="Cursor to start after.")]


async def page(
    info: strawberry.Info[Context, None],
    stmt: Select[Any],
    sort: ColumnElement[str] | QueryableAttribute[str],
    first: int,
    after: str | None,
    key: Callable[[Any], str],
    to_node: Callable[[Any], N],
) -> Connection[N]:
    """Fetch the page after the cursor, ordered by a unique text key (an expression: `key` reads it)."""
    return await connection_page(
        info.context, stmt, sort_column=sort, first=first, after=after, to_node=to_node, key=key
    )
