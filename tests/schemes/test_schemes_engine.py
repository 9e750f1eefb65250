"""The scheme engine on hand-computed carts: every kind, every combination rule, known regressions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from backend.schemes.engine import applicable_schemes, price_cart
from backend.schemes.nudges import next_steps
from backend.schemes.rules import (
    CartLine,
    Combination,
    Eligibility,
    ProductScope,
    RetailerProfile,
    Scheme,
    SchemeKind,
    Slab,
)

D = Decimal
DAY = date(2026, 11, 25)
SHOP = RetailerProfile("r1", "GT", "A", "/c/r/a1/t1/", "d1")


def scheme(code: str, kind: SchemeKind, **kw: Any) -> Scheme:
    return Scheme(
        code=code, kind=kind, valid_from=date(2026, 11, 1), valid_to=date(2026, 11, 30), **kw
    )


def line(sku: str, quantity: int, price: str = "1000", **kw: Any) -> CartLine:
    return CartLine(sku=sku, quantity=quantity, unit_price=D(price), **kw)


def discounts(cart: Any) -> list[Decimal]:
    return [priced.discount for priced in cart.lines]


def test_percent_discount_on_scoped_lines_only() -> None:
    s = scheme(
        "P10",
        SchemeKind.PERCENT_DISCOUNT,
        percent=D(10),
        scope=ProductScope(brands=frozenset({"Rasa"})),
    )

    cart = price_cart([line("A", 3, brand="Rasa"), line("B", 2, brand="Other")], SHOP, DAY, [s])

    assert discounts(cart) == [D(300), D(0)]
    assert (cart.gross, cart.discount, cart.net) == (D(5000), D(300), D(4700))
    assert cart.lines[0].applied[0].note == "10% off"


def test_flat_discount_per_unit_never_exceeds_the_line() -> None:
    s = scheme("F", SchemeKind.FLAT_DISCOUNT, amount=D(1500))

    cart = price_cart([line("A", 2, "1000")], SHOP, DAY, [s])

    assert discounts(cart) == [D(2000)]
    assert cart.lines[0].net == 0


def test_quantity_slabs_move_both_ways() -> None:
    s = scheme("Q", SchemeKind.QUANTITY_SLABS, slabs=(Slab(D(10), D(2)), Slab(D(20), D(5))))

    below, first, second, back = (
        price_cart([line("A", q)], SHOP, DAY, [s]) for q in (9, 12, 20, 19)
    )

    assert [c.discount for c in (below, first, second, back)] == [D(0), D(240), D(1000), D(380)]


def test_value_slabs_count_the_eligible_value_across_lines() -> None:
    s = scheme("V", SchemeKind.VALUE_SLABS, slabs=(Slab(D(50000), D(3)),))

    cart = price_cart([line("A", 30, "1000"), line("B", 20, "1000")], SHOP, DAY, [s])

    assert discounts(cart) == [D(900), D(600)]


def test_buy_one_get_one_counts_every_line_of_the_same_sku_together() -> None:
    bogo = scheme("BOGO", SchemeKind.BUY_X_GET_Y, buy_quantity=1, free_quantity=1)

    cart = price_cart([line("A", 1), line("A", 1), line("A", 1)], SHOP, DAY, [bogo])

    assert [(f.sku, f.quantity) for f in cart.free_items] == [("A", 3)]
    assert cart.discount == 0


def test_a_free_item_is_given_for_every_qualifying_sku_not_just_the_first() -> None:
    b2g1 = scheme("B2G1", SchemeKind.BUY_X_GET_Y, buy_quantity=2, free_quantity=1)

    cart = price_cart([line("A", 4), line("B", 2), line("C", 1)], SHOP, DAY, [b2g1])

    assert sorted((f.sku, f.quantity) for f in cart.free_items) == [("A", 2), ("B", 1)]


def test_the_free_item_disappears_when_the_quantity_drops_below_the_threshold() -> None:
    b3g1 = scheme("B3G1", SchemeKind.BUY_X_GET_Y, buy_quantity=3, free_quantity=1, free_sku="GIFT")

    with_gift = price_cart([line("A", 3)], SHOP, DAY, [b3g1])
    without = price_cart([line("A", 2)], SHOP, DAY, [b3g1])

    assert [(f.sku, f.quantity, f.value) for f in with_gift.free_items] == [("GIFT", 1, None)]
    assert without.free_items == ()


def test_a_combo_gives_its_amount_per_complete_bundle_shared_by_value() -> None:
    combo = scheme("CMB", SchemeKind.COMBO, amount=D(600), bundle=(("A", 2), ("B", 1)))

    cart = price_cart(
        [line("A", 5, "1000"), line("B", 2, "2000"), line("C", 1)], SHOP, DAY, [combo]
    )

    assert discounts(cart) == [D(667), D(533), D(0)]
    assert cart.discount == D(1200)


def test_qps_never_touches_the_bill() -> None:
    qps = scheme("QPS", SchemeKind.QPS, slabs=(Slab(D(1), D(50)),))

    cart = price_cart([line("A", 100)], SHOP, DAY, [qps])

    assert cart.discount == 0 and cart.free_items == ()


def test_minimum_eligible_value_and_maximum_discount_are_respected() -> None:
    s = scheme(
        "P20",
        SchemeKind.PERCENT_DISCOUNT,
        percent=D(20),
        min_eligible_value=D(10000),
        max_discount=D(1001),
    )

    small = price_cart([line("A", 9)], SHOP, DAY, [s])
    large = price_cart([line("A", 10), line("B", 20), line("C", 3)], SHOP, DAY, [s])

    assert small.discount == 0
    assert large.discount == D(1001)
    assert discounts(large) == [D(303), D(607), D(91)]


def test_exclusive_beats_everything_on_its_lines() -> None:
    exclusive = scheme(
        "X",
        SchemeKind.PERCENT_DISCOUNT,
        percent=D(5),
        combination=Combination.EXCLUSIVE,
        scope=ProductScope(skus=frozenset({"A"})),
    )
    stack = scheme("S", SchemeKind.PERCENT_DISCOUNT, percent=D(10))

    cart = price_cart([line("A", 10), line("B", 10)], SHOP, DAY, [stack, exclusive])

    assert [[a.code for a in p.applied] for p in cart.lines] == [["X"], ["S"]]
    assert discounts(cart) == [D(500), D(1000)]


def test_best_of_takes_the_largest_then_stackables_compound_on_what_is_left() -> None:
    small = scheme("B1", SchemeKind.PERCENT_DISCOUNT, percent=D(5), combination=Combination.BEST_OF)
    large = scheme("B2", SchemeKind.FLAT_DISCOUNT, amount=D(100), combination=Combination.BEST_OF)
    stack = scheme("S", SchemeKind.PERCENT_DISCOUNT, percent=D(10), priority=1)

    cart = price_cart([line("A", 10)], SHOP, DAY, [small, large, stack])

    assert [a.code for a in cart.lines[0].applied] == ["B2", "S"]
    assert [a.amount for a in cart.lines[0].applied] == [D(1000), D(900)]


def test_no_double_discount_when_quantity_and_value_conditions_both_hold() -> None:
    by_quantity = scheme(
        "SQ", SchemeKind.QUANTITY_SLABS, slabs=(Slab(D(10), D(4)),), combination=Combination.BEST_OF
    )
    by_value = scheme(
        "SV", SchemeKind.VALUE_SLABS, slabs=(Slab(D(5000), D(3)),), combination=Combination.BEST_OF
    )

    cart = price_cart([line("A", 10)], SHOP, DAY, [by_quantity, by_value])

    assert [a.code for a in cart.lines[0].applied] == ["SQ"]
    assert cart.discount == D(400)


def test_eligibility_and_validity_decide_which_schemes_apply() -> None:
    mt_only = scheme(
        "MT",
        SchemeKind.PERCENT_DISCOUNT,
        percent=D(1),
        eligibility=Eligibility(channels=frozenset({"MT"})),
    )
    in_area = scheme(
        "AREA",
        SchemeKind.PERCENT_DISCOUNT,
        percent=D(1),
        eligibility=Eligibility(territory_paths=frozenset({"/c/r/a1/"})),
    )
    expired = Scheme(
        code="OLD",
        kind=SchemeKind.PERCENT_DISCOUNT,
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 11, 24),
        percent=D(1),
    )

    assert [s.code for s in applicable_schemes(SHOP, DAY, [mt_only, in_area, expired])] == ["AREA"]


def test_nudges_say_how_far_the_next_slab_free_item_and_bundle_are() -> None:
    slabs = scheme("Q", SchemeKind.QUANTITY_SLABS, slabs=(Slab(D(10), D(2)), Slab(D(20), D(5))))
    b3g1 = scheme("B3G1", SchemeKind.BUY_X_GET_Y, buy_quantity=3, free_quantity=1)
    combo = scheme("CMB", SchemeKind.COMBO, amount=D(500), bundle=(("A", 2), ("B", 1)))

    nudges = next_steps([line("A", 12)], SHOP, DAY, [slabs, b3g1, combo])

    assert [(n.code, n.missing_quantity, n.reward) for n in nudges] == [
        ("B3G1", 3, "1 more free"),
        ("CMB", 1, "500 off one more bundle"),
        ("Q", 8, "5% off"),
    ]


def test_a_slab_that_wins_a_line_but_falls_below_its_threshold_gives_way() -> None:
    # 3 units reach 11% (12.10 on the 110 line, more than the flat 12) on the whole cart, but
    # recounted on the one line it wins the slab falls to 1%: that line takes the flat 12 instead
    slab = scheme(
        "AAA",
        SchemeKind.QUANTITY_SLABS,
        combination=Combination.BEST_OF,
        slabs=(Slab(D(1), D(1)), Slab(D(3), D(11))),
    )
    flat = scheme("AAB", SchemeKind.FLAT_DISCOUNT, combination=Combination.BEST_OF, amount=D(12))
    cart = [line("A", 1, "100"), line("A", 1, "100"), line("A", 1, "110")]

    priced = price_cart(cart, SHOP, DAY, [slab, flat])

    assert discounts(priced) == [D(12), D(12), D(12)]
    assert [[a.code for a in p.applied] for p in priced.lines] == [["AAB"], ["AAB"], ["AAB"]]
    # and removing a line gives no other line more
    assert discounts(price_cart(cart[1:], SHOP, DAY, [slab, flat])) == [D(12), D(12)]
