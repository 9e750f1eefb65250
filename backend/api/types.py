"""GraphQL building blocks every domain uses: Node, connections, Money, GeoPoint, UserError."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Generic, TypeVar

import strawberry

from backend.kit.errors import InputErrors, JalurError, ValidationFailed

T = TypeVar("T")


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="The object's global id (opaque).")


@strawberry.type(description="An amount of money in a currency; the amount is a decimal string.")
class Money:
    amount: Decimal = strawberry.field(description="The amount, exact, as a decimal string.")
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. IDR.")


@strawberry.type(description="A point on the earth (WGS 84).")
class GeoPoint:
    latitude: float = strawberry.field(description="Latitude in degrees, −90 to 90.")
    longitude: float = strawberry.field(description="Longitude in degrees, −180 to 180.")


@strawberry.input(description="A point on the earth (WGS 84).")
class GeoPointInput:
    latitude: float = strawberry.field(description="Latitude in degrees, −90 to 90.")
    longitude: float = strawberry.field(description="Longitude in degrees, −180 to 180.")


@strawberry.type(
    description="An expected failure of a mutation: what went wrong and on which input field."
)
class UserError:
    code: str = strawberry.field(description="Machine-readable code, e.g. ALREADY_EXISTS.")
    field: str | None = strawberry.field(description="Input field path at fault, e.g. input.code.")
    message: str = strawberry.field(description="A sentence for a person.")


def user_errors(error: JalurError) -> list[UserError]:
    """Turn a domain error (or a group of them) into payload errors."""
    errors = error.flatten() if isinstance(error, InputErrors) else [error]
    return [UserError(code=e.code, field=e.field, message=e.message) for e in errors]


@strawberry.type(description="Where a page starts and ends, and whether more follows.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow the last one.")
    has_previous_page: bool = strawberry.field(description="Whether items precede the first one.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; pass as `after`."
    )


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items, keyset-paginated with `first` and `after`.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    count_fn: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match, across all pages.")
    async def total_count(self) -> int:
        return await self.count_fn()


def encode_cursor(value: str) -> str:
    """Make an opaque cursor from a sort key."""
    return base64.urlsafe_b64encode(f"k:{value}".encode()).decode()


def decode_cursor(cursor: str, *, field: str = "after") -> str:
    """Read a cursor made by `encode_cursor`, or raise a field error."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("not a valid cursor", field=field) from exc
    if not raw.startswith("k:"):
        raise ValidationFailed("not a valid cursor", field=field)
    return raw[2:]


def check_page_size(first: int, *, maximum: int) -> None:
    """Refuse a page size outside 1..maximum."""
    if not 1 <= first <= maximum:
        raise ValidationFailed(f"first must be between 1 and {maximum}", field="first")


def build_connection(
    items: list[Any],
    *,
    first: int,
    had_cursor: bool,
    key: Callable[[Any], str],
    to_node: Callable[[Any], T],
    count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """Assemble a connection from `first + 1` fetched rows."""
    page = items[:first]
    edges = [Edge(cursor=encode_cursor(key(item)), node=to_node(item)) for item in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(items) > first,
            has_previous_page=had_cursor,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_fn=count,
    )


async def connection_page(
    context: Any,
    stmt: Any,
    *,
    sort_column: Any,
    first: int,
    after: str | None,
    to_node: Callable[[Any], T],
    key: Callable[[Any], str] | None = None,
) -> Connection[T]:
    """One keyset page of `stmt` ordered by a unique column, as a connection.

    The cursor is the row's value of the sort column; give `key` when the sort is an expression
    rather than a mapped column.
    """
    from backend.kit.pagination import keyset_page

    check_page_size(first, maximum=context.settings.graphql.max_page_size)
    rows, count = await keyset_page(
        context.session,
        stmt,
        sort_column=sort_column,
        first=first,
        after=decode_cursor(after) if after else None,
    )
    return build_connection(
        rows,
        first=first,
        had_cursor=after is not None,
        key=key or _attribute_key(sort_column.key),
        to_node=to_node,
        count=count,
    )


def _attribute_key(name: str) -> Callable[[Any], str]:
    """Read a row's cursor value from the attribute the list is sorted by."""

    def read(row: Any) -> str:
        return str(getattr(row, name))

    return read
