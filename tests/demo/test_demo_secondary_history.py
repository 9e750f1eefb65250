"""The demo's secondary history: value concentrates, bills have 5–15 lines, weekdays and the
festive week show, and each outlet's past says something about its future."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date
from decimal import Decimal

from backend.demo.activity import plan_activity, pull_days, wait_days
from backend.demo.secondary_history import FESTIVE, HISTORY_END, START
from backend.demo.world import DemoWorld
from backend.field.visit_models import NoOrderReason


def test_secondary_history_carries_each_outlets_signal(demo_world: DemoWorld) -> None:
    bills = plan_activity(demo_world, seed=7).bills
    by_outlet: dict[str, Decimal] = defaultdict(Decimal)
    halves: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    by_week: dict[int, Decimal] = defaultdict(Decimal)
    by_weekday: dict[int, list[Decimal]] = defaultdict(list)
    middle = date.fromordinal((START.toordinal() + HISTORY_END.toordinal()) // 2)
    for bill in bills:
        assert START <= bill.day <= HISTORY_END and bill.day.weekday() != 6
        assert 5 <= len(bill.lines) <= 15
        assert len({sku for sku, _, _ in bill.lines}) == len(bill.lines)
        by_outlet[bill.outlet.code] += bill.value
        halves[bill.outlet.code][bill.day > middle] += bill.value
        by_week[(bill.day - START).days // 7] += bill.value
        by_weekday[bill.day.weekday()].append(bill.value)
    # every outlet buys, and the top 20% of outlets carry 60–70% of the value
    assert len(by_outlet) == len(demo_world.retailers)
    values = sorted(by_outlet.values(), reverse=True)
    share = sum(values[: len(values) // 5]) / sum(values)
    assert Decimal("0.60") <= share <= Decimal("0.70")
    # the biggest week falls in the festive window, well above the median week
    festive_weeks = {(FESTIVE[0] - START).days // 7, (FESTIVE[1] - START).days // 7}
    full_weeks = {w: v for w, v in by_week.items() if 0 < w < 11}
    peak = max(full_weeks, key=full_weeks.__getitem__)
    assert peak in festive_weeks
    assert full_weeks[peak] > Decimal("1.3") * statistics.median(full_weeks.values())
    # Saturday bills are bigger than Wednesday bills (weekly seasonality)
    assert statistics.mean(by_weekday[5]) > statistics.mean(by_weekday[2])
    # an outlet's first six weeks predict its last six: strong rank correlation
    codes = sorted(halves)
    first = [float(halves[c][0]) for c in codes]
    second = [float(halves[c][1]) for c in codes]
    assert statistics.correlation(_ranks(first), _ranks(second)) > 0.8


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = float(rank)
    return ranks


def test_visits_and_bills_tell_the_same_story(demo_world: DemoWorld) -> None:
    activity = plan_activity(demo_world, seed=7)
    bills, visits = activity.bills, activity.visits
    visited = {(v.outlet.code, v.day) for v in visits}
    productive = [v for v in visits if v.bill is not None]
    captured = {b.captured_order_id: b for b in bills if b.captured_order_id}
    # every productive visit's order is one bill of that outlet on that day, and every bill with
    # a captured order comes from exactly one productive visit
    assert len(captured) == len(productive)
    for visit in productive:
        assert visit.bill is not None and visit.bill.captured_order_id is not None
        bill = captured[visit.bill.captured_order_id]
        assert (bill.outlet.code, bill.day, bill.visit_id) == (
            visit.outlet.code,
            visit.day,
            visit.id,
        )
        assert visit.is_open and visit.reason is None
        assert -wait_days(bill.outlet) <= (bill.due - bill.day).days <= pull_days(bill.outlet)
    # a desk order is placed on its due day; no bill is captured on a closed shop
    desk = [b for b in bills if b.captured_order_id is None]
    assert all(b.day == b.due for b in desk)
    assert all(v.reason is NoOrderReason.SHOP_CLOSED for v in visits if not v.is_open)
    assert all(v.bill is None for v in visits if not v.is_open)
    # a call with nothing due takes no order (mostly "stock sufficient")
    reasons = [v.reason for v in visits if v.bill is None and v.is_open]
    assert reasons.count(NoOrderReason.STOCK_SUFFICIENT) > len(reasons) / 2
    # the PJP drives most of the business: most calls are productive, most value is captured
    # at visits, and the rest is ordered at the desk between visits
    assert 0.5 < len(productive) / len(visits) < 0.75
    at_visits = sum((b.value for b in captured.values()), Decimal(0))
    assert Decimal("0.5") < at_visits / sum((b.value for b in bills), Decimal(0)) < Decimal("0.8")
    assert any((b.outlet.code, b.day) not in visited for b in desk)
    # bills come in date order (invoice numbers follow dates)
    assert [b.day for b in bills] == sorted(b.day for b in bills)
