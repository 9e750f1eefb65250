"""Secondary sales (distributor → retailer): settings, retailer credit, orders, invoices and
credit notes with their lines, FEFO batch picks and applied schemes, collections and returns."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid

from backend.kit.db import Base, TimestampMixin, str_enum, uuid_pk
from backend.kit.tenancy import TenantOwned, tenant_fk, tenant_key
from backend.orders.models import CreditAction


class ShortfallPolicy(enum.StrEnum):
    """What billing does with a line the distributor's stock cannot cover."""

    REFUSE = "REFUSE"  # the whole invoice is refused
    SPLIT = "SPLIT"  # bill what is in stock; the rest stays on the order as a backorder


class OrderSource(enum.StrEnum):
    """Where a secondary order came from."""

    VISIT = "VISIT"  # a rep's captured order
    DESK = "DESK"  # entered at the distributor's desk


class SecondaryOrderStatus(enum.StrEnum):
    """OPEN → (HELD → OPEN) → PARTLY_BILLED → BILLED; CANCELLED before it is billed."""

    OPEN = "OPEN"
    HELD = "HELD"
    PARTLY_BILLED = "PARTLY_BILLED"
    BILLED = "BILLED"
    CANCELLED = "CANCELLED"


class SecondaryDocumentKind(enum.StrEnum):
    """An invoice to a retailer, or a credit note that corrects one."""

    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"


class ReturnReason(enum.StrEnum):
    """The standard return reasons; each either restocks the batch or writes the goods off."""

    DAMAGED = "DAMAGED"
    EXPIRED = "EXPIRED"
    NEAR_EXPIRY = "NEAR_EXPIRY"
    WRONG_ITEM = "WRONG_ITEM"
    EXCESS_STOCK = "EXCESS_STOCK"
    QUALITY_COMPLAINT = "QUALITY_COMPLAINT"


RESTOCKED_REASONS = frozenset({ReturnReason.WRONG_ITEM, ReturnReason.EXCESS_STOCK})


class CollectionMethod(enum.StrEnum):
    """How the retailer paid."""

    CASH = "CASH"
    TRANSFER = "TRANSFER"


class SecondarySettings(TenantOwned, TimestampMixin, Base):
    """A tenant's secondary-sales rules (defaults apply when none were saved)."""

    __tablename__ = "secondary_setting"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id"),
        CheckConstraint("return_window_days >= 0", name="return_window_not_negative"),
    )

    credit_action: Mapped[CreditAction] = mapped_column(
        str_enum(CreditAction, "credit_action", 10), nullable=False
    )
    shortfall: Mapped[ShortfallPolicy] = mapped_column(
        str_enum(ShortfallPolicy, "shortfall", 10), nullable=False
    )
    return_window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    number_format: Mapped[str] = mapped_column(String(40), nullable=False)


class RetailerCredit(TenantOwned, TimestampMixin, Base):
    """A retailer's credit at its distributor; a retailer without a row is not credit-controlled."""

    __tablename__ = "retailer_credit"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "retailer_id"),
        tenant_fk("retailer_id", "retailer"),
        CheckConstraint("credit_limit >= 0", name="credit_limit_not_negative"),
        CheckConstraint("credit_days >= 0", name="credit_days_not_negative"),
    )

    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    credit_limit: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    credit_days: Mapped[int] = mapped_column(Integer, nullable=False)


