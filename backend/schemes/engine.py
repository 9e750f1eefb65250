"""Price a cart against trade schemes: a pure function of (cart, retailer, date, schemes).

Order of application (documented, deterministic):
1. Schemes that are valid on the date, for which the retailer is eligible, and that pay out on
   the bill (QPS settles by credit note at period end, so it never touches a bill) are sorted by
   (priority, code).
2. Each scheme's offer is computed on the gross cart, alone: its discount per line (a cap,
   `max_discount`, is shared across lines by largest remainder) and its free goods.
3. Per line: if an EXCLUSIVE scheme offers anything, the first by (priority, code) is the only
   one; otherwise the BEST_OF scheme with the largest benefit (discount plus free-goods value),
   then every STACKABLE scheme in (priority, code) order.
4. Each scheme is recounted on the lines where it survived step 3 (free goods too, so a free
   item disappears as soon as its condition stops holding). A scheme that wins a line but gives
   less once recounted (a threshold no longer met) counts for that much on that line, which
   chooses again (step 3), until every choice gives what it was chosen for.
5. Percentage schemes compound on what is left of the line, fixed amounts subtract, and a line
   never goes below zero.
Amounts are rounded half-up to the currency's minor unit at each application.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from backend.schemes.rules import (
    CartLine,
    Combination,
    RetailerProfile,
    Scheme,
    SchemeKind,
    Slab,
)

PERCENT_KINDS = {SchemeKind.PERCENT_DISCOUNT, SchemeKind.QUANTITY_SLABS, SchemeKind.VALUE_SLABS}
HUNDRED = Decimal(100)
TOKEN_BENEFIT = Decimal("0.000001")


@dataclass(frozen=True)
class Applied:
    """One scheme's effect on one line, explained."""

    code: str
    kind: SchemeKind
    amount: Decimal
    note: str


@dataclass(frozen=True)
class FreeItem:
    """Units given free by a scheme (valued at the SKU's price in the cart, when it is there)."""

    sku: str
    quantity: int
    code: str
    note: str
    value: Decimal | None


@dataclass(frozen=True)
class PricedLine:
    """A cart line after schemes."""

    sku: str
    quantity: int
    unit_price: Decimal
    gross: Decimal
    discount: Decimal
    net: Decimal
    applied: tuple[Applied, ...]


@dataclass(frozen=True)
class PricedCart:
    """The priced cart: lines, free goods and totals."""

    lines: tuple[PricedLine, ...]
    free_items: tuple[FreeItem, ...]
    gross: Decimal
    discount: Decimal
    net: Decimal


@dataclass
class _Offer:
    scheme: Scheme
    discounts: dict[int, Decimal] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    free: list[FreeItem] = field(default_factory=list)
    free_value_by_line: dict[int, Decimal] = field(default_factory=dict)

    def benefit(self, index: int) -> Decimal:
        return self.discounts.get(index, Decimal(0)) + self.free_value_by_line.get(
            index, Decimal(0)
        )


def applicable_schemes(
    retailer: RetailerProfile, day: date, schemes: Iterable[Scheme]
) -> list[Scheme]:
    """Schemes valid on `day` that the retailer is eligible for, in application order."""
    found = [s for s in schemes if s.active_on(day) and retailer.eligible_for(s.eligibility)]
    return sorted(found, key=lambda s: (s.priority, s.code))


def price_cart(
    lines: Sequence[CartLine],
    retailer: RetailerProfile,
    day: date,
    schemes: Iterable[Scheme],
    *,
    minor_units: int = 0,
) -> PricedCart:
    """Apply the schemes to the cart (see the module docstring for the order)."""
    quantum = Decimal(1).scaleb(-minor_units)
    on_bill = [
        s for s in applicable_schemes(retailer, day, schemes) if s.kind is not SchemeKind.QPS
    ]
    offers = [_offer(s, lines, quantum) for s in on_bill]
    chosen, survivors = _settle(offers, lines, quantum)
    priced = [
        _apply(
            i, line, [s for s in survivors if s.scheme in {o.scheme for o in chosen[i]}], quantum
        )
        for i, line in enumerate(lines)
    ]
    free = tuple(item for s in survivors for item in s.free)
    gross = sum((p.gross for p in priced), Decimal(0))
    discount = sum((p.discount for p in priced), Decimal(0))
    return PricedCart(
        lines=tuple(priced), free_items=free, gross=gross, discount=discount, net=gross - discount
    )


