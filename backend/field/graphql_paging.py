"""One keyset page of a scoped statement as a GraphQL connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import QueryableAttribute

from backend.api.context import Context
from backend.api.types import Connection, build_connection, check_page_size, decode_cursor
from backend.kit.pagination import keyset_page

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
    """Fetch the page after the cursor, ordered by a unique text key."""
    context = info.context
    check_page_size(first, maximum=context.settings.graphql.max_page_size)
    rows, count = await keyset_page(
        context.session,
        stmt,
        sort_column=sort,
        first=first,
        after=decode_cursor(after) if after else None,
    )
    return build_connection(
        rows, first=first, had_cursor=after is not None, key=key, to_node=to_node, count=count
    )
