"""Beat design: visit frequencies over the 4-week cycle, and the balance figure."""

import numpy as np

from optimizer.beats import (
    BeatDay,
    BeatPlan,
    BeatProblem,
    Outlet,
    VisitClass,
    design_beats,
    kmeans_beats,
)


def small_territory() -> BeatProblem:
    rng = np.random.default_rng(3)
    xy = np.vstack([[0.0, 0.0], rng.uniform(-3, 3, size=(18, 2))])
    travel = np.rint(np.linalg.norm(xy[:, None] - xy[None, :], axis=2) * 240).astype(np.int64)
    classes = [VisitClass.A, VisitClass.B, VisitClass.C]
    outlets = tuple(
        Outlet(f"o{i}", i, (float(xy[i, 0]), float(xy[i, 1])), classes[i % 3], 600)
        for i in range(1, 19)
    )
    return BeatProblem(outlets, 0, 2, travel, 9 * 3600)


def test_each_class_is_visited_at_its_frequency() -> None:
    problem = small_territory()
    for plan in (design_beats(problem, refinements=1), kmeans_beats(problem)):
        assert len(plan.days) == 2 * 4
        assert set(plan.beat_of) == {o.outlet_id for o in problem.outlets}
        visits: dict[str, list[int]] = {}
        for day in plan.days:
            for outlet_id in day.outlet_ids:
                assert plan.beat_of[outlet_id] == day.beat
                visits.setdefault(outlet_id, []).append(day.week)
        for outlet in problem.outlets:
            weeks = visits[outlet.outlet_id]
            if outlet.visit_class == VisitClass.A:
                assert weeks == [0, 1, 2, 3]
            elif outlet.visit_class == VisitClass.B:
                assert weeks in ([0, 2], [1, 3])
            else:
                assert len(weeks) == 1


def test_balance_and_compactness_figures() -> None:
    days = (
        BeatDay(0, 0, ("a",), 100, 900),
        BeatDay(1, 0, ("b",), 300, 700),
        BeatDay(2, 0, (), 0, 1400),
    )
    plan = BeatPlan({"a": 0, "b": 1}, days)
    # loads 1000, 1000, 1400: mean 1133.3, largest deviation 266.7 -> 4/17
    assert abs(plan.balance() - 4 / 17) < 1e-12
    assert plan.total_travel_s() == 400
    assert plan.days_over_shift(1200) == 1
