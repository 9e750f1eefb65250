"""Day plans: a rep's ordered stops for a date, the outlets left out, and the plan's totals.

One `day_plan` row per rep and date; a new build bumps its version and replaces its stops and
dropped outlets in the same transaction (the job's), so a reader sees the old plan or the new
one, never a mix.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class DayPlanTrigger(enum.StrEnum):
    """Why the current version was built: the nightly run, or a replan during the day."""

    NIGHTLY = "NIGHTLY"
    REPLAN = "REPLAN"


class StopReason(enum.StrEnum):
    """Why an outlet is in the plan (a stop may have several)."""

    BEAT = "BEAT"
    OVERDUE = "OVERDUE"
    HIGH_EXPECTED_OFFTAKE = "HIGH_EXPECTED_OFFTAKE"
    GOAL_GAP = "GOAL_GAP"
    SCHEME_NUDGE = "SCHEME_NUDGE"
    MANDATORY = "MANDATORY"


class DropCause(enum.StrEnum):
    """Why a candidate outlet was left out of the plan."""

    ALREADY_VISITED = "ALREADY_VISITED"
    CLOSED_TODAY = "CLOSED_TODAY"
    REPORTED_CLOSED = "REPORTED_CLOSED"
    UNREACHABLE = "UNREACHABLE"
    NOT_WORTH = "NOT_WORTH"
    MANDATORY_CONFLICT = "MANDATORY_CONFLICT"
    OVER_CANDIDATE_LIMIT = "OVER_CANDIDATE_LIMIT"


class DayPlan(TenantOwned, TimestampMixin, Base):
    """A rep's plan for a date: the current version and its totals."""

    __tablename__ = "day_plan"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "rep_id", "plan_date"),
        tenant_fk("rep_id", "rep"),
        tenant_fk("job_id", "job"),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint(
            "travel_seconds >= 0 AND service_seconds >= 0 AND wait_seconds >= 0",
            name="durations_not_negative",
        ),
        Index(None, "tenant_id", "plan_date"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    plan_date: Mapped[date] = mapped_column(Date, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    trigger: Mapped[DayPlanTrigger] = mapped_column(
        str_enum(DayPlanTrigger, "trigger", 10), nullable=False
    )
    reason: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    leave_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    return_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    travel_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    service_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    wait_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    distance_m: Mapped[float] = mapped_column(Float, nullable=False)
    break_start_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expected_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    goal_contribution: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    candidate_count: Mapped[int] = mapped_column(Integer, nullable=False)
    offtake_sources: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    solver_stats: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)


class DayPlanStop(TenantOwned, Base):
    """One visit of a plan, in order, with its schedule (seconds since local midnight)."""

    __tablename__ = "day_plan_stop"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "plan_id", "position"),
        UniqueConstraint("tenant_id", "plan_id", "retailer_id"),
        tenant_fk("plan_id", "day_plan", ondelete="CASCADE"),
        tenant_fk("retailer_id", "retailer"),
        CheckConstraint("position > 0", name="position_positive"),
        CheckConstraint(
            "arrival_seconds <= service_start_seconds"
            " AND service_start_seconds + service_seconds = departure_seconds",
            name="schedule_in_order",
        ),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    arrival_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    wait_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    service_start_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    service_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    departure_seconds: Mapped[int] = mapped_column(Integer, nullable=False)
    travel_seconds_from_previous: Mapped[int] = mapped_column(Integer, nullable=False)
    distance_m_from_previous: Mapped[float] = mapped_column(Float, nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    mandatory: Mapped[bool] = mapped_column(Boolean, nullable=False)
    expected_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    goal_weight: Mapped[Decimal] = mapped_column(Numeric(8, 4), nullable=False)
    offtake_source: Mapped[str] = mapped_column(String(80), nullable=False)
    explanation: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    suggested_lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)


class DayPlanDropped(TenantOwned, Base):
    """A candidate outlet the plan leaves out, and why."""

    __tablename__ = "day_plan_dropped"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "plan_id", "retailer_id"),
        tenant_fk("plan_id", "day_plan", ondelete="CASCADE"),
        tenant_fk("retailer_id", "retailer"),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    cause: Mapped[DropCause] = mapped_column(str_enum(DropCause, "cause", 20), nullable=False)
    mandatory: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    expected_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