class SecondaryOrder(TenantOwned, TimestampMixin, Base):
    """A retailer's order to its distributor, at the retailer prices in force on the order date."""

    __tablename__ = "secondary_order"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "captured_order_id"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("captured_order_id", "captured_order"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint(
            "(source = 'VISIT') = (captured_order_id IS NOT NULL)", name="visit_has_capture"
        ),
        Index(None, "tenant_id", "distributor_id", "status"),
        Index(None, "tenant_id", "retailer_id", "order_date"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    source: Mapped[OrderSource] = mapped_column(
        str_enum(OrderSource, "order_source", 10), nullable=False
    )
    captured_order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    status: Mapped[SecondaryOrderStatus] = mapped_column(
        str_enum(SecondaryOrderStatus, "secondary_order_status", 16), nullable=False
    )
    order_date: Mapped[date] = mapped_column(Date, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    total: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    hold_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    credit_released: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class SecondaryOrderLine(TenantOwned, Base):
    """A SKU of a secondary order; what is not billed yet is its backorder."""

    __tablename__ = "secondary_order_line"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "order_id", "line_no"),
        tenant_fk("order_id", "secondary_order"),
        tenant_fk("product_id", "product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "billed_quantity >= 0 AND billed_quantity <= quantity", name="billed_within_ordered"
        ),
        Index(None, "tenant_id", "order_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    billed_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class SecondaryDocument(TenantOwned, TimestampMixin, Base):
    """A secondary invoice or credit note, numbered in the distributor's own series."""

    __tablename__ = "secondary_document"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "distributor_id", "number"),
        UniqueConstraint("tenant_id", "distributor_id", "series", "fiscal_year", "sequence"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("order_id", "secondary_order"),
        tenant_fk("corrects_id", "secondary_document"),
        Index(None, "tenant_id", "corrects_id", postgresql_where=text("corrects_id IS NOT NULL")),
        CheckConstraint("char_length(number) <= 16", name="number_length"),
        CheckConstraint(
            "gross >= 0 AND discount >= 0 AND net = gross - discount AND net >= 0"
            " AND tax >= 0 AND total = net + tax + round_off",
            name="totals",
        ),
        CheckConstraint("open_amount >= 0 AND open_amount <= total", name="open_within_total"),
        # An invoice corrects nothing; a credit note corrects an invoice or is on account (a QPS
        # settlement: no lines, no discount, no tax; a trigger refuses lines on it).
        CheckConstraint(
            "(kind = 'INVOICE' AND corrects_id IS NULL) OR (kind = 'CREDIT_NOTE'"
            " AND (corrects_id IS NOT NULL OR (discount = 0 AND tax = 0 AND round_off = 0)))",
            name="credit_note_corrects_or_on_account",
        ),
        Index(None, "tenant_id", "retailer_id", "issued_on"),
        Index(None, "tenant_id", "distributor_id", "issued_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[SecondaryDocumentKind] = mapped_column(
        str_enum(SecondaryDocumentKind, "secondary_document_kind", 12), nullable=False
    )
    number: Mapped[str] = mapped_column(String(16), nullable=False)
    series: Mapped[str] = mapped_column(String(8), nullable=False)
    fiscal_year: Mapped[int] = mapped_column(Integer, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    gross: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    discount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    net: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    tax: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    # Total rounded by the tax rules (GST: to the rupee) minus net plus tax; zero under PPN.
    round_off: Mapped[Decimal] = mapped_column(
        Numeric(18, 2), nullable=False, default=Decimal("0.00")
    )  # GST round-off to the rupee; none under PPN
    total: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    open_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class SecondaryLine(TenantOwned, Base):
    """A SKU line of a secondary document: price, scheme discount, net, tax; free goods at 0."""

    __tablename__ = "secondary_line"
    __table_args__ = (
        tenant_key(),
        tenant_fk("document_id", "secondary_document"),
        tenant_fk("order_line_id", "secondary_order_line"),
        tenant_fk("product_id", "product"),
        tenant_fk("corrects_line_id", "secondary_line"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "gross >= 0 AND discount >= 0 AND net = gross - discount AND net >= 0 AND tax >= 0",
            name="amounts",
        ),
        CheckConstraint("NOT is_free OR gross = 0", name="free_goods_at_zero"),
        Index(None, "tenant_id", "document_id"),
        # lines correcting this one (returns so far; the self-reference's checks on delete)
        Index(
            None,
            "tenant_id",
            "corrects_line_id",
            postgresql_where=text("corrects_line_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    order_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    corrects_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    gross: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    discount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    net: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    tax_label: Mapped[str] = mapped_column(String(40), nullable=False)
    tax: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    is_free: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class SecondaryLineBatch(TenantOwned, Base):
    """Units of a line taken from (or returned to) one stock batch; returns count against it."""

    __tablename__ = "secondary_line_batch"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "line_id", "batch"),
        tenant_fk("line_id", "secondary_line"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "returned_quantity >= 0 AND returned_quantity <= quantity", name="returned_within_sold"
        ),
        Index(None, "tenant_id", "line_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    line_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    batch: Mapped[str] = mapped_column(String(40), nullable=False)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    returned_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class SecondaryLineScheme(TenantOwned, Base):
    """A scheme applied to an invoice line: its discount, free units and explanation (claims
    accrue from these rows)."""

    __tablename__ = "secondary_line_scheme"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "line_id", "scheme_code"),
        tenant_fk("line_id", "secondary_line"),
        CheckConstraint("discount >= 0 AND free_quantity >= 0", name="benefit_not_negative"),
        Index(None, "tenant_id", "scheme_code"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    line_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    scheme_code: Mapped[str] = mapped_column(String(40), nullable=False)
    scheme_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    discount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    free_quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    explanation: Mapped[str] = mapped_column(String(300), nullable=False)


class SecondaryCollection(TenantOwned, TimestampMixin, Base):
    """Money a retailer paid its distributor (at a visit or at the desk); the unallocated part
    stays on account."""

    __tablename__ = "secondary_collection"
    __table_args__ = (
        tenant_key(),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("visit_id", "visit"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("unallocated >= 0 AND unallocated <= amount", name="unallocated_within"),
        Index(None, "tenant_id", "retailer_id", "received_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    method: Mapped[CollectionMethod] = mapped_column(
        str_enum(CollectionMethod, "secondary_collection_method", 10), nullable=False
    )
    reference: Mapped[str] = mapped_column(String(60), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    unallocated: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    collected_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class SecondaryAllocation(TenantOwned, Base):
    """Part of a collection applied to a secondary invoice."""

    __tablename__ = "secondary_allocation"
    __table_args__ = (
        tenant_key(),
        tenant_fk("collection_id", "secondary_collection"),
        tenant_fk("document_id", "secondary_document"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index(None, "tenant_id", "document_id"),
        Index(None, "tenant_id", "collection_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    collection_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)


class SalesReturn(TenantOwned, TimestampMixin, Base):
    """Goods a retailer returned against one invoice line batch, and the credit note it got."""

    __tablename__ = "sales_return"
    __table_args__ = (
        tenant_key(),
        tenant_fk("line_batch_id", "secondary_line_batch"),
        tenant_fk("credit_note_id", "secondary_document"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index(None, "tenant_id", "line_batch_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    line_batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    credit_note_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    reason: Mapped[ReturnReason] = mapped_column(
        str_enum(ReturnReason, "return_reason", 20), nullable=False
    )
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    restocked: Mapped[bool] = mapped_column(Boolean, nullable=False)
    returned_on: Mapped[date] = mapped_column(Date, nullable=False)


class SecondaryNoteAllocation(TenantOwned, Base):
    """Part of an on-account secondary credit note applied to an open secondary invoice (at the
    note's date); what is not allocated stays on the note as credit on account."""

    __tablename__ = "secondary_note_allocation"
    __table_args__ = (
        tenant_key(),
        tenant_fk("note_id", "secondary_document"),
        tenant_fk("document_id", "secondary_document"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index(None, "tenant_id", "document_id"),
        Index(None, "tenant_id", "note_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    note_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    document_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)


class QpsSettlement(TenantOwned, TimestampMixin, Base):
    """The credit an ended QPS scheme paid one retailer, and the credit note that paid it (once
    per scheme and retailer)."""

    __tablename__ = "qps_settlement"
    __table_args__ = (
        tenant_key(),
        UniqueConstraint("tenant_id", "scheme_id", "retailer_id"),
        tenant_fk("scheme_id", "scheme"),
        tenant_fk("distributor_id", "distributor"),
        tenant_fk("retailer_id", "retailer"),
        tenant_fk("credit_note_id", "secondary_document"),
        CheckConstraint("quantity > 0 AND value > 0 AND credit > 0", name="positive"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
        Index(None, "tenant_id", "scheme_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    scheme_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    distributor_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    retailer_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    credit_note_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 4), nullable=False)
    credit: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    settled_on: Mapped[date] = mapped_column(Date, nullable=False)
