"""Rules for creating and changing distributors and retailers."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role, Tenant
from backend.kit.constraints import register_unique
from backend.kit.db import new_id
from backend.kit.errors import NotFound
from backend.kit.geo import point_element
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.parties import hours as opening_hours
from backend.parties.models import Channel, Distributor, OutletClass, Retailer
from backend.parties.repository import distributors_by_ids, lock_distributor, lock_retailer
from backend.territories.models import Territory, TerritoryLevel

register_unique(
    "uq_retailer_tenant_id_code", "input.code", "a retailer with this code already exists"
)
register_unique(
    "uq_distributor_tenant_id_code", "input.code", "a distributor with this code already exists"
)

MAX_CREDIT_DAYS = 365


@dataclass(frozen=True)
class RetailerFields:
    """A retailer's editable fields; on update, None means 'leave as it is'."""

    code: str | None = None
    name: str | None = None
    owner_name: str | None = None
    address: str | None = None
    phone: str | None = None
    channel: Channel | None = None
    outlet_class: OutletClass | None = None
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: list[tuple[int, list[tuple[str, str]]]] | None = None
    distributor_id: uuid.UUID | None = None
    territory_id: uuid.UUID | None = None
    tax_id: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True)
class DistributorFields:
    """A distributor's editable fields; on update, None means 'leave as it is'."""

    code: str | None = None
    name: str | None = None
    tier: str | None = None
    territory_id: uuid.UUID | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    credit_limit: Decimal | None = None
    currency: str | None = None
    credit_days: int | None = None
    tax_id: str | None = None
    phone: str | None = None
    is_active: bool | None = None


RETAILER_REQUIRED = (
    "code",
    "name",
    "channel",
    "outlet_class",
    "latitude",
    "longitude",
    "opening_hours",
    "distributor_id",
    "territory_id",
)
DISTRIBUTOR_REQUIRED = (
    "code",
    "name",
    "tier",
    "territory_id",
    "credit_limit",
    "currency",
    "credit_days",
)


async def create_retailer(
    session: AsyncSession,
    *,
    principal: Principal,
    fields: RetailerFields,
    idempotency_key: str | None,
) -> Retailer:
    """Onboard an outlet (ADMIN anywhere, MANAGER inside its territory subtree)."""
    principal.require(Role.ADMIN, Role.MANAGER)

    async def create() -> uuid.UUID:
        retailer = Retailer(id=new_id(), tenant_id=principal.tenant_id, is_active=True)
        await _apply_retailer(session, principal, retailer, fields, creating=True)
        session.add(retailer)
        await session.flush()
        return retailer.id

    retailer_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="createRetailer",
        payload=asdict(fields),
        create=create,
    )
    retailer = await lock_retailer(session, principal, retailer_id)
    if retailer is None:
        raise NotFound("no such retailer", field="input.idempotencyKey")
    return retailer


async def update_retailer(
    session: AsyncSession, *, principal: Principal, retailer_id: uuid.UUID, fields: RetailerFields
) -> Retailer:
    """Change an outlet's fields (ADMIN anywhere, MANAGER inside its territory subtree)."""
    principal.require(Role.ADMIN, Role.MANAGER)
    retailer = await lock_retailer(session, principal, retailer_id)
    if retailer is None:
        raise NotFound("no such retailer", field="input.id")
    await _apply_retailer(session, principal, retailer, fields, creating=False)
    await session.flush()
    return retailer


async def _apply_retailer(
    session: AsyncSession,
    principal: Principal,
    retailer: Retailer,
    f: RetailerFields,
    *,
    creating: bool,
) -> None:
    checks = Checks()
    if creating:
        for name in RETAILER_REQUIRED:
            if getattr(f, name) is None:
                checks.fail(f"input.{_camel(name)}", "is required")
    if f.code is not None:
        checks.code("input.code", f.code)
    checks.text("input.name", f.name, max_length=200, required=f.name is not None)
    for name, limit in (("owner_name", 200), ("address", 400), ("phone", 32), ("tax_id", 32)):
        checks.text(f"input.{_camel(name)}", getattr(f, name), max_length=limit, required=False)
    if (f.latitude is None) != (f.longitude is None):
        checks.fail("input.location", "latitude and longitude go together")
    elif f.latitude is not None and f.longitude is not None:
        checks.location("input.location", f.latitude, f.longitude)
    hours = None
    if f.opening_hours is not None:
        hours = opening_hours.validate_opening_hours(
            f.opening_hours, checks, field="input.openingHours"
        )
    if f.territory_id is not None:
        await _check_retailer_territory(session, principal, f.territory_id, checks)
    if f.distributor_id is not None and not await distributors_by_ids(
        session, principal, [f.distributor_id]
    ):
        checks.add(NotFound("no such distributor", field="input.distributorId"))
    checks.raise_if_any()
    for name in (
        "code",
        "name",
        "owner_name",
        "address",
        "phone",
        "channel",
        "outlet_class",
        "distributor_id",
        "territory_id",
        "tax_id",
        "is_active",
    ):
        value = getattr(f, name)
        if value is not None:
            setattr(retailer, name, value.strip() if isinstance(value, str) else value)
    if f.latitude is not None and f.longitude is not None:
        retailer.location = point_element(f.latitude, f.longitude)
    if hours is not None:
        retailer.opening_hours = opening_hours.to_json(hours)


