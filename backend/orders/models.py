"""Primary orders (distributor → brand), their lines with locked prices, and their history."""

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
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class CreditAction(enum.StrEnum):
    """What happens to an order that fails the credit check."""

    HOLD = "HOLD"
    REFUSE = "REFUSE"


class OrderStatus(enum.StrEnum):
    """Where a primary order stands."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    HELD = "HELD"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PARTLY_INVOICED = "PARTLY_INVOICED"
    INVOICED = "INVOICED"
    DISPATCHED = "DISPATCHED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class PrimarySettings(TimestampMixin, Base):
    """A tenant's primary-sales configuration: credit action, fiscal year, numbering, home state."""

    __tablename__ = "primary_settings"
    __table_args__ = (
        CheckConstraint("fiscal_year_start_month BETWEEN 1 AND 12", name="fiscal_month"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tenant.id", ondelete="RESTRICT"), primary_key=True
    )
    credit_action: Mapped[CreditAction] = mapped_column(
        str_enum(CreditAction, "credit_action", 10), nullable=False
    )
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    number_format: Mapped[str] = mapped_column(String(60), nullable=False)
    home_state: Mapped[str | None] = mapped_column(String(10), nullable=True)
    enforce_case_multiples: Mapped[bool] = mapped_column(nullable=False, default=False)


class PrimaryOrder(TenantOwned, TimestampMixin, Base):
    """A distributor's order on the brand."""

    __tablename__ = "primary_order"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "reference"),
        tenant_fk("distributor_id", "distributor"),
        CheckConstraint("total >= 0 AND invoiced_total >= 0", name="totals_not_negative"),
        CheckConstraint("invoiced_total <= total", name="invoiced_within_total"),
        Index(None, "tenant_id", "distributor_id", "status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(40), nullable=False)
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus, "order_status", 20), nullable=False
    )
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    order_date: Mapped[date] = mapped_column(Date, nullable=False)
    requested_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    place_of_supply: Mapped[str | None] = mapped_column(String(10), nullable=True)
    total: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    invoiced_total: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class PrimaryOrderLine(TenantOwned, Base):
    """A SKU and quantity ordered, at the price locked when the order was placed, less the
    discount of the PRIMARY schemes that priced it; a free line (`is_free`) is goods a scheme
    gives at zero price, re-derived whenever the order is priced (an estimate: each invoice
    prices its own free goods)."""

    __tablename__ = "primary_order_line"
    __table_args__ = (
        tenant_key(),
        tenant_fk("order_id", "primary_order"),
        tenant_fk("product_id", "product"),
        UniqueConstraint("tenant_id", "order_id", "line_no"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "invoiced_quantity >= 0 AND invoiced_quantity <= quantity", name="invoiced_within"
        ),
        CheckConstraint(
            "delivered_quantity >= 0 AND delivered_quantity <= invoiced_quantity",
            name="delivered_within",
        ),
        CheckConstraint("discount >= 0", name="discount_not_negative"),
        CheckConstraint("NOT is_free OR (unit_price = 0 AND gross = 0)", name="free_at_zero"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    # the line's value with tax, after the scheme discount (the order total's share)
    gross: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    discount: Mapped[Decimal] = mapped_column(
        Numeric(18, 2), nullable=False, default=Decimal("0.00")
    )
    is_free: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    invoiced_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    delivered_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class PrimaryOrderLineScheme(TenantOwned, Base):
    """A PRIMARY scheme applied to an order line: its discount, free units and explanation."""

    __tablename__ = "primary_order_line_scheme"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "line_id", "scheme_code"),
        tenant_fk("line_id", "primary_order_line", ondelete="CASCADE"),
        CheckConstraint("discount >= 0 AND free_quantity >= 0", name="benefit_not_negative"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    line_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    scheme_code: Mapped[str] = mapped_column(String(40), nullable=False)
    scheme_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    discount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    free_quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    explanation: Mapped[str] = mapped_column(String(300), nullable=False)


class OrderTransition(TenantOwned, Base):
    """One change of an order's state: who, when, why, and the figures behind it."""

    __tablename__ = "order_transition"
    __table_args__ = (
        tenant_key(),
        tenant_fk("order_id", "primary_order"),
        tenant_fk("actor_id", "app_user"),
        Index(None, "tenant_id", "order_id", "at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    reason: Mapped[str] = mapped_column(String(400), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, default=dict)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
