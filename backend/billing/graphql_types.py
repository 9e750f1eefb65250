"""GraphQL object types of billing documents, payments and statements of account."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import strawberry

from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.types import Money, Node
from backend.billing.models import (
    BillingDocument,
    BillingLine,
    DocumentKind,
    NoteReason,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from backend.billing.repository import documents_by_ids, lines_of_documents
from backend.billing.statements import Statement
from backend.kit.ids import encode_global_id
from backend.orders.graphql_types import (
    DistributorRef,
    ProductRef,
    grouped_loader,
    load_distributor,
    load_product,
    money,
)

DocumentKindEnum = strawberry.enum(DocumentKind, description="Invoice, credit note or debit note.")
NoteReasonEnum = strawberry.enum(NoteReason, description="Why a note was raised.")
PaymentMethodEnum = strawberry.enum(PaymentMethod, description="Cash, bank transfer or cheque.")
PaymentStatusEnum = strawberry.enum(PaymentStatus, description="RECEIVED, or BOUNCED (cheques).")


@strawberry.type(description="A SKU line of a document with its net and tax.")
class BillingLineType:
    line_id: strawberry.ID = strawberry.field(description="Global id of the line (for delivery).")
    quantity: int = strawberry.field(description="Units.")
    unit_price: Money = strawberry.field(description="Price per unit (locked from the order).")
    net: Money = strawberry.field(description="Quantity × price.")
    tax_label: str = strawberry.field(description="Taxes applied, e.g. 'PPN 12%'.")
    tax: Money = strawberry.field(description="Tax of the line.")
    product_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The SKU.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await load_product(info.context, self.product_id)


@strawberry.type(name="BillingDocument", description="A numbered invoice, credit or debit note.")
class BillingDocumentNode(Node):
    kind: DocumentKind = strawberry.field(description="What the document is.")
    number: str = strawberry.field(description="Consecutive number in its series and fiscal year.")
    issued_on: date = strawberry.field(description="Document date.")
    due_on: date = strawberry.field(description="Due date (issue date + credit days).")
    net: Money = strawberry.field(description="Net amount.")
    tax: Money = strawberry.field(description="Tax amount.")
    total: Money = strawberry.field(description="Net + tax.")
    open_amount: Money = strawberry.field(description="Still unpaid (notes: still unapplied).")
    reason: NoteReason | None = strawberry.field(description="Why a note was raised.")
    dispatched_on: date | None = strawberry.field(description="When the goods left.")
    delivered_on: date | None = strawberry.field(description="When the goods arrived.")
    row_id: strawberry.Private[uuid.UUID]
    distributor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The billed distributor.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorRef | None:
        return await load_distributor(info.context, self.distributor_id)

    @strawberry.field(description="The lines.")
    async def lines(self, info: strawberry.Info[Context, None]) -> list[BillingLineType]:
        rows = await grouped_loader(info.context, "document.lines", lines_of_documents).load(
            self.row_id
        )
        return [billing_line_type(r, self.total.currency) for r in rows]


def billing_line_type(row: BillingLine, currency: str) -> BillingLineType:
    """Map a document line."""
    return BillingLineType(
        line_id=strawberry.ID(encode_global_id("BillingLine", row.id)),
        quantity=row.quantity,
        unit_price=money(row.unit_price, currency),
        net=money(row.net, currency),
        tax_label=row.tax_label,
        tax=money(row.tax, currency),
        product_id=row.product_id,
    )


def document_node(row: BillingDocument) -> BillingDocumentNode:
    """Map a document row."""
    c = row.currency
    return BillingDocumentNode(
        id=strawberry.ID(encode_global_id("BillingDocument", row.id)),
        kind=row.kind,
        number=row.number,
        issued_on=row.issued_on,
        due_on=row.due_on,
        net=money(row.net, c),
        tax=money(row.tax, c),
        total=money(row.total, c),
        open_amount=money(row.open_amount, c),
        reason=row.reason,
        dispatched_on=row.dispatched_on,
        delivered_on=row.delivered_on,
        row_id=row.id,
        distributor_id=row.distributor_id,
    )


register_node("BillingDocument", documents_by_ids, document_node)


@strawberry.type(description="Money received from a distributor.")
class PaymentType:
    id: strawberry.ID = strawberry.field(description="Global id of the payment.")
    method: PaymentMethod = strawberry.field(description="How it was paid.")
    status: PaymentStatus = strawberry.field(description="Received or bounced.")
    reference: str = strawberry.field(description="Bank or cheque reference.")
    amount: Money = strawberry.field(description="Amount received.")
    unallocated: Money = strawberry.field(description="Left on account.")
    received_on: date = strawberry.field(description="Date received.")


def payment_type(row: Payment) -> PaymentType:
    """Map a payment row."""
    return PaymentType(
        id=strawberry.ID(encode_global_id("Payment", row.id)),
        method=row.method,
        status=row.status,
        reference=row.reference,
        amount=money(row.amount, row.currency),
        unallocated=money(row.unallocated, row.currency),
        received_on=row.received_on,
    )


@strawberry.type(description="One posting on a statement of account.")
class StatementLineType:
    posted_on: date = strawberry.field(description="Posting date.")
    source_type: str = strawberry.field(description="BILLING_DOCUMENT or PAYMENT.")
    source_id: strawberry.ID = strawberry.field(description="Global id of the source.")
    memo: str = strawberry.field(description="What it was, e.g. 'INVOICE INV/2026/00001'.")
    debit: Money = strawberry.field(description="Increase of what is owed.")
    credit: Money = strawberry.field(description="Decrease of what is owed.")
    balance: Money = strawberry.field(description="Running balance after this line.")


@strawberry.type(description="Open receivables by age since the document date.")
class AgeingType:
    days_0_30: Money = strawberry.field(name="days0To30", description="0–30 days.")
    days_31_60: Money = strawberry.field(name="days31To60", description="31–60 days.")
    days_61_90: Money = strawberry.field(name="days61To90", description="61–90 days.")
    days_over_90: Money = strawberry.field(name="daysOver90", description="More than 90 days.")


@strawberry.type(description="A distributor's statement of account over a period.")
class StatementOfAccount:
    opening_balance: Money = strawberry.field(description="Owed at the start.")
    lines: list[StatementLineType] = strawberry.field(description="Every posting, in order.")
    closing_balance: Money = strawberry.field(description="Owed at the end.")
    ageing: AgeingType = strawberry.field(description="Ageing of open documents (today's amounts).")
    dso_days: Decimal | None = strawberry.field(description="Days sales outstanding.")
    overdue_percent: Decimal | None = strawberry.field(description="Overdue ÷ open, in %.")


def statement_type(s: Statement) -> StatementOfAccount:
    """Map a statement."""
    c = s.currency
    source_names = {"BILLING_DOCUMENT": "BillingDocument", "PAYMENT": "Payment"}
    return StatementOfAccount(
        opening_balance=money(s.opening, c),
        lines=[
            StatementLineType(
                posted_on=ln.posted_on,
                source_type=ln.source_type,
                source_id=strawberry.ID(
                    encode_global_id(source_names.get(ln.source_type, ln.source_type), ln.source_id)
                ),
                memo=ln.memo,
                debit=money(ln.debit, c),
                credit=money(ln.credit, c),
                balance=money(ln.balance, c),
            )
            for ln in s.lines
        ],
        closing_balance=money(s.closing, c),
        ageing=AgeingType(
            days_0_30=money(s.ageing[0], c),
            days_31_60=money(s.ageing[1], c),
            days_61_90=money(s.ageing[2], c),
            days_over_90=money(s.ageing[3], c),
        ),
        dso_days=s.dso_days,
        overdue_percent=s.overdue_percent,
    )
