"""Reps, beats, the permanent journey plan (PJP) and its approved changes, and field settings."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class OutsideGeofencePolicy(enum.StrEnum):
    """What a check-in outside the outlet's geofence does: accepted and flagged, or refused."""

    FLAG = "FLAG"
    REFUSE = "REFUSE"


class SpeedProfile(enum.StrEnum):
    """How fast a rep travels between outlets (the optimiser turns it into km/h)."""

    WALKING = "WALKING"
    MOTORBIKE = "MOTORBIKE"
    CAR = "CAR"


class VisitFrequency(enum.StrEnum):
    """How often a PJP line repeats: every week, every other week, or once a month."""

    WEEKLY = "WEEKLY"
    FORTNIGHTLY = "FORTNIGHTLY"
    MONTHLY = "MONTHLY"


class PjpChangeStatus(enum.StrEnum):
    """A PJP change is proposed, then approved (it takes effect) or rejected by a manager."""

    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class FieldSetting(TenantOwned, TimestampMixin, Base):
    """The tenant's field rules: geofence radius and what happens outside it."""

    __tablename__ = "field_setting"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id"),
        CheckConstraint("geofence_radius_m > 0", name="geofence_radius_positive"),
    )

    geofence_radius_m: Mapped[float] = mapped_column(Float, nullable=False)
    outside_geofence: Mapped[OutsideGeofencePolicy] = mapped_column(
        str_enum(OutsideGeofencePolicy, "outside_geofence", 10), nullable=False
    )


class Rep(TenantOwned, TimestampMixin, Base):
    """A field rep: the REP user, the territory worked, where the day starts, the shift."""

    __tablename__ = "rep"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "user_id"),
        tenant_fk("user_id", "app_user"),
        tenant_fk("territory_id", "territory"),
        CheckConstraint("shift_start < shift_end", name="shift_in_order"),
        CheckConstraint("break_minutes >= 0", name="break_not_negative"),
        CheckConstraint("max_visits_per_day > 0", name="max_visits_positive"),
        Index(None, "tenant_id", "territory_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    territory_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    start_location: Mapped[Any] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=False
    )
    shift_start: Mapped[time] = mapped_column(Time, nullable=False)
    shift_end: Mapped[time] = mapped_column(Time, nullable=False)
    break_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    speed_profile: Mapped[SpeedProfile] = mapped_column(
        str_enum(SpeedProfile, "speed_profile", 12), nullable=False
    )
    max_visits_per_day: Mapped[int] = mapped_column(Integer, nullable=False)


class Beat(TenantOwned, TimestampMixin, Base):
    """A named set of outlets a rep covers in one day."""

    __tablename__ = "beat"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("rep_id", "rep"),
        Index(None, "tenant_id", "rep_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class BeatRetailer(TenantOwned, Base):
    """One outlet of a beat, in the beat's usual visiting order."""

    __tablename__ = "beat_retailer"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "beat_id", "retailer_id"),
        tenant_fk("beat_id", "beat", ondelete="CASCADE"),
        tenant_fk("retailer_id", "retailer"),
        UniqueConstraint("tenant_id", "beat_id", "position"),
        Index(None, "tenant_id", "retailer_id"),
    )

    beat_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)


class PjpEntry(TenantOwned, TimestampMixin, Base):
    """A beat on a weekday at a frequency, valid over a date range (closed ranges are history)."""

    __tablename__ = "pjp_entry"
    __table_args__ = (
        tenant_key(),
        tenant_fk("rep_id", "rep"),
        tenant_fk("beat_id", "beat"),
        tenant_fk("change_id", "pjp_change"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_in_range"),
        CheckConstraint(
            "(frequency = 'FORTNIGHTLY') = (week_parity IS NOT NULL)"
            " AND (week_parity IS NULL OR week_parity IN (0, 1))",
            name="parity_matches_frequency",
        ),
        CheckConstraint(
            "(frequency = 'MONTHLY') = (week_of_month IS NOT NULL)"
            " AND (week_of_month IS NULL OR week_of_month BETWEEN 1 AND 5)",
            name="week_of_month_matches_frequency",
        ),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        Index(None, "tenant_id", "rep_id", "weekday"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    beat_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    weekday: Mapped[int] = mapped_column(Integer, nullable=False)
    frequency: Mapped[VisitFrequency] = mapped_column(
        str_enum(VisitFrequency, "frequency", 12), nullable=False
    )
    week_parity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    week_of_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    change_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class PjpChange(TenantOwned, TimestampMixin, Base):
    """A proposed replacement of a rep's PJP from a date; a manager approves or rejects it."""

    __tablename__ = "pjp_change"
    __table_args__ = (
        tenant_key(),
        tenant_fk("rep_id", "rep"),
        tenant_fk("proposed_by_id", "app_user"),
        tenant_fk("decided_by_id", "app_user"),
        CheckConstraint(
            "(status = 'PROPOSED') = (decided_at IS NULL)", name="decision_matches_status"
        ),
        Index(None, "tenant_id", "rep_id", "status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    effective_from: Mapped[date] = mapped_column(Date, nullable=False)
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    reason: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    status: Mapped[PjpChangeStatus] = mapped_column(
        str_enum(PjpChangeStatus, "pjp_change_status", 10), nullable=False
    )
    proposed_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_note: Mapped[str | None] = mapped_column(String(400), nullable=True)
