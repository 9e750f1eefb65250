"""Trade schemes as plain values: what a scheme offers, to whom, and on which products.

The engine (`backend.schemes.engine`) prices a cart against these; persistence and the API are
adapters around them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class SchemeKind(enum.StrEnum):
    """What a scheme gives."""

    PERCENT_DISCOUNT = "PERCENT_DISCOUNT"  # percent off every eligible line
    FLAT_DISCOUNT = "FLAT_DISCOUNT"  # a fixed amount off each eligible unit
    QUANTITY_SLABS = "QUANTITY_SLABS"  # percent off, by the eligible quantity reached
    VALUE_SLABS = "VALUE_SLABS"  # percent off, by the eligible value reached
    BUY_X_GET_Y = "BUY_X_GET_Y"  # free units for every X bought
    COMBO = "COMBO"  # an amount off for every complete bundle
    QPS = "QPS"  # cumulative over a period; settled by credit note, never on the bill


class Combination(enum.StrEnum):
    """How a scheme combines with others on the same line (see the engine for the order)."""

    EXCLUSIVE = "EXCLUSIVE"
    BEST_OF = "BEST_OF"
    STACKABLE = "STACKABLE"


@dataclass(frozen=True)
class Slab:
    """From `threshold` (a quantity or a value) upwards, `percent` off."""

    threshold: Decimal
    percent: Decimal


@dataclass(frozen=True)
class Eligibility:
    """Who may get a scheme; an empty set means 'any'."""

    channels: frozenset[str] = frozenset()
    outlet_classes: frozenset[str] = frozenset()
    territory_paths: frozenset[str] = (
        frozenset()
    )  # a retailer qualifies inside any of these subtrees
    distributor_ids: frozenset[str] = frozenset()
    retailer_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ProductScope:
    """Which products count towards and receive a scheme; all empty means every product."""

    skus: frozenset[str] = frozenset()
    brands: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    def covers(self, sku: str, brand: str, category: str) -> bool:
        """Whether a product is in scope."""
        if not (self.skus or self.brands or self.categories):
            return True
        return sku in self.skus or brand in self.brands or category in self.categories


@dataclass(frozen=True)
class Scheme:
    """One trade promotion with its rule, validity, eligibility and limits."""

    code: str
    kind: SchemeKind
    valid_from: date
    valid_to: date
    combination: Combination = Combination.STACKABLE
    priority: int = 100  # lower applies first
    scope: ProductScope = ProductScope()
    eligibility: Eligibility = Eligibility()
    percent: Decimal = Decimal(0)  # PERCENT_DISCOUNT
    amount: Decimal = Decimal(0)  # FLAT_DISCOUNT per unit; COMBO per bundle
    slabs: tuple[Slab, ...] = ()  # QUANTITY_SLABS / VALUE_SLABS / QPS, ascending thresholds
    buy_quantity: int = 0  # BUY_X_GET_Y: X
    free_quantity: int = 0  # BUY_X_GET_Y: Y
    free_sku: str | None = None  # BUY_X_GET_Y: another SKU, or None for the same one
    bundle: tuple[tuple[str, int], ...] = ()  # COMBO: (sku, units) per bundle
    min_eligible_value: Decimal = Decimal(0)  # no benefit below this eligible value
    max_discount: Decimal | None = None  # cap on the scheme's discount per bill
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def active_on(self, day: date) -> bool:
        """Whether the scheme is valid on `day` (both ends inclusive)."""
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True)
class RetailerProfile:
    """What eligibility looks at."""

    retailer_id: str
    channel: str
    outlet_class: str
    territory_path: str
    distributor_id: str

    def eligible_for(self, rule: Eligibility) -> bool:
        """Whether this retailer meets every non-empty condition."""
        return (
            (not rule.channels or self.channel in rule.channels)
            and (not rule.outlet_classes or self.outlet_class in rule.outlet_classes)
            and (
                not rule.territory_paths
                or any(self.territory_path.startswith(p) for p in rule.territory_paths)
            )
            and (not rule.distributor_ids or self.distributor_id in rule.distributor_ids)
            and (not rule.retailer_ids or self.retailer_id in rule.retailer_ids)
        )


@dataclass(frozen=True)
class CartLine:
    """A product and quantity at the retailer's price (gross, before schemes)."""

    sku: str
    quantity: int
    unit_price: Decimal
    brand: str = ""
    category: str = ""

    @property
    def gross(self) -> Decimal:
        """Quantity × unit price."""
        return self.unit_price * self.quantity
