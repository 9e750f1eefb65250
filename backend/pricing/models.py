"""Price lists: distributor price by tier, retailer price and MRP, with effective dates."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class PriceListItem(TenantOwned, TimestampMixin, Base):
    """A SKU's prices for one distributor tier ('*' = every tier) from a date, until another."""

    __tablename__ = "price_list_item"
    __table_args__ = (
        tenant_key(),
        tenant_fk("product_id", "product"),
        UniqueConstraint("tenant_id", "product_id", "tier", "valid_from"),
        CheckConstraint("distributor_price > 0", name="distributor_price_positive"),
        CheckConstraint(
            "retailer_price >= distributor_price AND mrp >= retailer_price",
            name="price_ladder",
        ),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_range"),
        Index(None, "tenant_id", "product_id", "valid_from"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    tier: Mapped[str] = mapped_column(String(20), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    distributor_price: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    retailer_price: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    mrp: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
