"""The demo world's parties and products: counts, mixes, values, codes and determinism."""

import re
from collections import Counter
from decimal import Decimal

import pytest
import shapely

from backend.demo.hours import is_well_formed
from backend.demo.outlets import top_share
from backend.demo.world import DemoWorld, build_world, world_summary


def test_same_seed_builds_the_identical_world_and_another_seed_a_different_one(
    demo_world: DemoWorld,
) -> None:
    again = build_world(7)
    other = build_world(8)

    assert again == demo_world
    assert other != demo_world
    assert [r.lat for r in other.retailers] != [r.lat for r in demo_world.retailers]
    assert [t.boundary_wkt for t in other.territories] != [
        t.boundary_wkt for t in demo_world.territories
    ]


def test_default_world_has_the_promised_counts(demo_world: DemoWorld) -> None:
    assert len(demo_world.retailers) == 4000
    assert len(demo_world.distributors) == 8
    assert len(demo_world.reps) == 40
    assert len(demo_world.products) == 150
    assert len(demo_world.managers) == 5
    assert demo_world.tenant.code == "jkt-demo"
    assert (demo_world.tenant.currency, demo_world.tenant.timezone) == ("IDR", "Asia/Jakarta")


def test_codes_are_unique_and_well_shaped(demo_world: DemoWorld) -> None:
    groups = {
        r"RT-\d{6}": [r.code for r in demo_world.retailers],
        r"DB-\d{2}": [d.code for d in demo_world.distributors],
        r"SKU-[A-Z]{3}-\d{3}": [p.sku for p in demo_world.products],
        r"RP-\d{2}": [r.code for r in demo_world.reps],
        r"MG-J[PUBST]": [m.code for m in demo_world.managers],
        r"(CT-ID|RG-JK|AR-J[PUBST]|TR-J[PUBST]-\d{2})": [t.code for t in demo_world.territories],
    }
    for pattern, codes in groups.items():
        assert len(set(codes)) == len(codes), pattern
        assert all(re.fullmatch(pattern, code) for code in codes), pattern
    usernames = (
        [r.username for r in demo_world.reps]
        + [m.username for m in demo_world.managers]
        + [d.username for d in demo_world.distributors]
        + [demo_world.admin.username]
    )
    assert len(set(usernames)) == len(usernames) == 54


def test_channel_mix_is_general_trade_heavy(demo_world: DemoWorld) -> None:
    channels = Counter(r.channel for r in demo_world.retailers)

    assert channels == {"GT": 3160, "MT": 320, "HORECA": 320, "WHOLESALE": 200}


def test_top_fifth_of_outlets_gives_60_to_70_percent_of_value(demo_world: DemoWorld) -> None:
    values = [float(r.weekly_value) for r in demo_world.retailers]

    assert 0.60 <= top_share(values, 0.2) <= 0.70
    assert all(r.weekly_value == r.weekly_value.to_integral_value() for r in demo_world.retailers)
    assert min(values) >= 10_000


def test_classes_follow_value_rank(demo_world: DemoWorld) -> None:
    by_class = {
        c: [r.weekly_value for r in demo_world.retailers if r.outlet_class == c] for c in "ABC"
    }

    assert {c: len(v) for c, v in by_class.items()} == {"A": 600, "B": 1200, "C": 2200}
    assert 0.10 <= len(by_class["A"]) / 4000 <= 0.20
    assert min(by_class["A"]) >= max(by_class["B"])
    assert min(by_class["B"]) >= max(by_class["C"])
    a_value = sum(by_class["A"]) / sum(r.weekly_value for r in demo_world.retailers)
    assert Decimal("0.50") <= a_value <= Decimal("0.70")


def test_buying_rhythm_follows_class(demo_world: DemoWorld) -> None:
    intervals = {c: [r.order_interval_days for r in demo_world.retailers if r.outlet_class == c]
                 for c in "ABC"}  # fmt: skip

    assert set(intervals["A"]) <= set(range(5, 10))
    assert set(intervals["B"]) <= set(range(11, 19))
    assert set(intervals["C"]) <= set(range(21, 31))
    assert Counter(intervals["A"]).most_common(1)[0][0] == 7
    assert 13 <= sum(intervals["B"]) / len(intervals["B"]) <= 15


def test_opening_hours_are_well_formed_and_follow_the_channel(demo_world: DemoWorld) -> None:
    friday_split = (("06:00", "11:30"), ("13:00", "22:00"))
    retailers = demo_world.retailers

    assert all(is_well_formed(r.opening_hours) for r in retailers)
    for r in retailers:
        if r.channel == "MT":
            assert set(r.opening_hours.values()) == {(("08:00", "22:00"),)}
        if r.channel == "WHOLESALE":
            assert r.opening_hours[6] == ()
    assert any(r.channel == "GT" and r.opening_hours[4] == friday_split for r in retailers)
    assert 0 < sum(r.opening_hours[6] == () for r in retailers if r.channel == "GT") < 3160 * 0.2


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ({d: (("07:00", "21:00"),) for d in range(7)}, True),
        ({d: () for d in range(7)}, True),
        ({d: (("07:00", "21:00"),) for d in range(6)}, False),
        ({**{d: () for d in range(6)}, 6: (("21:00", "07:00"),)}, False),
        ({**{d: () for d in range(6)}, 6: (("07:00", "12:00"), ("11:00", "15:00"))}, False),
        ({**{d: () for d in range(6)}, 6: (("7:00", "12:00"),)}, False),
        ({**{d: () for d in range(6)}, 6: (("07:00", "24:00"),)}, False),
    ],
)
def test_is_well_formed_rejects_bad_hours(
    hours: dict[int, tuple[tuple[str, str], ...]], expected: bool
) -> None:
    assert is_well_formed(hours) is expected


