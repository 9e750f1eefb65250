"""Queries for tenants and users."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role, Tenant, User


def user_scope(principal: Principal) -> ColumnElement[bool]:
    """Users the principal may see: ADMIN all, MANAGER its subtree's people, others themselves."""
    if principal.role is Role.ADMIN:
        return true()
    if principal.role is Role.MANAGER:
        return or_(User.id == principal.user_id, principal.territory_condition(User.territory_id))
    if principal.role is Role.DISTRIBUTOR and principal.distributor_id is not None:
        return User.distributor_id == principal.distributor_id
    if principal.role is Role.REP:
        return User.id == principal.user_id
    return false()


async def users_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[User]:
    """Visible users with these ids."""
    stmt = select(User).where(User.id.in_(ids), user_scope(principal))
    return (await session.execute(stmt)).scalars().all()


def users_query(principal: Principal, role: Role | None) -> Select[Any]:
    """Visible users, optionally of one role."""
    stmt = select(User).where(user_scope(principal))
    if role is not None:
        stmt = stmt.where(User.role == role)
    return stmt


async def current_tenant(session: AsyncSession) -> Tenant | None:
    """The tenant the transaction is scoped to (row-level security shows only that one)."""
    return (await session.execute(select(Tenant))).scalar_one_or_none()


async def tenant_id_for_code(session: AsyncSession, code: str) -> uuid.UUID | None:
    """Look a tenant up by code through the narrow directory function (sign-in, CLI)."""
    result = await session.execute(text("SELECT jalur_tenant_id(:code)"), {"code": code})
    value = result.scalar_one_or_none()
    return None if value is None else uuid.UUID(str(value))


async def all_tenants(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """Every tenant's id and code, for jobs that run across tenants."""
    rows = await session.execute(text("SELECT id, code FROM jalur_tenants()"))
    return [(uuid.UUID(str(r.id)), str(r.code)) for r in rows]


async def user_by_username(session: AsyncSession, username: str) -> User | None:
    """A user of the scoped tenant by username."""
    return (
        await session.execute(select(User).where(User.username == username))
    ).scalar_one_or_none()
