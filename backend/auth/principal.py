"""The acting principal and the rows it may see.

Scoping is expressed as SQL conditions that repositories add to their queries, so a principal
can reach only its rows through every path: lists, `node(id:)`, DataLoaders and writes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from backend.auth.tokens import TokenClaims
from backend.identity.models import Role, User
from backend.kit.errors import PermissionDenied, Unauthenticated
from backend.territories.models import Territory

Column = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class Principal:
    """Who is acting: tenant, user, role, and the territory subtree or distributor they act for."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    username: str
    role: Role
    territory_id: uuid.UUID | None = None
    territory_path: str | None = None
    distributor_id: uuid.UUID | None = None

    @property
    def label(self) -> str:
        """A short identity for logs and rate limits."""
        return f"{self.role.value.lower()}:{self.username}"

    def require(self, *roles: Role) -> None:
        """Refuse unless the principal has one of `roles`."""
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise PermissionDenied(f"this action needs one of the roles: {allowed}")

    def territory_condition(self, territory_id_column: Column) -> ColumnElement[bool]:
        """Condition: the territory column lies in the principal's subtree (ADMIN: anywhere)."""
        if self.role is Role.ADMIN:
            return true()
        if self.territory_path is None:
            return territory_id_column.is_(None) & territory_id_column.is_not(None)
        subtree = select(Territory.id).where(
            Territory.path.startswith(self.territory_path, autoescape=True)
        )
        return territory_id_column.in_(subtree.scalar_subquery())


async def load_principal(session: AsyncSession, claims: TokenClaims) -> Principal:
    """Resolve verified claims to an active user of the (already scoped) tenant."""
    row = (
        await session.execute(
            select(User, Territory.path)
            .outerjoin(
                Territory,
                (Territory.id == User.territory_id) & (Territory.tenant_id == User.tenant_id),
            )
            .where(User.id == claims.user_id)
        )
    ).first()
    if row is None:
        raise Unauthenticated("unknown user")
    user, path = row
    if not user.is_active:
        raise Unauthenticated("user is deactivated")
    if user.role is not claims.role:
        raise Unauthenticated("token role no longer matches the user's role")
    return Principal(
        tenant_id=user.tenant_id,
        user_id=user.id,
        username=user.username,
        role=user.role,
        territory_id=user.territory_id,
        territory_path=path,
        distributor_id=user.distributor_id,
    )
