"""The demo's secondary history: value concentrates, bills have 5–15 lines, weekdays and the
festive week show, and each outlet's past says something about its future."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date
from decimal import Decimal

from backend.demo.secondary_history import FESTIVE, HISTORY_END, START, plan_bills
from backend.demo.world import DemoWorld


def test_secondary_history_carries_each_outlets_signal(demo_world: DemoWorld) -> None:
    bills = list(plan_bills(demo_world, seed=7))
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
