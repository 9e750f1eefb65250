"""The demo PJP covers every outlet at its class frequency."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta

from backend.demo.field_history import pjp_of, plan_beats
from backend.demo.world import build_world
from backend.field.calendar import beat_for


def test_each_outlet_is_in_one_beat_and_visited_at_its_class_frequency_in_a_month() -> None:
    world = build_world(7)
    rep = world.reps[0]
    outlets = [o for o in world.retailers if o.territory_code == rep.territory_code]
    planned = plan_beats(rep, outlets)
    beat_ids = [uuid.UUID(int=i + 1) for i in range(len(planned))]
    calendar = pjp_of(uuid.UUID(int=0), planned, beat_ids)
    members = {bid: chunk for bid, (_, _, chunk) in zip(beat_ids, planned, strict=True)}

    visits: Counter[str] = Counter()
    weekday_count: Counter[int] = Counter()
    for day in (date(2026, 11, 1) + timedelta(days=k) for k in range(30)):
        weekday_count[day.weekday()] += 1
        for bid in beat_for(calendar, day):
            visits.update(o.code for o in members[bid])

    assert len(planned) == 6 + 12 + 24
    assert sorted(o.code for _, _, chunk in planned for o in chunk) == sorted(
        o.code for o in outlets
    )
    for outlet in outlets:
        weekday = next(line.weekday for _, line, chunk in planned if outlet in chunk)
        if outlet.outlet_class == "A":
            assert visits[outlet.code] == weekday_count[weekday]
        elif outlet.outlet_class == "B":
            assert visits[outlet.code] in (2, 3)
        else:
            assert visits[outlet.code] == 1
