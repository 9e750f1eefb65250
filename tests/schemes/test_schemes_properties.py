"""Properties of the scheme engine over random carts and schemes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.schemes.engine import price_cart
from backend.schemes.rules import (
    CartLine,
    Combination,
    ProductScope,
    RetailerProfile,
    Scheme,
    SchemeKind,
    Slab,
)

DAY = date(2026, 11, 25)
SHOP = RetailerProfile("r1", "GT", "A", "/c/r/a1/t1/", "d1")
SKUS = ["A", "B", "C", "D"]

lines = st.lists(
    st.builds(
        CartLine,
        sku=st.sampled_from(SKUS),
        quantity=st.integers(min_value=1, max_value=60),
        unit_price=st.integers(min_value=100, max_value=50_000).map(Decimal),
        brand=st.sampled_from(["Rasa", "Segar"]),
    ),
    min_size=1,
    max_size=8,
)
scopes = st.one_of(
    st.just(ProductScope()),
    st.builds(ProductScope, skus=st.frozensets(st.sampled_from(SKUS), min_size=1)),
    st.just(ProductScope(brands=frozenset({"Rasa"}))),
)
slab_lists = st.lists(
    st.tuples(st.integers(1, 200), st.integers(1, 30)),
    min_size=1,
    max_size=3,
    unique_by=lambda t: t[0],
).map(
    # slabs reward more for more: percents rise with thresholds (schemes are validated so)
    lambda pairs: tuple(
        Slab(Decimal(t), Decimal(p))
        for t, p in zip(sorted(t for t, _ in pairs), sorted(p for _, p in pairs), strict=True)
    )
)


@st.composite
def schemes(draw: st.DrawFn, *, monotone: bool = False) -> Scheme:
    """A random on-bill scheme; `monotone` leaves out minimums, caps, EXCLUSIVE and BEST_OF free goods.

    Those are thresholds like slabs: when removing a line drops a cart below one, the line can
    move to another scheme whose discount is larger even though its whole benefit (discount plus
    free goods) is smaller.
    """
    kinds = [
        SchemeKind.PERCENT_DISCOUNT,
        SchemeKind.FLAT_DISCOUNT,
        SchemeKind.QUANTITY_SLABS,
        SchemeKind.VALUE_SLABS,
        SchemeKind.BUY_X_GET_Y,
    ]
    if not monotone:
        kinds.append(SchemeKind.COMBO)
    kind = draw(st.sampled_from(kinds))
    combinations = [Combination.STACKABLE, Combination.BEST_OF] + (
        [] if monotone else [Combination.EXCLUSIVE]
    )
    if monotone and kind is SchemeKind.BUY_X_GET_Y:
        combinations = [Combination.STACKABLE]
    slabs = draw(slab_lists)
    if kind is SchemeKind.VALUE_SLABS:
        slabs = tuple(Slab(s.threshold * 1000, s.percent) for s in slabs)
    return Scheme(
        code=draw(st.text("ABCDEFGH", min_size=3, max_size=3)),
        kind=kind,
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
        combination=draw(st.sampled_from(combinations)),
        priority=draw(st.integers(1, 5)),
        scope=draw(scopes),
        percent=Decimal(draw(st.integers(1, 40))),
        amount=Decimal(draw(st.integers(1, 5000))),
        slabs=slabs,
        buy_quantity=draw(st.integers(1, 6)),
        free_quantity=draw(st.integers(1, 2)),
        bundle=(("A", draw(st.integers(1, 3))), ("B", 1)),
        min_eligible_value=Decimal(0)
        if monotone
        else Decimal(draw(st.sampled_from([0, 0, 20_000, 200_000]))),
        max_discount=None if monotone else draw(st.sampled_from([None, None, Decimal(1234)])),
    )


@settings(max_examples=120, deadline=None)
@given(cart=lines, offered=st.lists(schemes(), max_size=5, unique_by=lambda s: s.code))
def test_a_discount_never_exceeds_its_line_and_totals_add_up(
    cart: list[CartLine], offered: list[Scheme]
) -> None:
    priced = price_cart(cart, SHOP, DAY, offered)

    for line in priced.lines:
        assert Decimal(0) <= line.discount <= line.gross
        assert line.net == line.gross - line.discount
        assert sum((a.amount for a in line.applied), Decimal(0)) == line.discount
    assert priced.net == priced.gross - priced.discount
    for item in offered:
        if item.max_discount is not None:
            given_by = sum(
                (a.amount for p in priced.lines for a in p.applied if a.code == item.code),
                Decimal(0),
            )
            assert given_by <= item.max_discount


@settings(max_examples=80, deadline=None)
@given(cart=lines, offered=st.lists(schemes(), max_size=5, unique_by=lambda s: s.code))
def test_pricing_twice_gives_the_same_result(cart: list[CartLine], offered: list[Scheme]) -> None:
    assert price_cart(cart, SHOP, DAY, offered) == price_cart(list(cart), SHOP, DAY, list(offered))


@settings(max_examples=120, deadline=None)
@given(
    cart=lines,
    offered=st.lists(schemes(monotone=True), max_size=4, unique_by=lambda s: s.code),
    data=st.data(),
)
def test_removing_a_line_never_increases_another_lines_discount(
    cart: list[CartLine], offered: list[Scheme], data: st.DataObject
) -> None:
    removed = data.draw(st.integers(0, len(cart) - 1))
    before = price_cart(cart, SHOP, DAY, offered)
    after = price_cart(cart[:removed] + cart[removed + 1 :], SHOP, DAY, offered)

    kept = [line for i, line in enumerate(before.lines) if i != removed]
    for old, new in zip(kept, after.lines, strict=True):
        assert new.discount <= old.discount + 1  # one minor unit of rounding
