"""`node(id:)` and `nodes(ids:)`: fetch any object by global id, within the principal's scope."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.api.context import Context
from backend.api.loaders import load_node
from backend.api.types import Node
from backend.kit.errors import LimitExceeded
from backend.kit.ids import decode_global_id

MAX_NODES = 100


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global id; null when it does not exist for you."
    )
    async def node(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        await info.context.principal()
        type_name, local_id = decode_global_id(id)
        return await load_node(info.context, type_name, local_id)

    @strawberry.field(
        description="Objects by global ids, in order; null where one does not exist for you."
    )
    async def nodes(
        self,
        info: strawberry.Info[Context, None],
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Up to 100 global ids.")
        ],
    ) -> list[Node | None]:
        await info.context.principal()
        if len(ids) > MAX_NODES:
            raise LimitExceeded(f"at most {MAX_NODES} ids", field="ids")
        decoded = [decode_global_id(i, field=f"ids[{n}]") for n, i in enumerate(ids)]
        return [await load_node(info.context, t, local) for t, local in decoded]
