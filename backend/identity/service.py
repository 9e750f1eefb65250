"""Rules for tenants and users."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role, Tenant, User
from backend.identity.repository import users_by_ids
from backend.kit.constraints import register_unique
from backend.kit.db import new_id, set_tenant
from backend.kit.errors import NotFound
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.parties.models import Distributor
from backend.territories.models import Territory

register_unique("uq_app_user_tenant_id_username", "input.username", "this username is taken")
register_unique("uq_tenant_code", "code", "a tenant with this code already exists")

TAX_REGIMES = ("ID_PPN", "IN_GST")


@dataclass(frozen=True)
class TenantDraft:
    """A brand company to provision."""

    code: str
    name: str
    country: str
    currency: str
    timezone: str
    tax_regime: str


async def provision_tenant(
    session: AsyncSession, draft: TenantDraft, *, tenant_id: uuid.UUID | None = None
) -> Tenant:
    """Create a tenant and scope the transaction to it (operator action, not in the API)."""
    checks = Checks()
    checks.code("code", draft.code)
    checks.text("name", draft.name, max_length=200)
    if len(draft.country) != 2 or not draft.country.isupper():
        checks.fail("country", "must be an ISO 3166 alpha-2 code")
    if len(draft.currency) != 3 or not draft.currency.isupper():
        checks.fail("currency", "must be an ISO 4217 code")
    if draft.tax_regime not in TAX_REGIMES:
        checks.fail("taxRegime", f"must be one of {', '.join(TAX_REGIMES)}")
    try:
        ZoneInfo(draft.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        checks.fail("timezone", "unknown IANA time zone")
    checks.raise_if_any()
    tenant = Tenant(id=tenant_id or new_id(), **asdict(draft))
    await set_tenant(session, tenant.id)
    session.add(tenant)
    await session.flush()
    return tenant


@dataclass(frozen=True)
class UserDraft:
    """A person to give access to."""

    username: str
    display_name: str
    role: Role
    territory_id: uuid.UUID | None = None
    distributor_id: uuid.UUID | None = None


async def create_user(
    session: AsyncSession, *, principal: Principal, draft: UserDraft, idempotency_key: str | None
) -> User:
    """Give a person access with a role and its scope (ADMIN)."""
    principal.require(Role.ADMIN)

    async def create() -> uuid.UUID:
        await _check_user(session, draft)
        user = User(id=new_id(), tenant_id=principal.tenant_id, is_active=True, **asdict(draft))
        session.add(user)
        await session.flush()
        return user.id

    user_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="createUser",
        payload=asdict(draft),
        create=create,
    )
    (user,) = await users_by_ids(session, principal, [user_id])
    return user


async def _check_user(session: AsyncSession, draft: UserDraft) -> None:
    checks = Checks()
    checks.code("input.username", draft.username, max_length=80)
    checks.text("input.displayName", draft.display_name, max_length=200)
    needs_territory = draft.role in (Role.MANAGER, Role.REP)
    if needs_territory and draft.territory_id is None:
        checks.fail("input.territoryId", f"a {draft.role.value} needs a territory")
    if draft.role is Role.DISTRIBUTOR and draft.distributor_id is None:
        checks.fail("input.distributorId", "a DISTRIBUTOR user needs a distributor")
    if draft.territory_id is not None:
        found = await session.execute(
            select(Territory.id).where(Territory.id == draft.territory_id)
        )
        if found.scalar_one_or_none() is None:
            checks.add(NotFound("no such territory", field="input.territoryId"))
    if draft.distributor_id is not None:
        found = await session.execute(
            select(Distributor.id).where(Distributor.id == draft.distributor_id)
        )
        if found.scalar_one_or_none() is None:
            checks.add(NotFound("no such distributor", field="input.distributorId"))
    checks.raise_if_any()