async def _check_retailer_territory(
    session: AsyncSession, principal: Principal, territory_id: uuid.UUID, checks: Checks
) -> None:
    stmt = select(Territory.level).where(
        Territory.id == territory_id, principal.territory_condition(Territory.id)
    )
    level = (await session.execute(stmt)).scalar_one_or_none()
    if level is None:
        checks.add(NotFound("no such territory in your scope", field="input.territoryId"))
    elif level is not TerritoryLevel.TERRITORY:
        checks.fail("input.territoryId", "retailers sit in TERRITORY-level nodes")


async def create_distributor(
    session: AsyncSession,
    *,
    principal: Principal,
    fields: DistributorFields,
    idempotency_key: str | None,
) -> Distributor:
    """Appoint a distributor (ADMIN)."""
    principal.require(Role.ADMIN)

    async def create() -> uuid.UUID:
        distributor = Distributor(
            id=new_id(), tenant_id=principal.tenant_id, is_active=True, address=""
        )
        await _apply_distributor(session, distributor, fields, creating=True)
        session.add(distributor)
        await session.flush()
        return distributor.id

    distributor_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="createDistributor",
        payload=asdict(fields),
        create=create,
    )
    distributor = await lock_distributor(session, principal, distributor_id)
    if distributor is None:
        raise NotFound("no such distributor", field="input.idempotencyKey")
    return distributor


async def update_distributor(
    session: AsyncSession,
    *,
    principal: Principal,
    distributor_id: uuid.UUID,
    fields: DistributorFields,
) -> Distributor:
    """Change a distributor's fields, including its credit terms (ADMIN)."""
    principal.require(Role.ADMIN)
    distributor = await lock_distributor(session, principal, distributor_id)
    if distributor is None:
        raise NotFound("no such distributor", field="input.id")
    await _apply_distributor(session, distributor, fields, creating=False)
    await session.flush()
    return distributor


async def _apply_distributor(
    session: AsyncSession, distributor: Distributor, f: DistributorFields, *, creating: bool
) -> None:
    checks = Checks()
    if creating:
        for name in DISTRIBUTOR_REQUIRED:
            if getattr(f, name) is None:
                checks.fail(f"input.{_camel(name)}", "is required")
    if f.code is not None:
        checks.code("input.code", f.code)
    if f.tier is not None:
        checks.code("input.tier", f.tier, max_length=20)
    checks.text("input.name", f.name, max_length=200, required=f.name is not None)
    for name, limit in (("address", 400), ("phone", 32), ("tax_id", 32)):
        checks.text(f"input.{_camel(name)}", getattr(f, name), max_length=limit, required=False)
    if (f.latitude is None) != (f.longitude is None):
        checks.fail("input.location", "latitude and longitude go together")
    elif f.latitude is not None and f.longitude is not None:
        checks.location("input.location", f.latitude, f.longitude)
    await _check_credit(session, f, checks)
    if f.territory_id is not None:
        found = await session.execute(select(Territory.id).where(Territory.id == f.territory_id))
        if found.scalar_one_or_none() is None:
            checks.add(NotFound("no such territory", field="input.territoryId"))
    checks.raise_if_any()
    for name in (
        "code",
        "name",
        "tier",
        "territory_id",
        "address",
        "credit_limit",
        "currency",
        "credit_days",
        "tax_id",
        "phone",
        "is_active",
    ):
        value = getattr(f, name)
        if value is not None:
            setattr(distributor, name, value.strip() if isinstance(value, str) else value)
    if f.latitude is not None and f.longitude is not None:
        distributor.location = point_element(f.latitude, f.longitude)


async def _check_credit(session: AsyncSession, f: DistributorFields, checks: Checks) -> None:
    if f.credit_limit is not None:
        if not f.credit_limit.is_finite() or f.credit_limit < 0:
            checks.fail("input.creditLimit.amount", "must be zero or more")
        elif f.credit_limit != f.credit_limit.quantize(Decimal("0.01")):
            checks.fail("input.creditLimit.amount", "at most 2 decimal places")
    if f.currency is not None:
        tenant_currency = (await session.execute(select(Tenant.currency))).scalar_one()
        if f.currency != tenant_currency:
            checks.fail(
                "input.creditLimit.currency", f"must be the tenant's currency, {tenant_currency}"
            )
    if f.credit_days is not None and not 0 <= f.credit_days <= MAX_CREDIT_DAYS:
        checks.fail("input.creditDays", f"must be between 0 and {MAX_CREDIT_DAYS}")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
