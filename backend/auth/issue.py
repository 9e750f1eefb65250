"""Issue development tokens for existing users (the `jalur token` and `jalur demo info` commands)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.tokens import issue_token
from backend.identity.models import Role
from backend.identity.repository import tenant_id_for_code, user_by_username
from backend.kit.db import set_tenant
from backend.kit.settings import Settings

DEMO_TTL = timedelta(days=30)


async def issue_for_username(
    session: AsyncSession,
    *,
    settings: Settings,
    tenant_code: str,
    username: str,
    role: str,
    ttl: timedelta,
) -> str:
    """Sign a token for `username` of `tenant_code`, whose role must be `role`."""
    tenant_id = await tenant_id_for_code(session, tenant_code)
    if tenant_id is None:
        raise LookupError(f"no tenant with code {tenant_code!r}")
    await set_tenant(session, tenant_id)
    user = await user_by_username(session, username)
    if user is None:
        raise LookupError(f"no user {username!r} in tenant {tenant_code!r}")
    if user.role.value != role:
        raise LookupError(f"user {username!r} has role {user.role.value}, not {role}")
    return issue_token(
        secret=settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        tenant_id=tenant_id,
        user_id=user.id,
        role=user.role,
        ttl=ttl,
    )


async def demo_tokens(
    session: AsyncSession, *, settings: Settings, tenant_code: str
) -> dict[str, tuple[str, str]]:
    """A token for the first user of each role in the tenant: role → (username, token)."""
    from backend.demo.seed import demo_users

    tenant_id = await tenant_id_for_code(session, tenant_code)
    if tenant_id is None:
        raise LookupError(f"no tenant with code {tenant_code!r}: run `jalur demo seed` first")
    await set_tenant(session, tenant_id)
    users = await demo_users(session)
    tokens: dict[str, tuple[str, str]] = {}
    for role in (Role.REP, Role.MANAGER, Role.DISTRIBUTOR, Role.ADMIN):
        user = users[role]
        tokens[role.value] = (
            user.username,
            issue_token(
                secret=settings.jwt_secret.get_secret_value(),
                issuer=settings.jwt_issuer,
                tenant_id=tenant_id,
                user_id=user.id,
                role=role,
                ttl=DEMO_TTL,
            ),
        )
    return tokens
