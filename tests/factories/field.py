"""Builders for reps, beats, PJP lines and field settings."""

from __future__ import annotations

from datetime import date, time
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from backend.field.models import (
    Beat,
    BeatRetailer,
    FieldSetting,
    OutsideGeofencePolicy,
    PjpEntry,
    Rep,
    SpeedProfile,
    VisitFrequency,
)
from backend.identity.models import Tenant, User
from backend.kit.db import new_id
from backend.kit.geo import point_element
from backend.parties.models import Retailer

_seq = count(1)


async def make_rep(
    session: AsyncSession,
    tenant: Tenant,
    user: User,
    *,
    shift_start: time = time(8, 0),
    shift_end: time = time(17, 0),
    max_visits_per_day: int = 35,
) -> Rep:
    """Give a REP user its rep profile in the user's territory."""
    assert user.territory_id is not None
    rep = Rep(
        id=new_id(),
        tenant_id=tenant.id,
        user_id=user.id,
        territory_id=user.territory_id,
        start_location=point_element(-6.2, 106.85),
        shift_start=shift_start,
        shift_end=shift_end,
        break_minutes=30,
        speed_profile=SpeedProfile.MOTORBIKE,
        max_visits_per_day=max_visits_per_day,
    )
    session.add(rep)
    await session.flush()
    return rep


async def make_beat(
    session: AsyncSession, tenant: Tenant, rep: Rep, retailers: list[Retailer]
) -> Beat:
    """Add a beat of `retailers` (in order) for `rep`."""
    beat = Beat(
        id=new_id(), tenant_id=tenant.id, code=f"BEAT-{next(_seq)}", name="Beat", rep_id=rep.id
    )
    session.add(beat)
    await session.flush()
    session.add_all(
        BeatRetailer(tenant_id=tenant.id, beat_id=beat.id, retailer_id=r.id, position=i)
        for i, r in enumerate(retailers)
    )
    await session.flush()
    return beat


async def make_pjp_entry(
    session: AsyncSession,
    tenant: Tenant,
    rep: Rep,
    beat: Beat,
    *,
    weekday: int = 0,
    frequency: VisitFrequency = VisitFrequency.WEEKLY,
    week_parity: int | None = None,
    week_of_month: int | None = None,
    valid_from: date = date(2026, 1, 1),
) -> PjpEntry:
    """Put `beat` on a weekday of the rep's PJP."""
    entry = PjpEntry(
        id=new_id(),
        tenant_id=tenant.id,
        rep_id=rep.id,
        beat_id=beat.id,
        weekday=weekday,
        frequency=frequency,
        week_parity=week_parity,
        week_of_month=week_of_month,
        valid_from=valid_from,
    )
    session.add(entry)
    await session.flush()
    return entry


async def set_geofence(
    session: AsyncSession,
    tenant: Tenant,
    *,
    radius_m: float,
    outside: OutsideGeofencePolicy = OutsideGeofencePolicy.FLAG,
) -> FieldSetting:
    """Save the tenant's geofence rules."""
    setting = FieldSetting(
        tenant_id=tenant.id, geofence_radius_m=radius_m, outside_geofence=outside
    )
    session.add(setting)
    await session.flush()
    return setting
