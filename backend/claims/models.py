"""Distributor claims on the brand and their lines against invoice lines."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class ClaimType(enum.StrEnum):
    """What is claimed for."""

    DAMAGE = "DAMAGE"
    EXPIRY = "EXPIRY"
    SHORT_SUPPLY = "SHORT_SUPPLY"
    PRICE_DIFFERENCE = "PRICE_DIFFERENCE"
    SCHEME_REIMBURSEMENT = "SCHEME_REIMBURSEMENT"


class ClaimStatus(enum.StrEnum):
    """Where a claim stands."""

    SUBMITTED = "SUBMITTED"
    UNDER_REVIEW = "UNDER_REVIEW"
    APPROVED = "APPROVED"
    PARTLY_APPROVED = "PARTLY_APPROVED"
    REJECTED = "REJECTED"
    SETTLED = "SETTLED"


class Claim(TenantOwned, TimestampMixin, Base):
    """A distributor's claim: type, evidence, decision and settlement."""

    __tablename__ = "claim"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "reference"),
        tenant_fk("distributor_id", "distributor"),
        CheckConstraint("claimed_amount >= 0 AND approved_amount >= 0", name="amounts"),
        CheckConstraint("approved_amount <= claimed_amount", name="approved_within_claimed"),
        Index(None, "tenant_id", "distributor_id", "status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    reference: Mapped[str] = mapped_column(String(40), nullable=False)
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    claim_type: Mapped[ClaimType] = mapped_column(
        str_enum(ClaimType, "claim_type", 24), nullable=False
    )
    status: Mapped[ClaimStatus] = mapped_column(
        str_enum(ClaimStatus, "claim_status", 20), nullable=False
    )
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    submitted_on: Mapped[date] = mapped_column(Date, nullable=False)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    settled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(String(400), nullable=True)
    evidence: Mapped[list[str]] = mapped_column(JSONB, nullable=False, default=list)
    claimed_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    approved_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)


class ClaimLine(TenantOwned, Base):
    """A quantity of one invoiced SKU batch claimed, what was approved, and the settling note."""

    __tablename__ = "claim_line"
    __table_args__ = (
        tenant_key(),
        tenant_fk("claim_id", "claim"),
        tenant_fk("invoice_id", "billing_document"),
        tenant_fk("billing_line_id", "billing_line"),
        tenant_fk("credit_note_id", "billing_document"),
        CheckConstraint("quantity > 0 AND unit_amount > 0", name="positive"),
        CheckConstraint(
            "approved_quantity >= 0 AND approved_quantity <= quantity", name="approved_within"
        ),
        Index(None, "tenant_id", "billing_line_id"),
        Index(None, "tenant_id", "claim_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    claim_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    billing_line_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    batch: Mapped[str] = mapped_column(String(40), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    approved_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    credit_note_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
