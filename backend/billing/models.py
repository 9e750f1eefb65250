"""Invoices, credit and debit notes (one numbered document table), their lines, and payments."""

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
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key


class DocumentKind(enum.StrEnum):
    """An invoice raises what the distributor owes; a credit note lowers it; a debit note raises it."""

    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"
    DEBIT_NOTE = "DEBIT_NOTE"


class NoteReason(enum.StrEnum):
    """Why a note was raised."""

    RETURN = "RETURN"
    PRICE_DIFFERENCE = "PRICE_DIFFERENCE"
    CLAIM_SETTLEMENT = "CLAIM_SETTLEMENT"
    SCHEME_REIMBURSEMENT = "SCHEME_REIMBURSEMENT"
    CANCELLATION = "CANCELLATION"
    OTHER = "OTHER"


class PaymentMethod(enum.StrEnum):
    """How a payment came in."""

    CASH = "CASH"
    BANK_TRANSFER = "BANK_TRANSFER"
    CHEQUE = "CHEQUE"


class PaymentStatus(enum.StrEnum):
    """A cheque may bounce; everything else stays RECEIVED."""

    RECEIVED = "RECEIVED"
    BOUNCED = "BOUNCED"


class BillingDocument(TenantOwned, TimestampMixin, Base):
    """A numbered invoice, credit note or debit note for one distributor."""

    __tablename__ = "billing_document"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "series", "fiscal_year", "sequence"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("order_id", "primary_order"),
        tenant_fk("corrects_id", "billing_document"),
        Index(None, "tenant_id", "corrects_id", postgresql_where=text("corrects_id IS NOT NULL")),
        tenant_fk("claim_id", "claim"),
        UniqueConstraint("tenant_id", "claim_id"),
        CheckConstraint("char_length(number) <= 16", name="number_length"),
        CheckConstraint("net >= 0 AND tax >= 0 AND total = net + tax + round_off", name="totals"),
        CheckConstraint("open_amount >= 0 AND open_amount <= total", name="open_within_total"),
        CheckConstraint("discount >= 0", name="discount_not_negative"),
        # A note corrects an invoice, or is an on-account credit note (no lines, no tax: see
        # `backend.billing.notes.create_on_account_note`; a trigger refuses lines on it).
        CheckConstraint(
            "kind = 'INVOICE' OR corrects_id IS NOT NULL"
            " OR (kind = 'CREDIT_NOTE' AND tax = 0 AND round_off = 0)",
            name="note_corrects_or_on_account",
        ),
        Index(None, "tenant_id", "distributor_id", "issued_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[DocumentKind] = mapped_column(
        str_enum(DocumentKind, "document_kind", 12), nullable=False
    )
    number: Mapped[str] = mapped_column(String(16), nullable=False)
    series: Mapped[str] = mapped_column(String(8), nullable=False)
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    # the claim an on-account credit note settles (one note per claim)
    claim_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    reason: Mapped[NoteReason | None] = mapped_column(
        str_enum(NoteReason, "note_reason", 20), nullable=True
    )
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    # PRIMARY scheme discount the lines took off their value; net is after it (gross = net +
    # discount is what the ledger credits to revenue, the discount going to scheme expense)
    discount: Mapped[Decimal] = mapped_column(
        Numeric(18, 2), nullable=False, default=Decimal("0.00")
    )
    net: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    tax: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    # Total rounded by the tax rules (GST: to the rupee) minus net plus tax; zero under PPN.
    round_off: Mapped[Decimal] = mapped_column(
        Numeric(18, 2), nullable=False, default=Decimal("0.00")
    )  # GST round-off to the rupee; none under PPN
    total: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    open_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    dispatched_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    delivered_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class BillingLine(TenantOwned, Base):
    """A SKU line of a document, with its scheme discount, net (after it), tax label and tax;
    free goods a scheme gives are a line at zero price (`is_free`)."""

    __tablename__ = "billing_line"
    __table_args__ = (
        tenant_key(),
        tenant_fk("document_id", "billing_document"),
        tenant_fk("order_line_id", "primary_order_line"),
        tenant_fk("product_id", "product"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("net >= 0 AND tax >= 0", name="amounts_not_negative"),
        CheckConstraint("discount >= 0", name="discount_not_negative"),
        CheckConstraint("NOT is_free OR (unit_price = 0 AND net = 0)", name="free_at_zero"),
        Index(None, "tenant_id", "document_id"),
        UniqueConstraint("tenant_id", "document_id", "line_no"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    order_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    discount: Mapped[Decimal] = mapped_column(
        Numeric(18, 2), nullable=False, default=Decimal("0.00")
    )
    is_free: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    net: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    tax_label: Mapped[str] = mapped_column(String(40), nullable=False)
    tax: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)


class BillingLineScheme(TenantOwned, Base):
    """A PRIMARY scheme applied to an invoice line: its discount, free units and their value
    (what the line took from the scheme's budget) and explanation."""

    __tablename__ = "billing_line_scheme"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "line_id", "scheme_code"),
        tenant_fk("document_id", "billing_document"),
        tenant_fk("line_id", "billing_line"),
        CheckConstraint(
            "discount >= 0 AND free_quantity >= 0 AND free_value >= 0", name="benefit_not_negative"
        ),
        Index(None, "tenant_id", "document_id"),
        Index(None, "tenant_id", "scheme_code"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    line_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    scheme_code: Mapped[str] = mapped_column(String(40), nullable=False)
    scheme_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    discount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    free_quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    free_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    explanation: Mapped[str] = mapped_column(String(300), nullable=False)


class BillingLineTax(TenantOwned, Base):
    """One tax component of one document line (PPN, CGST, SGST, IGST): rate, base and amount."""

    __tablename__ = "billing_line_tax"
    __table_args__ = (
        tenant_key(),
        tenant_fk("document_id", "billing_document"),
        tenant_fk("line_id", "billing_line"),
        CheckConstraint("rate > 0 AND base >= 0 AND amount >= 0", name="amounts_not_negative"),
        Index(None, "tenant_id", "document_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    line_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    name: Mapped[str] = mapped_column(String(10), nullable=False)
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False)
    base: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)


class Payment(TenantOwned, TimestampMixin, Base):
    """Money received from a distributor; what is not allocated stays on account."""

    __tablename__ = "payment"
    __table_args__ = (
        tenant_key(),
        tenant_fk("distributor_id", "distributor"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("unallocated >= 0 AND unallocated <= amount", name="unallocated_within"),
        Index(None, "tenant_id", "distributor_id", "received_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod, "payment_method", 20), nullable=False
    )
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus, "payment_status", 10), nullable=False
    )
    reference: Mapped[str] = mapped_column(String(60), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    unallocated: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    bounced_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class PaymentAllocation(TenantOwned, Base):
    """Part of a payment (or of a credit note) applied to an invoice; negative when undone."""

    __tablename__ = "payment_allocation"
    __table_args__ = (
        tenant_key(),
        tenant_fk("payment_id", "payment"),
        tenant_fk("document_id", "billing_document"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index(None, "tenant_id", "document_id"),
        Index(None, "tenant_id", "payment_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)


class NoteAllocation(TenantOwned, Base):
    """Part of an on-account credit note applied to an open invoice or debit note (at the
    note's date); what is not allocated stays on the note as credit on account."""

    __tablename__ = "note_allocation"
    __table_args__ = (
        tenant_key(),
        tenant_fk("note_id", "billing_document"),
        tenant_fk("document_id", "billing_document"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index(None, "tenant_id", "document_id"),
        Index(None, "tenant_id", "note_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    note_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
