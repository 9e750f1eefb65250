"""Choosing the price that applies: by distributor tier and date, a tier-specific row first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ANY_TIER = "*"


@dataclass(frozen=True)
class PriceRow:
    """A price list row, as the pricing rules see it."""

    tier: str
    valid_from: date
    valid_to: date | None
    distributor_price: Decimal
    retailer_price: Decimal
    mrp: Decimal


def applies_on(row: PriceRow, day: date) -> bool:
    """Whether the row is in force on `day` (valid_to is exclusive)."""
    return row.valid_from <= day and (row.valid_to is None or day < row.valid_to)


def pick_price(rows: Sequence[PriceRow], *, tier: str, on: date) -> PriceRow | None:
    """The row for `tier` in force on `on`, else the all-tiers row; the latest start wins."""
    for wanted in (tier, ANY_TIER):
        candidates = [r for r in rows if r.tier == wanted and applies_on(r, on)]
        if candidates:
            return max(candidates, key=lambda r: r.valid_from)
    return None
