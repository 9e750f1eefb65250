"""GraphQL queries and mutations of secondary sales: orders, billing, collections, returns,
retailer credit and statements."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.api.types import Connection, Money, UserError, connection_page
from backend.auth.principal import Principal
from backend.billing.graphql_types import StatementOfAccount, statement_type
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.orders.graphql_types import money
from backend.orders.models import CreditAction
from backend.secondary import (
    billing,
    collections,
    credit,
    ordering,
    purchases,  # noqa: F401  (registers secondary sales as scheme ROI's source)
    qps,
    repository,
    returns,
)
from backend.secondary import settings as secondary_settings_service
from backend.secondary.graphql_types import (
    SecondaryCollectionType,
    SecondaryDocumentNode,
    SecondaryOrderNode,
    collection_type,
    document_node,
    order_node,
)
from backend.secondary.models import (
    CollectionMethod,
    QpsSettlement,
    RetailerCredit,
    ReturnReason,
    SecondaryCollection,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryOrder,
    SecondaryOrderStatus,
    SecondarySettings,
    ShortfallPolicy,
)
from backend.secondary.schemes import app_scheme_source
from backend.secondary.statements import retailer_statement

IDEMPOTENCY = "Client-generated key: a retry with it returns the first result."
ReturnReasonEnum = strawberry.enum(
    ReturnReason, description="Standard return reasons (WRONG_ITEM, EXCESS_STOCK restock)."
)
ShortfallPolicyEnum = strawberry.enum(
    ShortfallPolicy, description="Refuse a short invoice, or split it (bill what is in stock)."
)


def _id(value: strawberry.ID, type_name: str, field: str) -> uuid.UUID:
    return decode_typed_id(value, type_name, field=field)


@strawberry.input(description="A SKU and quantity.")
class SecondaryLineInput:
    product_id: strawberry.ID = strawberry.field(description="The SKU.")
    quantity: int = strawberry.field(description="Units.")


@strawberry.input(description="An order entered at the distributor's desk.")
class PlaceSecondaryOrderInput:
    retailer_id: strawberry.ID = strawberry.field(description="The ordering retailer.")
    order_date: date = strawberry.field(description="Order date (prices in force that day).")
    lines: list[SecondaryLineInput] = strawberry.field(description="SKUs and quantities.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="A secondary order to act on.")
class SecondaryOrderActionInput:
    order_id: strawberry.ID = strawberry.field(description="The secondary order.")
    reason: str = strawberry.field(default="", description="Why (required to release).")


@strawberry.input(description="Bill what remains of a secondary order.")
class BillSecondaryOrderInput:
    order_id: strawberry.ID = strawberry.field(description="The secondary order.")
    issued_on: date = strawberry.field(description="Invoice date.")
    series: str = strawberry.field(default="SI", description="The distributor's series.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Part of a collection for one invoice.")
class CollectionAllocationInput:
    invoice_id: strawberry.ID = strawberry.field(description="The secondary invoice.")
    amount: Decimal = strawberry.field(description="Amount applied.")


@strawberry.input(description="Money a retailer paid (to a rep at a visit, or at the desk).")
class RecordRetailerCollectionInput:
    retailer_id: strawberry.ID = strawberry.field(description="The paying retailer.")
    method: CollectionMethod = strawberry.field(description="Cash or transfer.")
    amount: Decimal = strawberry.field(description="Amount received.")
    received_on: date = strawberry.field(description="Date received.")
    reference: str = strawberry.field(default="", description="Receipt or transfer reference.")
    visit_id: strawberry.ID | None = strawberry.field(default=None, description="The visit.")
    allocations: list[CollectionAllocationInput] | None = strawberry.field(
        default=None, description="Explicit allocation; omit for oldest first."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY + " Required from a rep's phone."
    )


@strawberry.input(description="Units of one invoice line's batch coming back.")
class ReturnLineInput:
    line_id: strawberry.ID = strawberry.field(description="The invoice line (SecondaryLine).")
    batch: str = strawberry.field(description="Batch code the units were sold from.")
    quantity: int = strawberry.field(description="Units returned.")


@strawberry.input(description="A sales return against one invoice.")
class RecordSalesReturnInput:
    invoice_id: strawberry.ID = strawberry.field(description="The secondary invoice.")
    reason: ReturnReason = strawberry.field(description="Decides restock or write-off.")
    returned_on: date = strawberry.field(description="Date of the return.")
    lines: list[ReturnLineInput] = strawberry.field(description="What comes back.")
    series: str = strawberry.field(default="SR", description="Credit note series.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Settle an ended QPS scheme by on-account credit notes.")
class SettleQpsInput:
    scheme_id: strawberry.ID = strawberry.field(description="The QPS scheme (ended).")
    on: date = strawberry.field(description="Settlement date (after the scheme's period).")
    series: str = strawberry.field(
        default=qps.DEFAULT_SERIES, description="Credit note series (distributor's own)."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.type(description="What an ended QPS scheme paid one retailer, by credit note.")
class QpsSettlementType:
    retailer_id: strawberry.ID = strawberry.field(description="The retailer.")
    credit_note_id: strawberry.ID = strawberry.field(
        description="The on-account credit note (SecondaryDocument)."
    )
    quantity: int = strawberry.field(description="Eligible units bought in the period.")
    value: Money = strawberry.field(description="Eligible value bought in the period.")
    percent: Decimal = strawberry.field(description="Percent of the slab reached.")
    credit: Money = strawberry.field(description="The credit paid.")
    settled_on: date = strawberry.field(description="Settlement date.")


def _qps_settlement(row: QpsSettlement, currency: str) -> QpsSettlementType:
    return QpsSettlementType(
        retailer_id=strawberry.ID(encode_global_id("Retailer", row.retailer_id)),
        credit_note_id=strawberry.ID(encode_global_id("SecondaryDocument", row.credit_note_id)),
        quantity=row.quantity,
        value=money(row.value, currency),
        percent=row.percent,
        credit=money(row.credit, currency),
        settled_on=row.settled_on,
    )


@strawberry.type(description="Result of settleQps.")
class SettleQpsPayload:
    settlements: list[QpsSettlementType] = strawberry.field(
        description="All the scheme's settlements you may see (earlier runs included)."
    )
    issued: int = strawberry.field(description="Credit notes this call issued (0 on a re-run).")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.input(description="A retailer's credit terms at its distributor.")
class SetRetailerCreditInput:
    retailer_id: strawberry.ID = strawberry.field(description="The retailer.")
    credit_limit: Decimal = strawberry.field(description="Credit limit.")
    credit_days: int = strawberry.field(description="Days until an invoice is due.")


@strawberry.type(description="A retailer's credit terms.")
class RetailerCreditType:
    credit_limit: Decimal = strawberry.field(description="Credit limit.")
    credit_days: int = strawberry.field(description="Days until an invoice is due.")


@strawberry.input(description="Changes to the secondary-sales settings; omitted fields stay.")
class ConfigureSecondaryInput:
    credit_action: CreditAction | None = strawberry.field(default=None, description="HOLD/REFUSE.")
    shortfall: ShortfallPolicy | None = strawberry.field(default=None, description="REFUSE/SPLIT.")
    return_window_days: int | None = strawberry.field(default=None, description="Return window.")
    number_format: str | None = strawberry.field(
        default=None, description="With {series}, {fy}, {n:05d}; at most 16 characters."
    )


@strawberry.type(description="The tenant's secondary-sales settings.")
class SecondarySettingsType:
    credit_action: CreditAction = strawberry.field(description="On a failed credit check.")
    shortfall: ShortfallPolicy = strawberry.field(description="On a line stock cannot cover.")
    return_window_days: int = strawberry.field(description="Days a return is accepted.")
    number_format: str = strawberry.field(description="Document number format.")


@strawberry.type(description="Result of a secondary order mutation.")
class SecondaryOrderPayload:
    order: SecondaryOrderNode | None = strawberry.field(description="The order.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of billing or a return.")
class SecondaryDocumentPayload:
    document: SecondaryDocumentNode | None = strawberry.field(description="The document.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of recordRetailerCollection.")
class SecondaryCollectionPayload:
    collection: SecondaryCollectionType | None = strawberry.field(description="The collection.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of setRetailerCredit.")
class RetailerCreditPayload:
    credit: RetailerCreditType | None = strawberry.field(description="The terms.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of configureSecondary.")
class SecondarySettingsPayload:
    settings: SecondarySettingsType | None = strawberry.field(description="The settings.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


async def _order(
    info: strawberry.Info[Context, None], work: Callable[[Principal], Awaitable[SecondaryOrder]]
) -> SecondaryOrderPayload:
    row, errors = await run_mutation(info.context, work)
    return SecondaryOrderPayload(order=order_node(row) if row else None, errors=errors)


async def _document(
    info: strawberry.Info[Context, None],
    work: Callable[[Principal], Awaitable[SecondaryDocument]],
) -> SecondaryDocumentPayload:
    row, errors = await run_mutation(info.context, work)
    return SecondaryDocumentPayload(document=document_node(row) if row else None, errors=errors)


@strawberry.type
class SecondaryQuery:
    @strawberry.field(description="Secondary orders you may see, by order date.")
    async def secondary_orders(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
        retailer_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this retailer.")
        ] = None,
        status: Annotated[
            SecondaryOrderStatus | None, strawberry.argument(description="In this status.")
        ] = None,
    ) -> Connection[SecondaryOrderNode]:
        principal = await info.context.principal()
        retailer = _id(retailer_id, "Retailer", "retailerId") if retailer_id else None
        return await connection_page(
            info.context,
            repository.orders_query(principal, retailer_id=retailer, status=status),
            sort_column=repository.order_sort_key(),
            first=first,
            after=after,
            to_node=order_node,
            key=lambda row: f"{row.order_date}:{row.id}",
        )

    @strawberry.field(description="Secondary invoices and credit notes you may see, by date.")
    async def secondary_documents(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
        retailer_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this retailer.")
        ] = None,
        kind: Annotated[
            SecondaryDocumentKind | None, strawberry.argument(description="Of this kind.")
        ] = None,
    ) -> Connection[SecondaryDocumentNode]:
        principal = await info.context.principal()
        retailer = _id(retailer_id, "Retailer", "retailerId") if retailer_id else None
        return await connection_page(
            info.context,
            repository.documents_query(principal, retailer_id=retailer, kind=kind),
            sort_column=repository.document_sort_key(),
            first=first,
            after=after,
            to_node=document_node,
            key=lambda row: f"{row.issued_on}:{row.number}:{row.id}",
        )

    @strawberry.field(description="A retailer's statement of account at its distributor.")
    async def retailer_statement(
        self,
        info: strawberry.Info[Context, None],
        retailer_id: Annotated[strawberry.ID, strawberry.argument(description="The retailer.")],
        start: Annotated[date, strawberry.argument(name="from", description="First day.")],
        end: Annotated[date, strawberry.argument(name="to", description="Last day.")],
    ) -> StatementOfAccount:
        principal = await info.context.principal()
        statement = await retailer_statement(
            info.context.session,
            principal=principal,
            retailer_id=_id(retailer_id, "Retailer", "retailerId"),
            start=start,
            end=end,
        )
        return statement_type(statement)


@strawberry.type
class SecondaryMutation:
    @strawberry.mutation(description="Enter a retailer's order at the distributor's desk.")
    async def place_secondary_order(
        self, info: strawberry.Info[Context, None], input: PlaceSecondaryOrderInput
    ) -> SecondaryOrderPayload:
        async def work(principal: Principal) -> SecondaryOrder:
            draft = ordering.SecondaryOrderDraft(
                _id(input.retailer_id, "Retailer", "input.retailerId"),
                [
                    ordering.SecondaryLineDraft(
                        _id(ln.product_id, "Product", f"input.lines[{i}].productId"), ln.quantity
                    )
                    for i, ln in enumerate(input.lines)
                ],
                input.order_date,
            )
            return await ordering.place_secondary_order(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        return await _order(info, work)

    @strawberry.mutation(description="Turn a rep's captured order into a secondary order (once).")
    async def convert_captured_order(
        self,
        info: strawberry.Info[Context, None],
        captured_order_id: Annotated[
            strawberry.ID, strawberry.argument(description="The captured order.")
        ],
    ) -> SecondaryOrderPayload:
        async def work(principal: Principal) -> SecondaryOrder:
            return await ordering.convert_captured_order(
                info.context.session,
                principal=principal,
                captured_order_id=_id(captured_order_id, "CapturedOrder", "capturedOrderId"),
            )

        return await _order(info, work)

    @strawberry.mutation(description="Release a credit-held order for billing (ADMIN, MANAGER).")
    async def release_secondary_order(
        self, info: strawberry.Info[Context, None], input: SecondaryOrderActionInput
    ) -> SecondaryOrderPayload:
        async def work(principal: Principal) -> SecondaryOrder:
            return await ordering.release_order(
                info.context.session,
                principal=principal,
                order_id=_id(input.order_id, "SecondaryOrder", "input.orderId"),
                reason=input.reason,
            )

        return await _order(info, work)

    @strawberry.mutation(description="Cancel an order (or its backorder) before full billing.")
    async def cancel_secondary_order(
        self, info: strawberry.Info[Context, None], input: SecondaryOrderActionInput
    ) -> SecondaryOrderPayload:
        async def work(principal: Principal) -> SecondaryOrder:
            return await ordering.cancel_order(
                info.context.session,
                principal=principal,
                order_id=_id(input.order_id, "SecondaryOrder", "input.orderId"),
            )

        return await _order(info, work)

    @strawberry.mutation(description="Bill a secondary order from stock, FEFO, with schemes.")
    async def bill_secondary_order(
        self, info: strawberry.Info[Context, None], input: BillSecondaryOrderInput
    ) -> SecondaryDocumentPayload:
        async def work(principal: Principal) -> SecondaryDocument:
            return await billing.bill_order(
                info.context.session,
                principal=principal,
                order_id=_id(input.order_id, "SecondaryOrder", "input.orderId"),
                issued_on=input.issued_on,
                series=input.series,
                schemes=app_scheme_source(),
                idempotency_key=input.idempotency_key,
            )

        return await _document(info, work)

    @strawberry.mutation(description="Record a retailer's payment and allocate it.")
    async def record_retailer_collection(
        self, info: strawberry.Info[Context, None], input: RecordRetailerCollectionInput
    ) -> SecondaryCollectionPayload:
        async def work(principal: Principal) -> SecondaryCollection:
            allocations = (
                None
                if input.allocations is None
                else [
                    (
                        _id(a.invoice_id, "SecondaryDocument", f"input.allocations[{i}].invoiceId"),
                        a.amount,
                    )
                    for i, a in enumerate(input.allocations)
                ]
            )
            draft = collections.CollectionDraft(
                retailer_id=_id(input.retailer_id, "Retailer", "input.retailerId"),
                method=input.method,
                amount=input.amount,
                received_on=input.received_on,
                reference=input.reference,
                visit_id=_id(input.visit_id, "Visit", "input.visitId") if input.visit_id else None,
                allocations=allocations,
            )
            return await collections.record_collection(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return SecondaryCollectionPayload(
            collection=collection_type(row) if row else None, errors=errors
        )

    @strawberry.mutation(description="Accept a sales return and issue its credit note.")
    async def record_sales_return(
        self, info: strawberry.Info[Context, None], input: RecordSalesReturnInput
    ) -> SecondaryDocumentPayload:
        async def work(principal: Principal) -> SecondaryDocument:
            draft = returns.ReturnDraft(
                invoice_id=_id(input.invoice_id, "SecondaryDocument", "input.invoiceId"),
                reason=input.reason,
                returned_on=input.returned_on,
                lines=[
                    returns.ReturnLineDraft(
                        _id(ln.line_id, "SecondaryLine", f"input.lines[{i}].lineId"),
                        ln.batch,
                        ln.quantity,
                    )
                    for i, ln in enumerate(input.lines)
                ],
                series=input.series,
            )
            return await returns.record_return(
                info.context.session,
                principal=principal,
                draft=draft,
                schemes=app_scheme_source(),
                idempotency_key=input.idempotency_key,
            )

        return await _document(info, work)

    @strawberry.mutation(
        description="Settle an ended QPS scheme (ADMIN, MANAGER, DISTRIBUTOR: your retailers):"
        " one on-account credit note per retailer that reached a slab, applied to its open"
        " invoices oldest first; retailers already settled are skipped."
    )
    async def settle_qps(
        self, info: strawberry.Info[Context, None], input: SettleQpsInput
    ) -> SettleQpsPayload:
        async def work(principal: Principal) -> qps.QpsSettlementResult:
            return await qps.settle_qps(
                info.context.session,
                principal=principal,
                scheme_id=_id(input.scheme_id, "Scheme", "input.schemeId"),
                on=input.on,
                series=input.series,
                idempotency_key=input.idempotency_key,
            )

        result, errors = await run_mutation(info.context, work)
        if result is None:
            return SettleQpsPayload(settlements=[], issued=0, errors=errors)
        currency = await qps.scheme_currency(info.context.session, result.scheme_id)
        return SettleQpsPayload(
            settlements=[_qps_settlement(row, currency) for row in result.settlements],
            issued=result.issued,
            errors=errors,
        )

    @strawberry.mutation(description="Set a retailer's credit limit and days (ADMIN, DISTRIBUTOR).")
    async def set_retailer_credit(
        self, info: strawberry.Info[Context, None], input: SetRetailerCreditInput
    ) -> RetailerCreditPayload:
        async def work(principal: Principal) -> RetailerCredit:
            return await credit.set_retailer_credit(
                info.context.session,
                principal=principal,
                draft=credit.RetailerCreditDraft(
                    _id(input.retailer_id, "Retailer", "input.retailerId"),
                    input.credit_limit,
                    input.credit_days,
                ),
            )

        row, errors = await run_mutation(info.context, work)
        terms = (
            RetailerCreditType(credit_limit=row.credit_limit, credit_days=row.credit_days)
            if row
            else None
        )
        return RetailerCreditPayload(credit=terms, errors=errors)

    @strawberry.mutation(description="Change the secondary-sales settings (ADMIN).")
    async def configure_secondary(
        self, info: strawberry.Info[Context, None], input: ConfigureSecondaryInput
    ) -> SecondarySettingsPayload:
        async def work(principal: Principal) -> SecondarySettings:
            return await secondary_settings_service.configure_secondary(
                info.context.session,
                principal=principal,
                draft=secondary_settings_service.SecondarySettingsDraft(
                    credit_action=input.credit_action,
                    shortfall=input.shortfall,
                    return_window_days=input.return_window_days,
                    number_format=input.number_format,
                ),
            )

        row, errors = await run_mutation(info.context, work)
        out = (
            SecondarySettingsType(
                credit_action=row.credit_action,
                shortfall=row.shortfall,
                return_window_days=row.return_window_days,
                number_format=row.number_format,
            )
            if row
            else None
        )
        return SecondarySettingsPayload(settings=out, errors=errors)
