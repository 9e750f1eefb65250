"""GraphQL object types of billing documents, payments and statements of account."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from backend.api.context import Context
from backend.api.loaders import load_node, register_node
from backend.api.types import Money, Node
from backend.billing.models import (
    BillingDocument,
    BillingLine,
    BillingLineTax,
    DocumentKind,
    NoteReason,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from backend.billing.repository import (
    documents_by_ids,
    lines_of_documents,
    payments_by_ids,
    schemes_of_billing_lines,
    taxes_of_documents,
)
from backend.billing.statements import Statement
from backend.kit.ids import encode_global_id
from backend.orders.graphql_types import (
    DistributorRef,
    ProductRef,
    SecondaryLineSchemeType,
    grouped_loader,
    line_scheme_type,
    load_distributor,
    load_product,
    money,
)

if TYPE_CHECKING:
    from backend.orders.graphql_types import PrimaryOrderNode

OrderRef = Annotated["PrimaryOrderNode", strawberry.lazy("backend.orders.graphql_types")]
DocumentKindEnum = strawberry.enum(DocumentKind, description="Invoice, credit note or debit note.")
NoteReasonEnum = strawberry.enum(NoteReason, description="Why a note was raised.")
PaymentMethodEnum = strawberry.enum(PaymentMethod, description="Cash, bank transfer or cheque.")
PaymentStatusEnum = strawberry.enum(PaymentStatus, description="RECEIVED, or BOUNCED (cheques).")


@strawberry.type(description="One tax on one line, or one rate summed over a document's lines.")
class TaxComponentType:
    name: str = strawberry.field(description="PPN, CGST, SGST or IGST.")
    rate_percent: Decimal = strawberry.field(description="Rate in %, e.g. 12 or 9.")
    base: Money = strawberry.field(description="Taxable base (PPN ordinary goods: 11/12 of net).")
    amount: Money = strawberry.field(description="Tax, rounded half-up to the cent per line.")


def _component(
    name: str, rate: Decimal, base: Decimal, amount: Decimal, c: str
) -> TaxComponentType:
    return TaxComponentType(
        name=name,
        rate_percent=Decimal(format((rate * 100).normalize(), "f")),
        base=money(base, c),
        amount=money(amount, c),
    )


def tax_summary(rows: list[BillingLineTax], currency: str) -> list[TaxComponentType]:
    """Bases and taxes summed per (tax, rate) over a document's lines (the lines add up to it)."""
    summed: dict[tuple[str, Decimal], tuple[Decimal, Decimal]] = {}
    for r in rows:
        base, amount = summed.get((r.name, r.rate), (Decimal("0.00"), Decimal("0.00")))
        summed[(r.name, r.rate)] = (base + r.base, amount + r.amount)
    return [
        _component(name, rate, base, amount, currency)
        for (name, rate), (base, amount) in sorted(summed.items())
    ]


async def _document_taxes(info: strawberry.Info[Context, None], doc_id: uuid.UUID) -> Any:
    loader = grouped_loader(info.context, "document.taxes", taxes_of_documents)
    return await loader.load(doc_id)


@strawberry.type(
    description=(
        "A SKU line of a document with its PRIMARY scheme discount, net and tax; free goods a "
        "scheme gives are a line at zero price."
    )
)
class BillingLineType:
    line_id: strawberry.ID = strawberry.field(description="Global id of the line (for delivery).")
    quantity: int = strawberry.field(description="Units.")
    unit_price: Money = strawberry.field(description="Price per unit (locked from the order).")
    discount: Money = strawberry.field(description="PRIMARY scheme discount, before tax.")
    net: Money = strawberry.field(description="Quantity × price − discount (the taxable value).")
    is_free: bool = strawberry.field(description="Free goods given by a PRIMARY scheme.")
    tax_label: str = strawberry.field(description="Taxes applied, e.g. 'PPN 12%'.")
    tax: Money = strawberry.field(description="Tax of the line.")
    product_id: strawberry.Private[uuid.UUID]
    row_id: strawberry.Private[uuid.UUID]
    document_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The SKU.")
    async def product(self, info: strawberry.Info[Context, None]) -> ProductRef | None:
        return await load_product(info.context, self.product_id)

    @strawberry.field(description="PRIMARY schemes applied to this line, explained.")
    async def schemes(self, info: strawberry.Info[Context, None]) -> list[SecondaryLineSchemeType]:
        rows = await grouped_loader(
            info.context, "billing_line.schemes", schemes_of_billing_lines
        ).load(self.row_id)
        return [line_scheme_type(r, self.net.currency) for r in rows]

    @strawberry.field(description="Each tax of the line (CGST and SGST are two) with its base.")
    async def taxes(self, info: strawberry.Info[Context, None]) -> list[TaxComponentType]:
        rows = await _document_taxes(info, self.document_id)
        c = self.net.currency
        return [
            _component(r.name, r.rate, r.base, r.amount, c)
            for r in rows
            if r.line_id == self.row_id
        ]


