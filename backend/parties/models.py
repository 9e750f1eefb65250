"""Distributors (stockists) and retailers (outlets)."""

from __future__ import annotations

import enum
import uuid
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import Boolean, CheckConstraint, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class Channel(enum.StrEnum):
    """How an outlet sells: general trade, modern trade, hotels/restaurants/cafés, wholesale."""

    GT = "GT"
    MT = "MT"
    HORECA = "HORECA"
    WHOLESALE = "WHOLESALE"


class OutletClass(enum.StrEnum):
    """Value class: A outlets are few and carry most value (visited weekly), C are many and small."""

    A = "A"
    B = "B"
    C = "C"


class Distributor(TenantOwned, TimestampMixin, Base):
    """A stockist that buys from the brand and bills retailers."""

    __tablename__ = "distributor"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("territory_id", "territory"),
        CheckConstraint("credit_limit >= 0", name="credit_limit_not_negative"),
        CheckConstraint("credit_days >= 0", name="credit_days_not_negative"),
        Index(None, "tenant_id", "territory_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    tier: Mapped[str] = mapped_column(String(20), nullable=False)
    territory_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    address: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    location: Mapped[Any | None] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=True
    )
    credit_limit: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    credit_days: Mapped[int] = mapped_column(Integer, nullable=False)
    tax_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Retailer(TenantOwned, TimestampMixin, Base):
    """An outlet: where it is, when it is open, who serves it and which territory it sits in."""

    __tablename__ = "retailer"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("territory_id", "territory"),
        Index(None, "tenant_id", "territory_id", "code"),
        Index(None, "tenant_id", "distributor_id", "code"),
        Index("ix_retailer_location", "location", postgresql_using="gist"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    owner_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    address: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    channel: Mapped[Channel] = mapped_column(
        str_enum(Channel, "channel", 20),
        nullable=False,
    )
    outlet_class: Mapped[OutletClass] = mapped_column(
        str_enum(OutletClass, "outlet_class", 1),
        nullable=False,
    )
    location: Mapped[Any] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), nullable=False
    )
    opening_hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSONB, nullable=False)
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    territory_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    tax_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
