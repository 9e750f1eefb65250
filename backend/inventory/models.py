"""Distributor stock per SKU and batch, and every movement that changed it."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class MovementKind(enum.StrEnum):
    """Why stock moved."""

    RECEIPT = "RECEIPT"
    SALE = "SALE"
    RETURN = "RETURN"
    ADJUSTMENT = "ADJUSTMENT"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"


class DistributorStock(TenantOwned, Base):
    """On-hand units of one SKU batch at one distributor; never negative."""

    __tablename__ = "distributor_stock"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "distributor_id", "product_id", "batch"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("product_id", "product"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    batch: Mapped[str] = mapped_column(String(40), nullable=False)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class StockMovement(TenantOwned, Base):
    """One signed change of one stock row, with its reason and source document."""

    __tablename__ = "stock_movement"
    __table_args__ = (
        tenant_key(),
        tenant_fk("stock_id", "distributor_stock"),
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        Index(None, "tenant_id", "stock_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    stock_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    kind: Mapped[MovementKind] = mapped_column(
        str_enum(MovementKind, "movement_kind", 20), nullable=False
    )
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    at: Mapped[datetime] = mapped_column(
        # clock_timestamp: movements made in one transaction keep their order.
        DateTime(timezone=True),
        server_default=func.clock_timestamp(),
        nullable=False,
    )