@strawberry.type(name="BillingDocument", description="A numbered invoice, credit or debit note.")
class BillingDocumentNode(Node):
    kind: DocumentKind = strawberry.field(description="What the document is.")
    number: str = strawberry.field(description="Consecutive number in its series and fiscal year.")
    issued_on: date = strawberry.field(description="Document date.")
    due_on: date = strawberry.field(description="Due date (issue date + credit days).")
    discount: Money = strawberry.field(description="PRIMARY scheme discount of the lines.")
    net: Money = strawberry.field(description="Net amount (after the scheme discount).")
    tax: Money = strawberry.field(description="Tax amount.")
    round_off: Money = strawberry.field(
        description="Round-off the tax rules add to reach the total (GST: total rounded to the"
        " rupee, posted to the round-off account); zero under PPN."
    )
    total: Money = strawberry.field(description="Net + tax + round-off.")
    open_amount: Money = strawberry.field(description="Still unpaid (notes: still unapplied).")
    reason: NoteReason | None = strawberry.field(description="Why a note was raised.")
    dispatched_on: date | None = strawberry.field(description="When the goods left.")
    delivered_on: date | None = strawberry.field(description="When the goods arrived.")
    row_id: strawberry.Private[uuid.UUID]
    distributor_id: strawberry.Private[uuid.UUID]
    corrects_id: strawberry.Private[uuid.UUID | None]
    order_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The invoice a credit or debit note corrects (null: invoice).")
    async def corrects(self, info: strawberry.Info[Context, None]) -> BillingDocumentNode | None:
        if self.corrects_id is None:
            return None
        found: BillingDocumentNode | None = await load_node(
            info.context, "BillingDocument", self.corrects_id
        )
        return found

    @strawberry.field(description="The primary order billed (notes: the corrected invoice's).")
    async def order(self, info: strawberry.Info[Context, None]) -> OrderRef | None:
        if self.order_id is None:
            return None
        found: Any = await load_node(info.context, "PrimaryOrder", self.order_id)
        return found

    @strawberry.field(description="The billed distributor.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorRef | None:
        return await load_distributor(info.context, self.distributor_id)

    @strawberry.field(description="The lines.")
    async def lines(self, info: strawberry.Info[Context, None]) -> list[BillingLineType]:
        rows = await grouped_loader(info.context, "document.lines", lines_of_documents).load(
            self.row_id
        )
        return [billing_line_type(r, self.total.currency) for r in rows]

    @strawberry.field(description="Taxable base and tax per tax and rate, summed over the lines.")
    async def tax_summary(self, info: strawberry.Info[Context, None]) -> list[TaxComponentType]:
        return tax_summary(await _document_taxes(info, self.row_id), self.total.currency)


def billing_line_type(row: BillingLine, currency: str) -> BillingLineType:
    """Map a document line."""
    return BillingLineType(
        line_id=strawberry.ID(encode_global_id("BillingLine", row.id)),
        quantity=row.quantity,
        unit_price=money(row.unit_price, currency),
        discount=money(row.discount, currency),
        net=money(row.net, currency),
        is_free=row.is_free,
        tax_label=row.tax_label,
        tax=money(row.tax, currency),
        product_id=row.product_id,
        row_id=row.id,
        document_id=row.document_id,
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
        discount=money(row.discount, c),
        net=money(row.net, c),
        tax=money(row.tax, c),
        round_off=money(row.round_off, c),
        total=money(row.total, c),
        open_amount=money(row.open_amount, c),
        reason=row.reason,
        dispatched_on=row.dispatched_on,
        delivered_on=row.delivered_on,
        row_id=row.id,
        distributor_id=row.distributor_id,
        corrects_id=row.corrects_id,
        order_id=row.order_id,
    )


register_node("BillingDocument", documents_by_ids, document_node)


@strawberry.type(name="Payment", description="Money received from a distributor.")
class PaymentType(Node):
    method: PaymentMethod = strawberry.field(description="How it was paid.")
    status: PaymentStatus = strawberry.field(description="Received or bounced.")
    reference: str = strawberry.field(description="Bank or cheque reference.")
    amount: Money = strawberry.field(description="Amount received.")
    unallocated: Money = strawberry.field(description="Left on account.")
    received_on: date = strawberry.field(description="Date received.")
    bounced_on: date | None = strawberry.field(description="When the cheque bounced, if it did.")
    distributor_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Who paid.")
    async def distributor(self, info: strawberry.Info[Context, None]) -> DistributorRef | None:
        return await load_distributor(info.context, self.distributor_id)


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
        bounced_on=row.bounced_on,
        distributor_id=row.distributor_id,
    )


register_node("Payment", payments_by_ids, payment_type)


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
    ageing: AgeingType = strawberry.field(
        description="Open invoices and debit notes at the period end, by age since their date."
    )
    dso_days: Decimal | None = strawberry.field(description="Days sales outstanding.")
    overdue_percent: Decimal | None = strawberry.field(description="Overdue ÷ open, in %.")


def statement_type(s: Statement) -> StatementOfAccount:
    """Map a statement."""
    c = s.currency
    source_names = {
        "BILLING_DOCUMENT": "BillingDocument",
        "PAYMENT": "Payment",
        "SECONDARY_DOCUMENT": "SecondaryDocument",
        "SECONDARY_COLLECTION": "SecondaryCollection",
    }
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