def _settle(
    offers: list[_Offer], lines: Sequence[CartLine], quantum: Decimal
) -> tuple[dict[int, list[_Offer]], list[_Offer]]:
    """Choose per line, recount each scheme on the lines it won, until the choices hold.

    A threshold scheme (slab, free goods, bundle, minimum value) may win a line on the whole
    cart's figures and then, recounted on the lines it won, give less (a lower slab, nothing).
    Its benefit on that line is then capped at what the recount gave and the line chooses
    again; caps only go down, so this ends, with every choice giving what it was chosen for.
    """
    caps: dict[tuple[int, str], Decimal] = {}
    while True:
        chosen = {i: _choose(offers, i, caps) for i in range(len(lines))}
        survivors = [
            _offer(
                o.scheme, lines, quantum, only={i for i, picked in chosen.items() if o in picked}
            )
            for o in offers
        ]
        lowered = False
        for offer, survivor in zip(offers, survivors, strict=True):
            for i, picked in chosen.items():
                key = (i, offer.scheme.code)
                if offer in picked and survivor.benefit(i) < caps.get(key, offer.benefit(i)):
                    caps[key] = survivor.benefit(i)
                    lowered = True
        if not lowered:
            return chosen, survivors


def _choose(offers: list[_Offer], index: int, caps: dict[tuple[int, str], Decimal]) -> list[_Offer]:
    def benefit(offer: _Offer) -> Decimal:
        return caps.get((index, offer.scheme.code), offer.benefit(index))

    touching = [o for o in offers if benefit(o) > 0]
    exclusive = [o for o in touching if o.scheme.combination is Combination.EXCLUSIVE]
    if exclusive:
        return [exclusive[0]]
    best_of = [o for o in touching if o.scheme.combination is Combination.BEST_OF]
    picked = [max(best_of, key=lambda o: (benefit(o), -o.scheme.priority))] if best_of else []
    return picked + [o for o in touching if o.scheme.combination is Combination.STACKABLE]


def _apply(index: int, line: CartLine, offers: list[_Offer], quantum: Decimal) -> PricedLine:
    gross = line.gross
    remaining = gross
    applied: list[Applied] = []
    for offer in sorted(offers, key=lambda o: o.scheme.combination is Combination.STACKABLE):
        base = offer.discounts.get(index, Decimal(0))
        if base <= 0:
            if offer.free_value_by_line.get(index):
                applied.append(
                    Applied(offer.scheme.code, offer.scheme.kind, Decimal(0), offer.notes[index])
                )
            continue
        amount = base * remaining / gross if offer.scheme.kind in PERCENT_KINDS and gross else base
        amount = min(_round(amount, quantum), remaining)
        remaining -= amount
        applied.append(Applied(offer.scheme.code, offer.scheme.kind, amount, offer.notes[index]))
    discount = gross - remaining
    return PricedLine(
        line.sku, line.quantity, line.unit_price, gross, discount, remaining, tuple(applied)
    )


def _offer(
    scheme: Scheme, lines: Sequence[CartLine], quantum: Decimal, only: set[int] | None = None
) -> _Offer:
    offer = _Offer(scheme)
    scoped = [
        i
        for i, line in enumerate(lines)
        if line.quantity > 0
        and scheme.scope.covers(line.sku, line.brand, line.category)
        and (only is None or i in only)
    ]
    if not scoped or sum((lines[i].gross for i in scoped), Decimal(0)) < scheme.min_eligible_value:
        return offer
    kind = scheme.kind
    if kind is SchemeKind.PERCENT_DISCOUNT:
        _percent(offer, lines, scoped, scheme.percent, f"{scheme.percent}% off")
    elif kind is SchemeKind.FLAT_DISCOUNT:
        for i in scoped:
            offer.discounts[i] = min(scheme.amount * lines[i].quantity, lines[i].gross)
            offer.notes[i] = f"{scheme.amount} off each unit"
    elif kind in (SchemeKind.QUANTITY_SLABS, SchemeKind.VALUE_SLABS):
        _slabs(offer, lines, scoped)
    elif kind is SchemeKind.BUY_X_GET_Y:
        _free_goods(offer, lines, scoped)
    elif kind is SchemeKind.COMBO:
        _combo(offer, lines, scoped)
    _cap(offer, quantum)
    return offer


