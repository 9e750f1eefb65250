"""The product catalog: SKUs with brand, category, pack and tax class."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import Boolean, CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_key


class TaxClass(enum.StrEnum):
    """How a product is taxed; the tenant's tax regime maps a class to rates."""

    STANDARD = "STANDARD"
    LUXURY = "LUXURY"
    EXEMPT = "EXEMPT"
    GST_5 = "GST_5"
    GST_18 = "GST_18"
    GST_40 = "GST_40"


class Product(TenantOwned, TimestampMixin, Base):
    """A SKU the brand sells."""

    __tablename__ = "product"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "sku"),
        CheckConstraint("case_size > 0", name="case_size_positive"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    sku: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    brand: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[str] = mapped_column(String(100), nullable=False)
    unit: Mapped[str] = mapped_column(String(20), nullable=False, default="PCS")
    case_size: Mapped[int] = mapped_column(Integer, nullable=False)
    tax_class: Mapped[TaxClass] = mapped_column(
        str_enum(TaxClass, "tax_class", 20),
        nullable=False,
    )
    must_sell: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
