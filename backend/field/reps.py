"""Rules for rep profiles, beats and the tenant's field settings."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.field.models import (
    Beat,
    BeatRetailer,
    FieldSetting,
    OutsideGeofencePolicy,
    Rep,
    SpeedProfile,
)
from backend.field.repository import beats_by_ids, field_setting, rep_scope
from backend.identity.models import Role, User
from backend.identity.repository import users_by_ids
from backend.kit.constraints import register_check, register_unique
from backend.kit.db import new_id
from backend.kit.errors import NotFound
from backend.kit.geo import point_element
from backend.kit.idempotency import run_once
from backend.kit.validation import Checks
from backend.parties.repository import retailers_by_ids

register_unique("uq_beat_tenant_id_code", "input.code", "a beat with this code already exists")
register_check("ck_rep_shift_in_order", "input.shiftEnd", "the shift must end after it starts")

DEFAULT_GEOFENCE_RADIUS_M = 100.0
DEFAULT_OUTSIDE_GEOFENCE = OutsideGeofencePolicy.FLAG
MAX_BEAT_OUTLETS = 80


@dataclass(frozen=True)
class RepProfile:
    """What makes a REP user a rep: where the day starts and the shift."""

    user_id: uuid.UUID
    start_latitude: float
    start_longitude: float
    shift_start: time
    shift_end: time
    break_minutes: int
    speed_profile: SpeedProfile
    max_visits_per_day: int


@dataclass(frozen=True)
class FieldRules:
    """The geofence rules in force for a tenant."""

    geofence_radius_m: float
    outside_geofence: OutsideGeofencePolicy


async def save_rep(session: AsyncSession, *, principal: Principal, profile: RepProfile) -> Rep:
    """Create or replace the rep profile of a REP user (ADMIN, or MANAGER of its territory)."""
    principal.require(Role.ADMIN, Role.MANAGER)
    user = await _rep_user(session, principal, profile)
    rep = (
        await session.execute(select(Rep).where(Rep.user_id == user.id).with_for_update())
    ).scalar_one_or_none()
    if rep is None:
        rep = Rep(id=new_id(), tenant_id=principal.tenant_id, user_id=user.id)
        session.add(rep)
    assert user.territory_id is not None
    rep.territory_id = user.territory_id
    rep.start_location = point_element(profile.start_latitude, profile.start_longitude)
    rep.shift_start, rep.shift_end = profile.shift_start, profile.shift_end
    rep.break_minutes = profile.break_minutes
    rep.speed_profile = profile.speed_profile
    rep.max_visits_per_day = profile.max_visits_per_day
    await session.flush()
    return rep


async def _rep_user(session: AsyncSession, principal: Principal, profile: RepProfile) -> User:
    checks = Checks()
    checks.location("input.startPoint", profile.start_latitude, profile.start_longitude)
    if profile.shift_start >= profile.shift_end:
        checks.fail("input.shiftEnd", "the shift must end after it starts")
    if not 0 <= profile.break_minutes <= 240:
        checks.fail("input.breakMinutes", "must be between 0 and 240")
    if not 1 <= profile.max_visits_per_day <= 100:
        checks.fail("input.maxVisitsPerDay", "must be between 1 and 100")
    checks.raise_if_any()
    users = await users_by_ids(session, principal, [profile.user_id])
    if not users or users[0].role is not Role.REP:
        raise NotFound("no such REP user", field="input.userId")
    return users[0]


async def create_beat(
    session: AsyncSession,
    *,
    principal: Principal,
    rep_id: uuid.UUID,
    code: str,
    name: str,
    retailer_ids: list[uuid.UUID],
    idempotency_key: str | None,
) -> Beat:
    """Create a named beat for a rep from outlets in order (ADMIN, MANAGER of the rep)."""
    principal.require(Role.ADMIN, Role.MANAGER)

    async def create() -> uuid.UUID:
        await _check_beat(session, principal, rep_id, code, name, retailer_ids)
        beat = Beat(id=new_id(), tenant_id=principal.tenant_id, code=code, name=name, rep_id=rep_id)
        session.add(beat)
        await session.flush()
        session.add_all(
            BeatRetailer(tenant_id=principal.tenant_id, beat_id=beat.id, retailer_id=r, position=i)
            for i, r in enumerate(retailer_ids)
        )
        await session.flush()
        return beat.id

    beat_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="createBeat",
        payload={"rep": rep_id, "code": code, "name": name, "retailers": retailer_ids},
        create=create,
    )
    found = await beats_by_ids(session, principal, [beat_id])
    if not found:
        raise NotFound("no such beat", field="input.idempotencyKey")
    return found[0]


async def _check_beat(
    session: AsyncSession,
    principal: Principal,
    rep_id: uuid.UUID,
    code: str,
    name: str,
    retailer_ids: list[uuid.UUID],
) -> None:
    checks = Checks()
    checks.code("input.code", code)
    checks.text("input.name", name, max_length=200)
    if not 1 <= len(retailer_ids) <= MAX_BEAT_OUTLETS:
        checks.fail("input.retailerIds", f"a beat holds 1 to {MAX_BEAT_OUTLETS} outlets")
    if len(set(retailer_ids)) != len(retailer_ids):
        checks.fail("input.retailerIds", "an outlet is listed twice")
    checks.raise_if_any()
    rep = (
        await session.execute(select(Rep.id).where(Rep.id == rep_id, rep_scope(principal)))
    ).first()
    if rep is None:
        raise NotFound("no such rep", field="input.repId")
    visible = await retailers_by_ids(session, principal, retailer_ids)
    if len(visible) != len(retailer_ids):
        raise NotFound(
            "an outlet does not exist or is out of your territory", field="input.retailerIds"
        )


async def field_rules(session: AsyncSession) -> FieldRules:
    """The tenant's geofence rules, or the defaults when none were saved."""
    row = await field_setting(session)
    if row is None:
        return FieldRules(DEFAULT_GEOFENCE_RADIUS_M, DEFAULT_OUTSIDE_GEOFENCE)
    return FieldRules(row.geofence_radius_m, row.outside_geofence)


async def set_field_rules(
    session: AsyncSession, *, principal: Principal, rules: FieldRules
) -> FieldRules:
    """Save the tenant's geofence radius and outside-geofence policy (ADMIN)."""
    principal.require(Role.ADMIN)
    if not 0 < rules.geofence_radius_m <= 5_000:
        checks = Checks()
        checks.fail("input.geofenceRadiusM", "must be above 0 and at most 5,000 metres")
        checks.raise_if_any()
    values = {"tenant_id": principal.tenant_id, **asdict(rules)}
    await session.execute(
        insert(FieldSetting)
        .values(values)
        .on_conflict_do_update(index_elements=["tenant_id"], set_=asdict(rules))
    )
    return rules
