"""Builders for tenants and users."""

from __future__ import annotations

import uuid
from datetime import timedelta
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.auth.tokens import issue_token
from backend.identity.models import Role, Tenant, User
from backend.identity.service import TenantDraft, provision_tenant
from backend.kit.db import new_id, set_tenant
from backend.kit.settings import Settings

_seq = count(1)


async def make_tenant(
    session: AsyncSession, *, code: str | None = None, currency: str = "IDR", country: str = "ID"
) -> Tenant:
    """Provision a tenant and scope the session's transaction to it."""
    n = next(_seq)
    return await provision_tenant(
        session,
        TenantDraft(
            code=code or f"t{n}-{uuid.uuid4().hex[:6]}",
            name=f"Brand {n}",
            country=country,
            currency=currency,
            timezone="Asia/Jakarta",
            tax_regime="ID_PPN",
        ),
    )


async def make_user(
    session: AsyncSession,
    tenant: Tenant,
    *,
    role: Role = Role.ADMIN,
    username: str | None = None,
    territory_id: uuid.UUID | None = None,
    distributor_id: uuid.UUID | None = None,
    is_active: bool = True,
) -> User:
    """Add a user to `tenant` (the session must be scoped to it)."""
    await set_tenant(session, tenant.id)
    user = User(
        id=new_id(),
        tenant_id=tenant.id,
        username=username or f"{role.value.lower()}{next(_seq)}",
        display_name="Test User",
        role=role,
        territory_id=territory_id,
        distributor_id=distributor_id,
        is_active=is_active,
    )
    session.add(user)
    await session.flush()
    return user


def principal_of(user: User, *, territory_path: str | None = None) -> Principal:
    """The principal a user acts as."""
    return Principal(
        tenant_id=user.tenant_id,
        user_id=user.id,
        username=user.username,
        role=user.role,
        territory_id=user.territory_id,
        territory_path=territory_path,
        distributor_id=user.distributor_id,
    )


def token_for(user: User, settings: Settings, *, ttl: timedelta = timedelta(hours=1)) -> str:
    """A valid bearer token for `user`."""
    return issue_token(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        tenant_id=user.tenant_id,
        user_id=user.id,
        role=user.role,
        ttl=ttl,
    )
