"""GraphQL types, inputs and resolvers of the territory hierarchy."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from backend.api.context import Context
from backend.api.loaders import by_id_loader, register_node
from backend.api.mutations import run_mutation
from backend.api.types import (
    Connection,
    Node,
    UserError,
    connection_page,
)
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.territories import service
from backend.territories.models import Territory, TerritoryLevel
from backend.territories.repository import boundaries_geojson, territories_by_ids, territories_query

TerritoryLevelEnum = strawberry.enum(
    TerritoryLevel, description="Level of a hierarchy node: COUNTRY › REGION › AREA › TERRITORY."
)


@strawberry.type(name="Territory", description="A node of the sales hierarchy, with its boundary.")
class TerritoryNode(Node):
    code: str = strawberry.field(
        description="The tenant's code for the node, unique in the tenant."
    )
    name: str = strawberry.field(description="Display name.")
    level: TerritoryLevel = strawberry.field(description="Level in the hierarchy.")
    created_at: datetime = strawberry.field(description="When the node was created (UTC).")
    parent_id: strawberry.Private[uuid.UUID | None]
    local_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Boundary as a GeoJSON MultiPolygon.")
    async def boundary(self, info: strawberry.Info[Context, None]) -> JSON | None:
        row = await by_id_loader(info.context, "territory_boundary", boundaries_geojson).load(
            self.local_id
        )
        return None if row is None or row.geojson is None else cast(JSON, json.loads(row.geojson))

    @strawberry.field(description="The parent node; null for a COUNTRY.")
    async def parent(self, info: strawberry.Info[Context, None]) -> TerritoryNode | None:
        if self.parent_id is None:
            return None
        row = await territory_loader(info.context).load(self.parent_id)
        return None if row is None else territory_node(row)


def territory_node(row: Territory) -> TerritoryNode:
    """Map a row to its GraphQL object."""
    return TerritoryNode(
        id=strawberry.ID(encode_global_id("Territory", row.id)),
        code=row.code,
        name=row.name,
        level=row.level,
        created_at=row.created_at,
        parent_id=row.parent_id,
        local_id=row.id,
    )


def territory_loader(context: Context) -> Any:
    """The request's territory-by-id loader."""
    return by_id_loader(context, "territory", territories_by_ids)


register_node("Territory", territories_by_ids, territory_node)


@strawberry.input(description="A territory node to create.")
class CreateTerritoryInput:
    code: str = strawberry.field(description="Unique code in the tenant.")
    name: str = strawberry.field(description="Display name.")
    level: TerritoryLevel = strawberry.field(description="Level; must be one below the parent's.")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="Parent node id.")
    boundary: JSON | None = strawberry.field(default=None, description="GeoJSON (Multi)Polygon.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Client-generated key: a retry with it returns the first result."
    )


@strawberry.input(description="Changes to a territory node; omitted fields stay as they are.")
class UpdateTerritoryInput:
    id: strawberry.ID = strawberry.field(description="The node to change.")
    name: str | None = strawberry.field(default=None, description="New display name.")
    boundary: JSON | None = strawberry.field(default=None, description="New GeoJSON boundary.")


@strawberry.type(description="Result of createTerritory / updateTerritory.")
class TerritoryPayload:
    territory: TerritoryNode | None = strawberry.field(description="The node, when it was saved.")
    errors: list[UserError] = strawberry.field(
        description="Why it was not saved; empty on success."
    )


@strawberry.type
class TerritoryQuery:
    @strawberry.field(description="Territory nodes, by code; filter by parent or level.")
    async def territories(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to start after.")
        ] = None,
        parent_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Parent.")
        ] = None,
        level: Annotated[TerritoryLevel | None, strawberry.argument(description="Level.")] = None,
    ) -> Connection[TerritoryNode]:
        context = info.context
        await context.principal()
        parent = decode_typed_id(parent_id, "Territory", field="parentId") if parent_id else None
        stmt = territories_query(parent_id=parent, level=level)
        return await connection_page(
            context,
            stmt,
            sort_column=Territory.code,
            first=first,
            after=after,
            to_node=territory_node,
        )


@strawberry.type
class TerritoryMutation:
    @strawberry.mutation(description="Create a territory node (ADMIN).")
    async def create_territory(
        self, info: strawberry.Info[Context, None], input: CreateTerritoryInput
    ) -> TerritoryPayload:
        async def work(principal: Any) -> Territory:
            parent = (
                decode_typed_id(input.parent_id, "Territory", field="input.parentId")
                if input.parent_id
                else None
            )
            draft = service.TerritoryDraft(
                code=input.code,
                name=input.name,
                level=input.level,
                parent_id=parent,
                boundary=cast(dict[str, Any] | None, input.boundary),
            )
            return await service.create_territory(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return TerritoryPayload(territory=territory_node(row) if row else None, errors=errors)

    @strawberry.mutation(description="Rename a territory node or replace its boundary (ADMIN).")
    async def update_territory(
        self, info: strawberry.Info[Context, None], input: UpdateTerritoryInput
    ) -> TerritoryPayload:
        async def work(principal: Any) -> Territory:
            territory_id = decode_typed_id(input.id, "Territory", field="input.id")
            return await service.update_territory(
                info.context.session,
                principal=principal,
                territory_id=territory_id,
                name=input.name,
                boundary=cast(dict[str, Any] | None, input.boundary),
            )

        row, errors = await run_mutation(info.context, work)
        return TerritoryPayload(territory=territory_node(row) if row else None, errors=errors)
