"""What a rep can say at the counter: which schemes apply, and how far the cart is from more."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from backend.schemes.engine import applicable_schemes
from backend.schemes.rules import CartLine, RetailerProfile, Scheme, SchemeKind


@dataclass(frozen=True)
class Nudge:
    """The next step of one scheme: what is missing and what it would give."""

    code: str
    missing_quantity: int | None
    missing_value: Decimal | None
    reward: str


def next_steps(
    lines: Sequence[CartLine], retailer: RetailerProfile, day: date, schemes: Iterable[Scheme]
) -> list[Nudge]:
    """For each applicable scheme with a next slab, free item or bundle, what the cart lacks."""
    nudges: list[Nudge] = []
    for scheme in applicable_schemes(retailer, day, schemes):
        scoped = [
            line for line in lines if scheme.scope.covers(line.sku, line.brand, line.category)
        ]
        nudge = _nudge(scheme, scoped)
        if nudge is not None:
            nudges.append(nudge)
    return nudges


def _nudge(scheme: Scheme, scoped: list[CartLine]) -> Nudge | None:
    quantity = sum(line.quantity for line in scoped)
    value = sum((line.gross for line in scoped), Decimal(0))
    if value < scheme.min_eligible_value and scheme.kind is not SchemeKind.QPS:
        return Nudge(scheme.code, None, scheme.min_eligible_value - value, "the scheme starts")
    if scheme.kind in (SchemeKind.QUANTITY_SLABS, SchemeKind.VALUE_SLABS):
        reached = Decimal(quantity) if scheme.kind is SchemeKind.QUANTITY_SLABS else value
        above = [s for s in scheme.slabs if s.threshold > reached]
        if not above:
            return None
        slab = min(above, key=lambda s: s.threshold)
        gap = slab.threshold - reached
        if scheme.kind is SchemeKind.QUANTITY_SLABS:
            return Nudge(scheme.code, int(gap), None, f"{slab.percent}% off")
        return Nudge(scheme.code, None, gap, f"{slab.percent}% off")
    if scheme.kind is SchemeKind.BUY_X_GET_Y and scheme.buy_quantity > 0:
        missing = scheme.buy_quantity - quantity % scheme.buy_quantity
        return Nudge(scheme.code, missing, None, f"{scheme.free_quantity} more free")
    if scheme.kind is SchemeKind.COMBO and scheme.bundle:
        have = {line.sku: 0 for line in scoped}
        for line in scoped:
            have[line.sku] += line.quantity
        bundles = min(have.get(sku, 0) // units for sku, units in scheme.bundle)
        missing = sum(
            max(0, (bundles + 1) * units - have.get(sku, 0)) for sku, units in scheme.bundle
        )
        return Nudge(scheme.code, missing, None, f"{scheme.amount} off one more bundle")
    return None
