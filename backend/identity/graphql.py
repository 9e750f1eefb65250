"""GraphQL types, queries and mutations of the tenant and its users."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.mutations import run_mutation
from backend.api.types import (
    Connection,
    Node,
    UserError,
    connection_page,
)
from backend.auth.principal import Principal
from backend.identity import service
from backend.identity.models import Role, Tenant, User
from backend.identity.repository import current_tenant, users_by_ids, users_query
from backend.kit.errors import NotFound
from backend.kit.ids import decode_typed_id, encode_global_id

if TYPE_CHECKING:
    from backend.parties.graphql_types import DistributorNode
    from backend.territories.graphql import TerritoryNode

RoleEnum = strawberry.enum(Role, description="ADMIN (brand HQ), MANAGER, REP or DISTRIBUTOR.")


@strawberry.type(name="Tenant", description="The brand company you are signed in to.")
class TenantNode:
    code: str = strawberry.field(description="The tenant's code.")
    name: str = strawberry.field(description="Company name.")
    country: str = strawberry.field(description="ISO 3166 alpha-2 country.")
    currency: str = strawberry.field(description="ISO 4217 currency of every amount.")
    timezone: str = strawberry.field(description="IANA time zone of business dates.")
    tax_regime: str = strawberry.field(description="Tax rules applied: ID_PPN or IN_GST.")


@strawberry.type(name="User", description="A person who signs in, with a role and a scope.")
class UserNode(Node):
    username: str = strawberry.field(description="Sign-in name, unique in the tenant.")
    display_name: str = strawberry.field(description="Name to show.")
    role: Role = strawberry.field(description="Role.")
    is_active: bool = strawberry.field(description="Whether the user may sign in.")
    created_at: datetime = strawberry.field(description="When the user was created (UTC).")
    territory_id: strawberry.Private[uuid.UUID | None]
    distributor_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The territory a MANAGER or REP works in.")
    async def territory(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[TerritoryNode, strawberry.lazy("backend.territories.graphql")] | None:
        from backend.territories.graphql import territory_loader, territory_node

        if self.territory_id is None:
            return None
        row = await territory_loader(info.context).load(self.territory_id)
        return None if row is None else territory_node(row)

    @strawberry.field(description="The distributor a DISTRIBUTOR user acts for.")
    async def distributor(
        self, info: strawberry.Info[Context, None]
    ) -> Annotated[DistributorNode, strawberry.lazy("backend.parties.graphql_types")] | None:
        from backend.parties.graphql_types import distributor_loader, distributor_node

        if self.distributor_id is None:
            return None
        row = await distributor_loader(info.context).load(self.distributor_id)
        return None if row is None else distributor_node(row)


def user_node(row: User) -> UserNode:
    """Map a row to its GraphQL object."""
    return UserNode(
        id=strawberry.ID(encode_global_id("User", row.id)),
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        is_active=row.is_active,
        created_at=row.created_at,
        territory_id=row.territory_id,
        distributor_id=row.distributor_id,
    )


def tenant_node(row: Tenant) -> TenantNode:
    """Map a row to its GraphQL object."""
    return TenantNode(
        code=row.code,
        name=row.name,
        country=row.country,
        currency=row.currency,
        timezone=row.timezone,
        tax_regime=row.tax_regime,
    )


register_node("User", users_by_ids, user_node)


@strawberry.input(description="A person to give access to.")
class CreateUserInput:
    username: str = strawberry.field(description="Sign-in name, unique in the tenant.")
    display_name: str = strawberry.field(description="Name to show.")
    role: Role = strawberry.field(description="Role.")
    territory_id: strawberry.ID | None = strawberry.field(
        default=None, description="For MANAGER/REP."
    )
    distributor_id: strawberry.ID | None = strawberry.field(
        default=None, description="For DISTRIBUTOR."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Client-generated key: a retry with it returns the first result."
    )


@strawberry.type(description="Result of createUser.")
class UserPayload:
    user: UserNode | None = strawberry.field(description="The user, when saved.")
    errors: list[UserError] = strawberry.field(
        description="Why it was not saved; empty on success."
    )


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="You: the signed-in user.")
    async def me(self, info: strawberry.Info[Context, None]) -> UserNode:
        principal = await info.context.principal()
        rows = await users_by_ids(info.context.session, principal, [principal.user_id])
        if not rows:
            raise NotFound("no such user")
        return user_node(rows[0])

    @strawberry.field(description="The tenant you are signed in to.")
    async def tenant(self, info: strawberry.Info[Context, None]) -> TenantNode:
        await info.context.principal()
        row = await current_tenant(info.context.session)
        if row is None:
            raise NotFound("no such tenant")
        return tenant_node(row)

    @strawberry.field(description="Users you may see, by username.")
    async def users(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to start after.")
        ] = None,
        role: Annotated[Role | None, strawberry.argument(description="Only this role.")] = None,
    ) -> Connection[UserNode]:
        context = info.context
        principal = await context.principal()
        return await connection_page(
            context,
            users_query(principal, role),
            sort_column=User.username,
            first=first,
            after=after,
            to_node=user_node,
        )


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Give a person access with a role and its scope (ADMIN).")
    async def create_user(
        self, info: strawberry.Info[Context, None], input: CreateUserInput
    ) -> UserPayload:
        async def work(principal: Principal) -> User:
            draft = service.UserDraft(
                username=input.username,
                display_name=input.display_name,
                role=input.role,
                territory_id=_opt_id(input.territory_id, "Territory", "input.territoryId"),
                distributor_id=_opt_id(input.distributor_id, "Distributor", "input.distributorId"),
            )
            return await service.create_user(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return UserPayload(user=user_node(row) if row else None, errors=errors)


def _opt_id(value: strawberry.ID | None, type_name: str, field: str) -> Any:
    return decode_typed_id(value, type_name, field=field) if value is not None else None