def test_identities_look_indonesian(demo_world: DemoWorld) -> None:
    for r in demo_world.retailers:
        assert re.fullmatch(r"\+62(8\d{9,11}|21\d{8})", r.phone), r.phone
        assert r.tax_id is None or re.fullmatch(r"\d{16}", r.tax_id)
        assert r.address.startswith("Jl. ")
        assert re.search(r"Jakarta (Pusat|Utara|Barat|Selatan|Timur) \d{5}$", r.address)
    chain_stores = [r for r in demo_world.retailers if r.channel == "MT"]
    assert all(r.tax_id and r.owner_name.startswith("PT ") for r in chain_stores)
    assert len({r.name for r in chain_stores}) == len(chain_stores)
    for d in demo_world.distributors:
        assert re.fullmatch(r"\d{16}", d.tax_id) and d.tax_id.startswith("0")
        assert re.fullmatch(r"(PT|CV) [A-Z][a-z]+( [A-Z][a-z]+)+", d.name), d.name


def test_distributors_have_tiers_credit_and_about_500_outlets(demo_world: DemoWorld) -> None:
    served = Counter(r.distributor_code for r in demo_world.retailers)

    assert Counter(d.tier for d in demo_world.distributors) == {
        "PLATINUM": 2,
        "GOLD": 3,
        "SILVER": 3,
    }
    for d in demo_world.distributors:
        assert 250 <= served[d.code] <= 1000
        assert d.credit_limit > 0 and d.credit_limit % 50_000_000 == 0
        assert d.credit_days == {"PLATINUM": 30, "GOLD": 21, "SILVER": 14}[d.tier]
        assert d.territory_code.startswith("AR-")


def test_products_have_realistic_rupiah_prices(demo_world: DemoWorld) -> None:
    products = demo_world.products
    noodle_packs = [p for p in products if p.category == "Mi Instan" and p.case_size == 40]

    for p in products:
        assert 0 < p.distributor_price < p.retailer_price < p.mrp
        assert p.mrp == p.mrp.to_integral_value() and p.case_size in {6, 12, 24, 40, 48}
        assert p.unit == "PCS"
    assert noodle_packs and all(3000 <= p.mrp <= 4500 for p in noodle_packs)
    assert all(3000 <= p.mrp <= 3500 for p in noodle_packs if "Jumbo" not in p.name)
    assert 10 <= sum(p.must_sell for p in products) <= 15
    assert 1 <= sum(p.tax_class == "LUXURY" for p in products) <= 8
    assert len({p.category for p in products}) == 12


def test_users_cover_every_role(demo_world: DemoWorld) -> None:
    assert {m.territory_code for m in demo_world.managers} == {
        "AR-JP", "AR-JU", "AR-JB", "AR-JS", "AR-JT"
    }  # fmt: skip
    rep = demo_world.reps[0]
    assert (rep.shift_start, rep.shift_end, rep.break_minutes, rep.max_visits) == (
        "08:30", "17:30", 45, 35
    )  # fmt: skip
    assert demo_world.admin.username == "admin"


def test_world_summary_reports_the_exact_mix(demo_world: DemoWorld) -> None:
    summary = world_summary(demo_world)

    assert summary["retailers"] == 4000
    assert summary["territories_by_level"] == {
        "COUNTRY": 1,
        "REGION": 1,
        "AREA": 5,
        "TERRITORY": 40,
    }
    assert summary["retailers_by_channel"] == {
        "GT": 3160,
        "HORECA": 320,
        "MT": 320,
        "WHOLESALE": 200,
    }
    assert summary["retailers_by_class"] == {"A": 600, "B": 1200, "C": 2200}
    assert sum(summary["retailers_by_area"].values()) == 4000
    assert summary["class_a_share"] == 0.15
    assert 0.60 <= summary["top20_value_share"] <= 0.70
    assert summary["must_sell_skus"] == 12


def test_smaller_worlds_keep_their_promises() -> None:
    world = build_world(3, retailers=1200, distributors=5, reps=12, products=60)
    summary = world_summary(world)

    assert (summary["retailers"], summary["distributors"], summary["reps"]) == (1200, 5, 12)
    assert summary["products"] == 60
    assert summary["territories_by_level"]["TERRITORY"] == 12
    assert {d.territory_code for d in world.distributors} == {
        "AR-JP", "AR-JU", "AR-JB", "AR-JS", "AR-JT"
    }  # fmt: skip
    assert 0.60 <= summary["top20_value_share"] <= 0.70
    leaves = {t.code: shapely.from_wkt(t.boundary_wkt) for t in world.territories}
    assert all(
        leaves[r.territory_code].contains(shapely.Point(r.lon, r.lat)) for r in world.retailers
    )


@pytest.mark.parametrize(
    "arguments",
    [{"products": 155}, {"products": 0}, {"reps": 4}, {"distributors": 4}],
)
def test_impossible_sizes_are_refused(arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        build_world(retailers=300, **arguments)


def test_records_can_be_hashed_despite_the_hours_dict(demo_world: DemoWorld) -> None:
    assert len(set(demo_world.retailers)) == 4000
