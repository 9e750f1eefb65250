"""GraphQL queries and mutations of invoices, notes, payments, delivery and statements."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.api.types import (
    Connection,
    UserError,
    connection_page,
)
from backend.auth.principal import Principal
from backend.billing import delivery, invoicing, notes, payments
from backend.billing.graphql_types import (
    BillingDocumentNode,
    PaymentType,
    StatementOfAccount,
    document_node,
    payment_type,
    statement_type,
)
from backend.billing.models import BillingDocument, DocumentKind, NoteReason, Payment, PaymentMethod
from backend.billing.repository import documents_query, payment_key, payment_value, payments_query
from backend.billing.statements import statement_of_account
from backend.kit.ids import decode_typed_id

IDEMPOTENCY = "Client-generated key: a retry with it returns the first result."


def _id(value: strawberry.ID, type_name: str, field: str) -> uuid.UUID:
    return decode_typed_id(value, type_name, field=field)


@strawberry.input(description="Units of one order line to invoice.")
class InvoiceLineInput:
    line_id: strawberry.ID = strawberry.field(description="The order line (PrimaryOrderLine id).")
    quantity: int = strawberry.field(description="Units to invoice.")


@strawberry.input(description="Invoice an approved order, fully (no lines) or partly.")
class InvoicePrimaryOrderInput:
    order_id: strawberry.ID = strawberry.field(description="The order.")
    series: str = strawberry.field(description="Numbering series, 1–8 letters or digits.")
    issued_on: date = strawberry.field(description="Invoice date.")
    lines: list[InvoiceLineInput] | None = strawberry.field(
        default=None, description="Quantities per line; omit to invoice everything left."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="A line of a credit or debit note.")
class NoteLineInput:
    product_id: strawberry.ID = strawberry.field(description="The SKU.")
    quantity: int = strawberry.field(description="Units (0 for a pure value note).")
    unit_price: Decimal = strawberry.field(
        description=(
            "Amount per unit, before tax. A RETURN names the invoiced price; the note then takes"
            " off the returned share of the line's scheme discount and gives it back to the"
            " schemes' budgets."
        )
    )
    batch: str | None = strawberry.field(
        default=None, description="Returns of delivered goods: the batch that leaves stock."
    )


@strawberry.input(description="A credit or debit note correcting an invoice.")
class IssueNoteInput:
    kind: DocumentKind = strawberry.field(description="CREDIT_NOTE or DEBIT_NOTE.")
    corrects_id: strawberry.ID = strawberry.field(description="The invoice it corrects.")
    reason: NoteReason = strawberry.field(description="Why.")
    series: str = strawberry.field(description="Numbering series.")
    issued_on: date = strawberry.field(description="Note date.")
    lines: list[NoteLineInput] = strawberry.field(description="What it credits or debits.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Part of a payment applied to one invoice.")
class AllocationInput:
    document_id: strawberry.ID = strawberry.field(description="An open invoice or debit note.")
    amount: Decimal = strawberry.field(description="Amount applied.")


@strawberry.input(description="Money received from a distributor.")
class RecordPaymentInput:
    distributor_id: strawberry.ID = strawberry.field(description="Who paid.")
    method: PaymentMethod = strawberry.field(description="How.")
    amount: Decimal = strawberry.field(description="How much, in the distributor's currency.")
    received_on: date = strawberry.field(description="When.")
    reference: str = strawberry.field(description="Bank or cheque reference.")
    allocations: list[AllocationInput] | None = strawberry.field(
        default=None, description="Explicit allocation; omit to pay the oldest first."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="A cheque that bounced.")
class BounceChequeInput:
    payment_id: strawberry.ID = strawberry.field(description="The cheque payment.")
    bounced_on: date = strawberry.field(description="When the bank returned it.")
    reason: str = strawberry.field(description="Bank's reason.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Dispatch or delivery of an invoice.")
class ShipmentInput:
    invoice_id: strawberry.ID = strawberry.field(description="The invoice.")
    on: date = strawberry.field(description="Dispatch or delivery date.")
    batches: list[DeliveredBatchInput] | None = strawberry.field(
        default=None, description="Delivery only: units per invoice line and batch."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Units of one invoice line received in one batch.")
class DeliveredBatchInput:
    line_id: strawberry.ID = strawberry.field(description="The invoice line (BillingLine id).")
    batch: str = strawberry.field(description="Batch code.")
    quantity: int = strawberry.field(description="Units received.")
    expires_on: date | None = strawberry.field(default=None, description="Batch expiry.")


@strawberry.type(description="Result of a billing mutation.")
class BillingDocumentPayload:
    document: BillingDocumentNode | None = strawberry.field(description="The document.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of a payment mutation.")
class PaymentPayload:
    payment: PaymentType | None = strawberry.field(description="The payment.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


async def _document(
    info: strawberry.Info[Context, None],
    work: Callable[[Principal], Awaitable[BillingDocument]],
) -> BillingDocumentPayload:
    row, errors = await run_mutation(info.context, work)
    return BillingDocumentPayload(document=document_node(row) if row else None, errors=errors)


@strawberry.type
class BillingQuery:
    @strawberry.field(description="Invoices and notes you may see, by number.")
    async def billing_documents(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
        distributor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this distributor.")
        ] = None,
    ) -> Connection[BillingDocumentNode]:
        context = info.context
        principal = await context.principal()
        dist = _id(distributor_id, "Distributor", "distributorId") if distributor_id else None
        return await connection_page(
            context,
            documents_query(principal, distributor_id=dist),
            sort_column=BillingDocument.number,
            first=first,
            after=after,
            to_node=document_node,
        )

    @strawberry.field(description="Payments you may see, in the order received.")
    async def payments(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
        distributor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this distributor.")
        ] = None,
    ) -> Connection[PaymentType]:
        principal = await info.context.principal()
        dist = _id(distributor_id, "Distributor", "distributorId") if distributor_id else None
        return await connection_page(
            info.context,
            payments_query(principal, distributor_id=dist),
            sort_column=payment_key(),
            first=first,
            after=after,
            to_node=payment_type,
            key=payment_value,
        )

    @strawberry.field(description="A distributor's statement of account for a period.")
    async def statement_of_account(
        self,
        info: strawberry.Info[Context, None],
        distributor_id: Annotated[strawberry.ID, strawberry.argument(description="The party.")],
        start: Annotated[date, strawberry.argument(name="from", description="First day.")],
        end: Annotated[date, strawberry.argument(name="to", description="Last day.")],
    ) -> StatementOfAccount:
        principal = await info.context.principal()
        statement = await statement_of_account(
            info.context.session,
            principal=principal,
            start=start,
            end=end,
            distributor_id=_id(distributor_id, "Distributor", "distributorId"),
        )
        return statement_type(statement)


@strawberry.type
class BillingMutation:
    @strawberry.mutation(description="Invoice an approved order, fully or partly.")
    async def invoice_primary_order(
        self, info: strawberry.Info[Context, None], input: InvoicePrimaryOrderInput
    ) -> BillingDocumentPayload:
        async def work(principal: Principal) -> BillingDocument:
            lines = (
                None
                if input.lines is None
                else [
                    invoicing.InvoiceLineRequest(
                        _id(ln.line_id, "PrimaryOrderLine", f"input.lines[{i}].lineId"), ln.quantity
                    )
                    for i, ln in enumerate(input.lines)
                ]
            )
            return await invoicing.invoice_order(
                info.context.session,
                principal=principal,
                series=input.series,
                order_id=_id(input.order_id, "PrimaryOrder", "input.orderId"),
                issued_on=input.issued_on,
                lines=lines,
                idempotency_key=input.idempotency_key,
            )

        return await _document(info, work)

    @strawberry.mutation(description="Issue a credit or debit note against an invoice.")
    async def issue_note(
        self, info: strawberry.Info[Context, None], input: IssueNoteInput
    ) -> BillingDocumentPayload:
        async def work(principal: Principal) -> BillingDocument:
            draft = notes.NoteDraft(
                kind=input.kind,
                reason=input.reason,
                series=input.series,
                issued_on=input.issued_on,
                corrects_id=_id(input.corrects_id, "BillingDocument", "input.correctsId"),
                lines=[
                    notes.NoteLine(
                        _id(ln.product_id, "Product", f"input.lines[{i}].productId"),
                        ln.quantity,
                        ln.unit_price,
                        ln.batch,
                    )
                    for i, ln in enumerate(input.lines)
                ],
            )
            return await notes.issue_note(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        return await _document(info, work)

    @strawberry.mutation(description="Record that an invoice's goods were dispatched.")
    async def dispatch_invoice(
        self, info: strawberry.Info[Context, None], input: ShipmentInput
    ) -> BillingDocumentPayload:
        async def work(principal: Principal) -> BillingDocument:
            return await delivery.dispatch_invoice(
                info.context.session,
                principal=principal,
                dispatched_on=input.on,
                invoice_id=_id(input.invoice_id, "BillingDocument", "input.invoiceId"),
                idempotency_key=input.idempotency_key,
            )

        return await _document(info, work)

    @strawberry.mutation(description="Record delivery by batch into the distributor's stock.")
    async def deliver_invoice(
        self, info: strawberry.Info[Context, None], input: ShipmentInput
    ) -> BillingDocumentPayload:
        async def work(principal: Principal) -> BillingDocument:
            batches = [
                delivery.DeliveredBatch(
                    _id(b.line_id, "BillingLine", f"input.batches[{i}].lineId"),
                    b.batch,
                    b.quantity,
                    b.expires_on,
                )
                for i, b in enumerate(input.batches or [])
            ]
            return await delivery.deliver_invoice(
                info.context.session,
                principal=principal,
                delivered_on=input.on,
                batches=batches,
                invoice_id=_id(input.invoice_id, "BillingDocument", "input.invoiceId"),
                idempotency_key=input.idempotency_key,
            )

        return await _document(info, work)

    @strawberry.mutation(description="Record a payment and allocate it (oldest first by default).")
    async def record_payment(
        self, info: strawberry.Info[Context, None], input: RecordPaymentInput
    ) -> PaymentPayload:
        async def work(principal: Principal) -> Payment:
            allocations = (
                None
                if input.allocations is None
                else [
                    (
                        _id(a.document_id, "BillingDocument", f"input.allocations[{i}].documentId"),
                        a.amount,
                    )
                    for i, a in enumerate(input.allocations)
                ]
            )
            draft = payments.PaymentDraft(
                distributor_id=_id(input.distributor_id, "Distributor", "input.distributorId"),
                method=input.method,
                amount=input.amount,
                received_on=input.received_on,
                reference=input.reference,
                allocations=allocations,
            )
            return await payments.record_payment(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return PaymentPayload(payment=payment_type(row) if row else None, errors=errors)

    @strawberry.mutation(
        description="Bounce a cheque: reverse its posting and reopen what it paid."
    )
    async def bounce_cheque(
        self, info: strawberry.Info[Context, None], input: BounceChequeInput
    ) -> PaymentPayload:
        async def work(principal: Principal) -> Payment:
            return await payments.bounce_cheque(
                info.context.session,
                principal=principal,
                bounced_on=input.bounced_on,
                payment_id=_id(input.payment_id, "Payment", "input.paymentId"),
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return PaymentPayload(payment=payment_type(row) if row else None, errors=errors)
