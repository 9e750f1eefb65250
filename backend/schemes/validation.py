"""Input checks of a scheme definition: every error at once, each with a code and a field path."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role
from backend.kit.validation import Checks
from backend.parties.models import Channel, OutletClass
from backend.parties.repository import distributors_by_ids, retailers_by_ids
from backend.schemes import errors as codes
from backend.schemes.models import SchemeFlow
from backend.schemes.rules import Combination, SchemeKind
from backend.territories.models import Territory

CENT = Decimal("0.01")
SLAB_KINDS = (SchemeKind.QUANTITY_SLABS, SchemeKind.VALUE_SLABS, SchemeKind.QPS)
MAX_SLABS = 20
MAX_BUNDLE = 50
MAX_PRODUCTS = 2_000
MAX_RETAILERS = 20_000
MAX_PRIORITY = 10_000


@dataclass(frozen=True)
class SlabDraft:
    """From `threshold` (units or value) upwards, `percent` off."""

    threshold: Decimal
    percent: Decimal


@dataclass(frozen=True)
class BundleDraft:
    """Units of one SKU in a COMBO bundle."""

    product_id: uuid.UUID
    units: int


@dataclass(frozen=True)
class SchemeDraft:
    """A whole scheme definition, as created or as it replaces the previous one on update."""

    code: str
    name: str
    flow: SchemeFlow
    kind: SchemeKind
    valid_from: date
    valid_to: date
    description: str = ""
    combination: Combination = Combination.STACKABLE
    priority: int = 100
    percent: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)
    slabs: Sequence[SlabDraft] = field(default_factory=tuple)
    buy_quantity: int = 0
    free_quantity: int = 0
    free_product_id: uuid.UUID | None = None
    bundle: Sequence[BundleDraft] = field(default_factory=tuple)
    min_eligible_value: Decimal = Decimal(0)
    max_discount: Decimal | None = None
    product_ids: Sequence[uuid.UUID] = field(default_factory=tuple)
    brands: Sequence[str] = field(default_factory=tuple)
    categories: Sequence[str] = field(default_factory=tuple)
    channels: Sequence[str] = field(default_factory=tuple)
    outlet_classes: Sequence[str] = field(default_factory=tuple)
    territory_ids: Sequence[uuid.UUID] = field(default_factory=tuple)
    distributor_ids: Sequence[uuid.UUID] = field(default_factory=tuple)
    retailer_ids: Sequence[uuid.UUID] = field(default_factory=tuple)
    budget: Decimal | None = None


async def check_draft(session: AsyncSession, principal: Principal, draft: SchemeDraft) -> None:
    """Refuse a definition that breaks any rule, listing every error."""
    checks = Checks()
    checks.code("input.code", draft.code)
    checks.text("input.name", draft.name, max_length=200)
    checks.text("input.description", draft.description, max_length=1000, required=False)
    if draft.valid_from > draft.valid_to:
        checks.fail("input.validTo", "must be on or after validFrom", code=codes.INVALID_VALIDITY)
    if not 0 <= draft.priority <= MAX_PRIORITY:
        checks.fail("input.priority", f"must be 0 to {MAX_PRIORITY} (lower applies first)")
    _check_rule(draft, checks)
    _check_amounts(draft, checks)
    _check_attributes(draft, checks)
    await _check_products(session, draft, checks)
    await _check_parties(session, principal, draft, checks)
    checks.raise_if_any()


def _check_rule(draft: SchemeDraft, checks: Checks) -> None:
    kind = draft.kind
    if kind is SchemeKind.PERCENT_DISCOUNT and not 0 < draft.percent <= 100:
        checks.fail(
            "input.percent", "must be above 0 and at most 100", code=codes.PERCENT_OUT_OF_RANGE
        )
    if kind is not SchemeKind.PERCENT_DISCOUNT and draft.percent != 0:
        checks.fail("input.percent", f"is not used by {kind.value}; leave it 0")
    if kind in (SchemeKind.FLAT_DISCOUNT, SchemeKind.COMBO) and not _positive_cents(draft.amount):
        checks.fail("input.amount", "must be a positive amount in cents", code=codes.INVALID_AMOUNT)
    if kind not in (SchemeKind.FLAT_DISCOUNT, SchemeKind.COMBO) and draft.amount != 0:
        checks.fail("input.amount", f"is not used by {kind.value}; leave it 0")
    if kind in SLAB_KINDS:
        _check_slabs(draft, checks)
    elif draft.slabs:
        checks.fail("input.slabs", f"are not used by {kind.value}")
    if kind is SchemeKind.BUY_X_GET_Y:
        for name, value in (
            ("buyQuantity", draft.buy_quantity),
            ("freeQuantity", draft.free_quantity),
        ):
            if not 0 < value <= 100_000:
                checks.fail(
                    f"input.{name}", "must be a positive quantity", code=codes.INVALID_QUANTITY
                )
    elif draft.buy_quantity or draft.free_quantity or draft.free_product_id:
        checks.fail("input.buyQuantity", f"free goods are not used by {kind.value}")
    if kind is SchemeKind.COMBO:
        _check_bundle(draft, checks)
    elif draft.bundle:
        checks.fail("input.bundle", f"is not used by {kind.value}")


def _check_slabs(draft: SchemeDraft, checks: Checks) -> None:
    if not draft.slabs or len(draft.slabs) > MAX_SLABS:
        checks.fail("input.slabs", f"give 1 to {MAX_SLABS} slabs", code=codes.SLABS_NOT_ASCENDING)
        return
    by_quantity = draft.kind in (SchemeKind.QUANTITY_SLABS, SchemeKind.QPS)
    for i, slab in enumerate(draft.slabs):
        path = f"input.slabs[{i}]"
        step = Decimal(1) if by_quantity else CENT
        if slab.threshold <= 0 or slab.threshold != slab.threshold.quantize(step):
            unit = "a whole quantity" if by_quantity else "an amount in cents"
            checks.fail(f"{path}.threshold", f"must be {unit} above 0")
        if not 0 < slab.percent <= 100:
            checks.fail(
                f"{path}.percent",
                "must be above 0 and at most 100",
                code=codes.PERCENT_OUT_OF_RANGE,
            )
        if i == 0:
            continue
        before = draft.slabs[i - 1]
        if slab.threshold <= before.threshold:
            checks.fail(
                f"{path}.threshold",
                f"must be above the previous slab's {before.threshold}",
                code=codes.SLABS_NOT_ASCENDING,
            )
        if slab.percent < before.percent:
            checks.fail(
                f"{path}.percent",
                f"must not be below the previous slab's {before.percent}%",
                code=codes.SLAB_PERCENT_DECREASES,
            )


def _check_bundle(draft: SchemeDraft, checks: Checks) -> None:
    if not draft.bundle or len(draft.bundle) > MAX_BUNDLE:
        checks.fail("input.bundle", f"give 1 to {MAX_BUNDLE} SKUs", code=codes.EMPTY_BUNDLE)
        return
    seen: set[uuid.UUID] = set()
    for i, item in enumerate(draft.bundle):
        if not 0 < item.units <= 100_000:
            checks.fail(
                f"input.bundle[{i}].units",
                "must be a positive quantity",
                code=codes.INVALID_QUANTITY,
            )
        if item.product_id in seen:
            checks.fail(f"input.bundle[{i}].productId", "SKU appears twice; merge the items")
        seen.add(item.product_id)


def _check_amounts(draft: SchemeDraft, checks: Checks) -> None:
    if (
        draft.min_eligible_value < 0
        or draft.min_eligible_value != draft.min_eligible_value.quantize(CENT)
    ):
        checks.fail(
            "input.minEligibleValue", "must be 0 or more, in cents", code=codes.INVALID_AMOUNT
        )
    if draft.max_discount is not None and not _positive_cents(draft.max_discount):
        checks.fail(
            "input.maxDiscount", "must be a positive amount in cents", code=codes.INVALID_AMOUNT
        )
    if draft.budget is not None and not _positive_cents(draft.budget):
        checks.fail("input.budget", "must be a positive amount in cents", code=codes.INVALID_AMOUNT)
    if draft.kind is SchemeKind.QPS and draft.max_discount is not None:
        checks.fail("input.maxDiscount", "a QPS is settled by credit note, never capped per bill")


def _check_attributes(draft: SchemeDraft, checks: Checks) -> None:
    for i, channel in enumerate(draft.channels):
        if channel not in Channel.__members__:
            checks.fail(f"input.channels[{i}]", "not a channel")
    for i, outlet_class in enumerate(draft.outlet_classes):
        if outlet_class not in OutletClass.__members__:
            checks.fail(f"input.outletClasses[{i}]", "not an outlet class")
    if draft.flow is SchemeFlow.PRIMARY:
        for name, values in (
            ("channels", draft.channels),
            ("outletClasses", draft.outlet_classes),
            ("retailerIds", draft.retailer_ids),
        ):
            if values:
                checks.fail(
                    f"input.{name}",
                    "a primary scheme goes to distributors",
                    code=codes.NOT_FOR_FLOW,
                )


async def _check_products(session: AsyncSession, draft: SchemeDraft, checks: Checks) -> None:
    if len(draft.product_ids) > MAX_PRODUCTS:
        checks.fail("input.productIds", f"give at most {MAX_PRODUCTS} SKUs")
        return
    wanted = {*draft.product_ids, *(b.product_id for b in draft.bundle)}
    if draft.free_product_id is not None:
        wanted.add(draft.free_product_id)
    known = set((await session.execute(select(Product.id).where(Product.id.in_(wanted)))).scalars())
    for i, product_id in enumerate(draft.product_ids):
        if product_id not in known:
            checks.fail(f"input.productIds[{i}]", "no such SKU", code=codes.UNKNOWN_SKU)
    for i, item in enumerate(draft.bundle):
        if item.product_id not in known:
            checks.fail(f"input.bundle[{i}].productId", "no such SKU", code=codes.UNKNOWN_SKU)
    if draft.free_product_id is not None and draft.free_product_id not in known:
        checks.fail("input.freeProductId", "no such SKU", code=codes.UNKNOWN_SKU)
    for name, column, values, code in (
        ("brands", Product.brand, draft.brands, codes.UNKNOWN_BRAND),
        ("categories", Product.category, draft.categories, codes.UNKNOWN_CATEGORY),
    ):
        if not values:
            continue
        found = set(
            (await session.execute(select(column).where(column.in_(values)).distinct())).scalars()
        )
        for i, value in enumerate(values):
            if value not in found:
                checks.fail(f"input.{name}[{i}]", f"no SKU of the catalog has {value!r}", code=code)


async def _check_parties(
    session: AsyncSession, principal: Principal, draft: SchemeDraft, checks: Checks
) -> None:
    if len(draft.retailer_ids) > MAX_RETAILERS:
        checks.fail("input.retailerIds", f"give at most {MAX_RETAILERS} retailers")
        return
    territories = dict(
        (
            await session.execute(
                select(Territory.id, Territory.path).where(Territory.id.in_(draft.territory_ids))
            )
        ).all()
    )
    for i, territory_id in enumerate(draft.territory_ids):
        path = territories.get(territory_id)
        if path is None:
            checks.fail(f"input.territoryIds[{i}]", "no such territory", code=codes.UNKNOWN_PARTY)
        elif principal.role is Role.MANAGER and not path.startswith(
            principal.territory_path or "!"
        ):
            checks.fail(
                f"input.territoryIds[{i}]", "outside the territory you manage", code="FORBIDDEN"
            )
    if principal.role is Role.MANAGER and not draft.territory_ids:
        checks.fail(
            "input.territoryIds",
            "a manager's scheme is limited to territories of the subtree they manage",
            code="FORBIDDEN",
        )
    visible = {d.id for d in await distributors_by_ids(session, principal, draft.distributor_ids)}
    for i, distributor_id in enumerate(draft.distributor_ids):
        if distributor_id not in visible:
            checks.fail(
                f"input.distributorIds[{i}]", "no such distributor", code=codes.UNKNOWN_PARTY
            )
    seen = {r.id for r in await retailers_by_ids(session, principal, draft.retailer_ids)}
    for i, retailer_id in enumerate(draft.retailer_ids):
        if retailer_id not in seen:
            checks.fail(f"input.retailerIds[{i}]", "no such retailer", code=codes.UNKNOWN_PARTY)


def _positive_cents(value: Decimal) -> bool:
    return value > 0 and value == value.quantize(CENT)
