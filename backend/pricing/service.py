"""Setting prices and the tenant's primary-sales settings (HQ only)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role, Tenant
from backend.kit.constraints import register_check, register_unique
from backend.kit.db import new_id
from backend.kit.errors import NotFound
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.ledger.numbering import format_number
from backend.orders.models import CreditAction, PrimarySettings
from backend.orders.settings import default_settings
from backend.pricing.models import PriceListItem
from backend.pricing.prices import PriceRow

register_unique(
    "uq_price_list_item_tenant_id_product_id_tier_valid_from",
    "input.validFrom",
    "a price for this SKU and tier already starts on this date",
)
register_check("ck_price_list_item_price_ladder", "input", "need distributor ≤ retailer ≤ MRP")


@dataclass(frozen=True)
class PriceDraft:
    """A SKU's prices for a tier from a date."""

    product_id: uuid.UUID
    tier: str
    distributor_price: Decimal
    retailer_price: Decimal
    mrp: Decimal
    valid_from: date
    valid_to: date | None = None


async def set_price(
    session: AsyncSession, *, principal: Principal, draft: PriceDraft, idempotency_key: str | None
) -> PriceListItem:
    """Add a price list row; retries with the key return the first."""
    principal.require(Role.ADMIN)

    async def create() -> uuid.UUID:
        checks = Checks()
        checks.code("input.tier", draft.tier, max_length=20)
        for name in ("distributor_price", "retailer_price", "mrp"):
            value: Decimal = getattr(draft, name)
            if value <= 0 or value != value.quantize(Decimal("0.01")):
                checks.fail(f"input.{name}", "a positive amount in cents")
        if draft.valid_to is not None and draft.valid_to <= draft.valid_from:
            checks.fail("input.validTo", "must be after validFrom")
        if await session.get(Product, draft.product_id) is None:
            checks.add(NotFound("no such SKU", field="input.productId"))
        checks.raise_if_any()
        tenant = await session.get_one(Tenant, principal.tenant_id)
        item = PriceListItem(
            id=new_id(), tenant_id=principal.tenant_id, currency=tenant.currency, **asdict(draft)
        )
        session.add(item)
        await session.flush()
        return item.id

    item_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="setPrice",
        payload=asdict(draft),
        create=create,
    )
    return await session.get_one(PriceListItem, item_id)


@dataclass(frozen=True)
class SettingsDraft:
    """Changes to the primary settings; None leaves a field as it is."""

    credit_action: CreditAction | None = None
    fiscal_year_start_month: int | None = None
    number_format: str | None = None
    home_state: str | None = None
    enforce_case_multiples: bool | None = None


async def configure_primary(
    session: AsyncSession, *, principal: Principal, draft: SettingsDraft
) -> PrimarySettings:
    """Save the tenant's primary settings; the format must fit 16 characters for series INV.

    A longer series is checked when a document is numbered (and by the database).
    """
    principal.require(Role.ADMIN)
    current = await session.get(PrimarySettings, principal.tenant_id, with_for_update=True)
    settings = current or default_settings(principal.tenant_id)
    for name, value in asdict(draft).items():
        if value is not None:
            setattr(settings, name, value)
    checks = Checks()
    if not 1 <= settings.fiscal_year_start_month <= 12:
        checks.fail("input.fiscalYearStartMonth", "a month, 1 to 12")
    if not all(p in settings.number_format for p in ("{series}", "{fy}", "{n")):
        # Without all three a number could repeat across series or fiscal years.
        checks.fail("input.numberFormat", "a number format uses {series}, {fy} and {n}")
    checks.raise_if_any()
    format_number(settings.number_format, series="INV", fy="2627", n=99_999)
    if current is None:
        session.add(settings)
    await session.flush()
    return settings


async def price_rows(
    session: AsyncSession, product_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[PriceRow]]:
    """Every price list row of these SKUs, as the pricing rules see them."""
    stmt = select(PriceListItem).where(PriceListItem.product_id.in_(product_ids))
    rows: dict[uuid.UUID, list[PriceRow]] = {}
    for item in (await session.execute(stmt)).scalars():
        rows.setdefault(item.product_id, []).append(
            PriceRow(
                item.tier,
                item.valid_from,
                item.valid_to,
                item.distributor_price,
                item.retailer_price,
                item.mrp,
            )
        )
    return rows
