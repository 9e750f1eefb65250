"""Visits (calls) and what a rep records at them: stock counts, captured orders, collections."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geography
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


class GeofenceResult(enum.StrEnum):
    """Where the check-in was relative to the outlet's geofence."""

    INSIDE = "INSIDE"
    OUTSIDE = "OUTSIDE"


class VisitOutcome(enum.StrEnum):
    """A productive call ends with an order; otherwise a no-order reason is recorded."""

    PRODUCTIVE = "PRODUCTIVE"
    NO_ORDER = "NO_ORDER"


class NoOrderReason(enum.StrEnum):
    """Why a call ended without an order (the industry's usual list)."""

    SHOP_CLOSED = "SHOP_CLOSED"
    STOCK_SUFFICIENT = "STOCK_SUFFICIENT"
    OWNER_ABSENT = "OWNER_ABSENT"
    NO_CASH = "NO_CASH"
    CREDIT_BLOCKED = "CREDIT_BLOCKED"
    BUYS_FROM_COMPETITOR = "BUYS_FROM_COMPETITOR"
    OTHER = "OTHER"


class CapturedOrderStatus(enum.StrEnum):
    """Hand-off to secondary billing: captured, then converted to a secondary order or cancelled."""

    CAPTURED = "CAPTURED"
    CONVERTED = "CONVERTED"
    CANCELLED = "CANCELLED"


class CollectionMethod(enum.StrEnum):
    """How a retailer paid the rep."""

    CASH = "CASH"
    TRANSFER = "TRANSFER"
    CHEQUE = "CHEQUE"


class Visit(TenantOwned, TimestampMixin, Base):
    """A geofenced call at an outlet: check-in, check-out, outcome."""

    __tablename__ = "visit"
    __table_args__ = (
        tenant_key(),
        tenant_fk("rep_id", "rep"),
        tenant_fk("retailer_id", "retailer"),
        CheckConstraint("checked_out_at IS NULL OR checked_out_at >= checked_in_at", name="order"),
        CheckConstraint("(outcome IS NULL) = (checked_out_at IS NULL)", name="outcome_at_checkout"),
        CheckConstraint(
            "(outcome = 'NO_ORDER') = (no_order_reason IS NOT NULL)", name="reason_iff_no_order"
        ),
        CheckConstraint("check_in_accuracy_m >= 0", name="accuracy_not_negative"),
        Index(None, "tenant_id", "rep_id", "visit_date"),
        Index(None, "tenant_id", "retailer_id", "visit_date"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    visit_date: Mapped[date] = mapped_column(Date, nullable=False)
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    check_in_location: Mapped[Any] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=False
    )
    check_in_accuracy_m: Mapped[float] = mapped_column(Float, nullable=False)
    distance_m: Mapped[float] = mapped_column(Float, nullable=False)
    geofence: Mapped[GeofenceResult] = mapped_column(
        str_enum(GeofenceResult, "geofence", 10), nullable=False
    )
    outside_opening_hours: Mapped[bool] = mapped_column(Boolean, nullable=False)
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[VisitOutcome | None] = mapped_column(
        str_enum(VisitOutcome, "outcome", 12), nullable=True
    )
    no_order_reason: Mapped[NoOrderReason | None] = mapped_column(
        str_enum(NoOrderReason, "no_order_reason", 24), nullable=True
    )
    photo_refs: Mapped[list[str]] = mapped_column(JSONB, nullable=False, default=list)

    @property
    def duration_seconds(self) -> int | None:
        """Seconds between check-in and check-out, once checked out."""
        if self.checked_out_at is None:
            return None
        return int((self.checked_out_at - self.checked_in_at).total_seconds())


class VisitStockLine(TenantOwned, Base):
    """Units of a SKU counted on the shelf at a visit (the latest count by sequence wins)."""

    __tablename__ = "visit_stock_line"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "visit_id", "product_id"),
        tenant_fk("visit_id", "visit"),
        tenant_fk("product_id", "product"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)


class CapturedOrder(TenantOwned, TimestampMixin, Base):
    """An order a rep captured at a visit; secondary billing turns it into a secondary order."""

    __tablename__ = "captured_order"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "visit_id"),
        tenant_fk("visit_id", "visit"),
        tenant_fk("rep_id", "rep"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("distributor_id", "distributor"),
        Index(None, "tenant_id", "status", "distributor_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[CapturedOrderStatus] = mapped_column(
        str_enum(CapturedOrderStatus, "captured_order_status", 10), nullable=False
    )
    # Set by secondary billing when it converts the order; no FK yet (that table is not on main).
    secondary_order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class CapturedOrderLine(TenantOwned, Base):
    """A SKU and quantity of a captured order."""

    __tablename__ = "captured_order_line"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "order_id", "product_id"),
        tenant_fk("order_id", "captured_order", ondelete="CASCADE"),
        tenant_fk("product_id", "product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)


class CollectionRecord(TenantOwned, TimestampMixin, Base):
    """Money a rep collected from a retailer (the ledger posting belongs to the DMS)."""

    __tablename__ = "collection_record"
    __table_args__ = (
        tenant_key(),
        tenant_fk("rep_id", "rep"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("visit_id", "visit"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    method: Mapped[CollectionMethod] = mapped_column(
        str_enum(CollectionMethod, "collection_method", 10), nullable=False
    )
    reference: Mapped[str | None] = mapped_column(String(80), nullable=True)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
