"""Devices bound to reps, and every offline item a device sent with its stored outcome."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class SyncItemKind(enum.StrEnum):
    """What an offline item records."""

    VISIT_CHECK_IN = "VISIT_CHECK_IN"
    VISIT_CHECK_OUT = "VISIT_CHECK_OUT"
    STOCK_COUNT = "STOCK_COUNT"
    CAPTURED_ORDER = "CAPTURED_ORDER"
    COLLECTION = "COLLECTION"


class SyncItemStatus(enum.StrEnum):
    """An item's outcome: applied, or refused with a code."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


class FieldDevice(TenantOwned, TimestampMixin, Base):
    """A phone, bound to the first rep user that syncs from it."""

    __tablename__ = "field_device"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "device_code"),
        tenant_fk("user_id", "app_user"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    device_code: Mapped[str] = mapped_column(String(100), nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class SyncItem(TenantOwned, Base):
    """One offline item by its client id: applied at most once; its outcome is kept for the phone."""

    __tablename__ = "sync_item"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "client_id"),
        tenant_fk("device_id", "field_device"),
        tenant_fk("rep_id", "rep"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint(
            "(status = 'ACCEPTED') = (code IS NULL) AND (status = 'REJECTED' OR NOT retryable)",
            name="outcome_shape",
        ),
        Index(None, "tenant_id", "device_id", "sequence"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[SyncItemKind] = mapped_column(str_enum(SyncItemKind, "kind", 20), nullable=False)
    status: Mapped[SyncItemStatus] = mapped_column(
        str_enum(SyncItemStatus, "status", 10), nullable=False
    )
    retryable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    field: Mapped[str | None] = mapped_column(String(200), nullable=True)
    message: Mapped[str | None] = mapped_column(String(400), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    decided_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
