"""The one place where stored schemes become the engine's values (and parties become profiles)."""

from __future__ import annotations

from decimal import Decimal

from backend.parties.models import Distributor, Retailer
from backend.schemes import rules
from backend.schemes.models import TradeScheme
from backend.schemes.repository import SchemeParts


def plain(value: Decimal) -> Decimal:
    """A stored NUMERIC without its trailing zeros (2.0000 → 2, 5.5000 → 5.5), never in E form."""
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def to_rule(row: TradeScheme, parts: SchemeParts) -> rules.Scheme:
    """The engine's view of a stored scheme; parties are compared as UUID strings."""
    return rules.Scheme(
        code=row.code,
        kind=row.kind,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        combination=row.combination,
        priority=row.priority,
        scope=rules.ProductScope(
            skus=frozenset(parts.skus),
            brands=frozenset(row.brands),
            categories=frozenset(row.categories),
        ),
        eligibility=rules.Eligibility(
            channels=frozenset(row.channels),
            outlet_classes=frozenset(row.outlet_classes),
            territory_paths=frozenset(parts.territory_paths),
            distributor_ids=frozenset(str(i) for i in parts.distributor_ids),
            retailer_ids=frozenset(str(i) for i in parts.retailer_ids),
        ),
        percent=plain(row.percent),
        amount=Decimal(row.amount),
        slabs=tuple(
            rules.Slab(_threshold(row, s.threshold), plain(s.percent)) for s in parts.slabs
        ),
        buy_quantity=row.buy_quantity,
        free_quantity=row.free_quantity,
        free_sku=parts.free_sku,
        bundle=tuple((sku, units) for _, sku, units in parts.bundle),
        min_eligible_value=Decimal(row.min_eligible_value),
        max_discount=None if row.max_discount is None else Decimal(row.max_discount),
        labels={"name": row.name, "flow": row.flow.value},
    )


UNIT_THRESHOLDS = (rules.SchemeKind.QUANTITY_SLABS, rules.SchemeKind.QPS)


def _threshold(row: TradeScheme, value: Decimal) -> Decimal:
    # units read as units ("20 units"); values keep their cents ("10000.00 in value")
    return plain(value) if row.kind in UNIT_THRESHOLDS else Decimal(value)


def retailer_profile(
    retailer: Retailer, territory_path: str, distributor_id: object
) -> rules.RetailerProfile:
    """What eligibility looks at for a retailer billed by `distributor_id`."""
    return rules.RetailerProfile(
        retailer_id=str(retailer.id),
        channel=retailer.channel.value,
        outlet_class=retailer.outlet_class.value,
        territory_path=territory_path,
        distributor_id=str(distributor_id),
    )


def distributor_profile(distributor: Distributor, territory_path: str) -> rules.RetailerProfile:
    """A distributor buying from the brand, as the engine's buyer (no channel, no class)."""
    return rules.RetailerProfile(
        retailer_id="",
        channel="",
        outlet_class="",
        territory_path=territory_path,
        distributor_id=str(distributor.id),
    )
