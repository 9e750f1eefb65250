"""DataLoaders and the `node(id:)` registry: every relation and every global-id fetch is batched."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.api.context import Context
from backend.auth.principal import Principal

M = TypeVar("M")
Fetch = Callable[[AsyncSession, Principal, Sequence[uuid.UUID]], Awaitable[Sequence[Any]]]

# type name → (fetch scoped rows by ids, map a row to its GraphQL object)
NODE_TYPES: dict[str, tuple[Fetch, Callable[[Any], Any]]] = {}


def register_node(type_name: str, fetch: Fetch, to_node: Callable[[Any], Any]) -> None:
    """Make `type_name` reachable through `node(id:)` with the given scoped fetch."""
    NODE_TYPES[type_name] = (fetch, to_node)


def by_id_loader(context: Context, name: str, fetch: Fetch) -> DataLoader[uuid.UUID, Any]:
    """The request's loader of rows by primary key, scoped to the principal; misses are None."""

    async def load(ids: list[uuid.UUID]) -> list[Any]:
        principal = await context.principal()
        rows = await fetch(context.session, principal, ids)
        found = {row.id: row for row in rows}
        return [found.get(i) for i in ids]

    return context.loader(name, lambda: DataLoader(load_fn=load))


async def load_node(context: Context, type_name: str, local_id: uuid.UUID) -> Any | None:
    """Fetch one node by type and id through its loader, or None when unseen or unknown."""
    entry = NODE_TYPES.get(type_name)
    if entry is None:
        return None
    fetch, to_node = entry
    row = await by_id_loader(context, f"node:{type_name}", fetch).load(local_id)
    return None if row is None else to_node(row)