def _percent(
    offer: _Offer, lines: Sequence[CartLine], scoped: list[int], percent: Decimal, note: str
) -> None:
    for i in scoped:
        offer.discounts[i] = lines[i].gross * percent / HUNDRED
        offer.notes[i] = note


def _slabs(offer: _Offer, lines: Sequence[CartLine], scoped: list[int]) -> None:
    by_quantity = offer.scheme.kind is SchemeKind.QUANTITY_SLABS
    reached = sum(
        (Decimal(lines[i].quantity) if by_quantity else lines[i].gross for i in scoped), Decimal(0)
    )
    slab = _slab_for(offer.scheme.slabs, reached)
    if slab is not None:
        unit = "units" if by_quantity else "in value"
        _percent(
            offer,
            lines,
            scoped,
            slab.percent,
            f"{slab.percent}% off for {slab.threshold} {unit} or more",
        )


def _slab_for(slabs: Sequence[Slab], reached: Decimal) -> Slab | None:
    met = [s for s in slabs if reached >= s.threshold]
    return max(met, key=lambda s: s.threshold) if met else None


def _free_goods(offer: _Offer, lines: Sequence[CartLine], scoped: list[int]) -> None:
    scheme = offer.scheme
    if scheme.buy_quantity <= 0 or scheme.free_quantity <= 0:
        return
    groups: dict[str, list[int]] = defaultdict(list)
    for i in scoped:
        groups[scheme.free_sku or lines[i].sku].append(i)
    prices = {line.sku: line.unit_price for line in lines}
    for free_sku, members in groups.items():
        bought = sum(lines[i].quantity for i in members)
        units = (bought // scheme.buy_quantity) * scheme.free_quantity
        if units == 0:
            continue
        note = f"buy {scheme.buy_quantity} get {scheme.free_quantity} {free_sku} free"
        price = prices.get(free_sku)
        value = price * units if price is not None else None
        offer.free.append(FreeItem(free_sku, units, scheme.code, note, value))
        for i in members:
            offer.notes[i] = note
            # a free SKU that is not in the cart has no price here; a token benefit keeps the
            # scheme in the running when combination rules compare benefits
            share = (value or Decimal(0)) * lines[i].quantity / bought
            offer.free_value_by_line[i] = share if share > 0 else TOKEN_BENEFIT


def _combo(offer: _Offer, lines: Sequence[CartLine], scoped: list[int]) -> None:
    scheme = offer.scheme
    quantities: dict[str, int] = defaultdict(int)
    for i in scoped:
        quantities[lines[i].sku] += lines[i].quantity
    if not scheme.bundle:
        return
    bundles = min(quantities.get(sku, 0) // units for sku, units in scheme.bundle)
    if bundles == 0:
        return
    members = [i for i in scoped if lines[i].sku in dict(scheme.bundle)]
    total = sum((lines[i].gross for i in members), Decimal(0))
    discount = min(scheme.amount * bundles, total)
    for i in members:
        offer.discounts[i] = discount * lines[i].gross / total
        offer.notes[i] = f"{bundles} bundle(s) of {_bundle_text(scheme)}: {scheme.amount} off each"


def _bundle_text(scheme: Scheme) -> str:
    return " + ".join(f"{units} × {sku}" for sku, units in scheme.bundle)


def _cap(offer: _Offer, quantum: Decimal) -> None:
    """Round the offer's discounts and hold them to the scheme's cap by largest remainder."""
    cap = offer.scheme.max_discount
    raw = offer.discounts
    if cap is None or sum(raw.values(), Decimal(0)) <= cap:
        return
    total = sum(raw.values(), Decimal(0))
    shares = {i: cap * amount / total for i, amount in raw.items()}
    floors = {i: s.quantize(quantum, rounding=ROUND_FLOOR) for i, s in shares.items()}
    left = int(
        (cap.quantize(quantum, rounding=ROUND_FLOOR) - sum(floors.values(), Decimal(0))) / quantum
    )
    for i in sorted(shares, key=lambda i: (floors[i] - shares[i], i))[:left]:
        floors[i] += quantum
    offer.discounts = floors
    for i in floors:
        offer.notes[i] = f"{offer.notes[i]} (capped at {cap} a bill)"


def _round(amount: Decimal, quantum: Decimal) -> Decimal:
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)
