"""Trade schemes as stored: the rule, who and what it covers, its budget, and what it accrued.

`backend.schemes.mapping` turns these rows into the engine's `rules.Scheme` values.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key
from backend.schemes.rules import Combination, SchemeKind


class SchemeFlow(enum.StrEnum):
    """Who receives the scheme: a distributor buying from the brand, or a retailer from a distributor."""

    PRIMARY = "PRIMARY"
    SECONDARY = "SECONDARY"


class SchemeStatus(enum.StrEnum):
    """Where a scheme stands; only ACTIVE schemes price a bill."""

    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


class TradeScheme(TenantOwned, TimestampMixin, Base):
    """One trade promotion: its rule, validity, combination, limits and budget."""

    __tablename__ = "scheme"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "code"),
        tenant_fk("free_product_id", "product"),
        CheckConstraint("valid_from <= valid_to", name="valid_range"),
        CheckConstraint("priority >= 0", name="priority_not_negative"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
        CheckConstraint(
            "amount >= 0 AND min_eligible_value >= 0 AND (max_discount IS NULL OR max_discount > 0)",
            name="amounts_not_negative",
        ),
        CheckConstraint("buy_quantity >= 0 AND free_quantity >= 0", name="quantities"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_not_negative"),
        CheckConstraint("consumed >= 0", name="consumed_not_negative"),
        CheckConstraint("budget IS NULL OR consumed <= budget", name="consumed_within_budget"),
        Index(None, "tenant_id", "flow", "status", "valid_from"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    flow: Mapped[SchemeFlow] = mapped_column(
        str_enum(SchemeFlow, "scheme_flow", 10), nullable=False
    )
    kind: Mapped[SchemeKind] = mapped_column(
        str_enum(SchemeKind, "scheme_kind", 20), nullable=False
    )
    status: Mapped[SchemeStatus] = mapped_column(
        str_enum(SchemeStatus, "scheme_status", 10), nullable=False
    )
    combination: Mapped[Combination] = mapped_column(
        str_enum(Combination, "scheme_combination", 10), nullable=False
    )
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date] = mapped_column(Date, nullable=False)
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    buy_quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    free_quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    free_product_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    min_eligible_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    max_discount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    # eligibility and product scope by attribute; an empty list means "any"
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(20)), nullable=False)
    outlet_classes: Mapped[list[str]] = mapped_column(ARRAY(String(1)), nullable=False)
    brands: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False)
    categories: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    consumed: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class SchemeSlab(TenantOwned, Base):
    """From a threshold (quantity or value) upwards, a percent off; position orders the slabs."""

    __tablename__ = "scheme_slab"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "scheme_id", "position"),
        tenant_fk("scheme_id", "scheme", ondelete="CASCADE"),
        CheckConstraint("threshold > 0", name="threshold_positive"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
    )

    scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    threshold: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False)


class SchemeProduct(TenantOwned, Base):
    """A SKU in a scheme's product scope (besides the brands and categories on the scheme)."""

    __tablename__ = "scheme_product"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "scheme_id", "product_id"),
        tenant_fk("scheme_id", "scheme", ondelete="CASCADE"),
        tenant_fk("product_id", "product"),
    )

    scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class SchemeBundleItem(TenantOwned, Base):
    """Units of one SKU in a COMBO scheme's bundle."""

    __tablename__ = "scheme_bundle_item"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "scheme_id", "product_id"),
        tenant_fk("scheme_id", "scheme", ondelete="CASCADE"),
        tenant_fk("product_id", "product"),
        CheckConstraint("units > 0", name="units_positive"),
    )

    scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    units: Mapped[int] = mapped_column(Integer, nullable=False)


class SchemeTarget(TenantOwned, Base):
    """One party a scheme is limited to: a territory subtree, a distributor or a retailer."""

    __tablename__ = "scheme_target"
    __table_args__ = (
        tenant_key(),
        tenant_fk("scheme_id", "scheme", ondelete="CASCADE"),
        tenant_fk("territory_id", "territory"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("retailer_id", "retailer"),
        CheckConstraint(
            "num_nonnulls(territory_id, distributor_id, retailer_id) = 1", name="one_party"
        ),
        Index(None, "tenant_id", "scheme_id"),
        Index(None, "tenant_id", "retailer_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    territory_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    distributor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    retailer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class SchemeAccrual(TenantOwned, TimestampMixin, Base):
    """What a distributor gave under a brand-funded scheme, until claimed: on one invoice line,
    or (a QPS) by one on-account credit note to a retailer at the end of the period."""

    __tablename__ = "scheme_accrual"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "scheme_id", "invoice_line_id"),
        UniqueConstraint("tenant_id", "scheme_id", "credit_note_id"),
        tenant_fk("credit_note_id", "secondary_document"),
        CheckConstraint(
            "(invoice_line_id IS NULL) <> (credit_note_id IS NULL)", name="line_or_credit_note"
        ),
        tenant_fk("scheme_id", "scheme"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("claim_id", "claim"),
        CheckConstraint(
            "discount >= 0 AND free_value >= 0 AND amount = discount + free_value AND amount > 0",
            name="amounts",
        ),
        Index(None, "tenant_id", "distributor_id", "accrued_on"),
        Index(None, "tenant_id", "claim_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    # the secondary invoice line that gave the benefit (its table lives in the secondary domain)
    invoice_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    # or the on-account secondary credit note that paid a QPS credit
    credit_note_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    reference: Mapped[str] = mapped_column(String(80), nullable=False)
    accrued_on: Mapped[date] = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    discount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    free_quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    free_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    claim_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    approved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
