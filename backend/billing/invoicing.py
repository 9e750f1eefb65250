"""Invoicing an approved order, fully or partly, at the prices locked when it was placed, less
the discounts of the distributor's PRIMARY schemes of the invoice date (free goods as free lines
at zero price); the schemes' budgets are spent in the invoice's transaction, as secondary billing
spends them (`schemes.spending.price_within_budgets`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.documents import Header, PricedLine, issue_document
from backend.billing.errors import OverInvoiced
from backend.billing.models import BillingDocument, DocumentKind
from backend.billing.payments import apply_on_account, lock_on_account
from backend.catalog.models import Product
from backend.identity.models import Role, Tenant
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once
from backend.orders.errors import InvalidTransition
from backend.orders.models import OrderStatus, PrimaryOrder, PrimaryOrderLine
from backend.orders.schemes import (
    FREE_GOODS,
    ZERO,
    SchemeGiven,
    given_on_line,
    price_primary,
    primary_schemes_for,
    products_by_sku,
)
from backend.orders.settings import primary_settings
from backend.orders.workflow import load_order, record_transition
from backend.parties.models import Distributor
from backend.pricing.tax import LineTax, line_tax
from backend.schemes.service import consume_scheme_budget
from backend.schemes.spending import price_within_budgets

INVOICEABLE = (OrderStatus.APPROVED, OrderStatus.PARTLY_INVOICED)


@dataclass(frozen=True)
class InvoiceLineRequest:
    """How many units of one order line to invoice."""

    order_line_id: uuid.UUID
    quantity: int


async def invoice_order(
    session: AsyncSession,
    *,
    principal: Principal,
    order_id: uuid.UUID,
    series: str,
    issued_on: date,
    lines: Sequence[InvoiceLineRequest] | None = None,
    idempotency_key: str | None = None,
) -> BillingDocument:
    """Invoice what remains of the order (or the given quantities); retries return the first."""
    principal.require(Role.ADMIN, Role.MANAGER)

    async def create() -> uuid.UUID:
        order = await load_order(session, principal, order_id, lock=True)
        if order.status not in INVOICEABLE:
            raise InvalidTransition(
                f"cannot invoice an order that is {order.status.value}", field="input.orderId"
            )
        doc = await _invoice(session, principal, order, series, issued_on, lines)
        return doc.id

    payload = {
        "order": order_id,
        "series": series,
        "on": issued_on,
        "lines": [asdict(line) for line in lines or []],
    }
    doc_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="invoicePrimaryOrder",
        payload=payload,
        create=create,
    )
    return await session.get_one(BillingDocument, doc_id)


async def _invoice(
    session: AsyncSession,
    principal: Principal,
    order: PrimaryOrder,
    series: str,
    issued_on: date,
    requested: Sequence[InvoiceLineRequest] | None,
) -> BillingDocument:
    if not series or len(series) > 8 or not series.isalnum():
        raise ValidationFailed("a series is 1 to 8 letters or digits", field="input.series")
    order_lines = list(
        (
            await session.execute(
                select(PrimaryOrderLine)
                .where(PrimaryOrderLine.order_id == order.id)
                .order_by(PrimaryOrderLine.id)
                .with_for_update(key_share=True)
            )
        ).scalars()
    )
    quantities = _quantities(order_lines, requested)
    tenant = await session.get_one(Tenant, principal.tenant_id)
    settings = await primary_settings(session, principal.tenant_id)
    distributor = await session.get_one(Distributor, order.distributor_id)
    products = {
        p.id: p
        for p in (
            await session.execute(
                select(Product).where(Product.id.in_([ln.product_id for ln in order_lines]))
            )
        ).scalars()
    }
    intra = order.place_of_supply is None or order.place_of_supply == settings.home_state
    billed = [
        (line, quantities[line.id])
        for line in sorted(order_lines, key=lambda ln: ln.line_no)
        if quantities.get(line.id, 0) > 0
    ]
    # The invoice prices what it bills with the distributor's PRIMARY schemes of its date and
    # spends their budgets (a scheme that cannot afford it is dropped, the bill re-priced).
    profile, active = await primary_schemes_for(session, order.distributor_id, issued_on)
    cart, _ = await price_within_budgets(
        session,
        schemes=active,
        price=lambda kept: price_primary(
            [(products[ln.product_id], qty, ln.unit_price) for ln, qty in billed],
            profile,
            issued_on,
            kept,
        ),
        consume=consume_scheme_budget,
    )
    priced = []
    for (line, qty), got in zip(billed, cart.lines, strict=True):
        tax = line_tax(
            tenant.tax_regime, products[line.product_id].tax_class, got.net, intra_state=intra
        )
        priced.append(
            PricedLine(
                line.product_id,
                qty,
                line.unit_price,
                tax,
                line.id,
                discount=got.discount,
                schemes=given_on_line(got.applied),
            )
        )
        line.invoiced_quantity += qty
    free_products = await products_by_sku(session, {f.sku for f in cart.free_items})
    for i, item in enumerate(cart.free_items):
        product = free_products.get(item.sku)
        if product is None:
            raise NotFound(
                f"scheme {item.code} gives unknown SKU {item.sku}", field=f"freeGoods[{i}]"
            )
        given = SchemeGiven(
            item.code, FREE_GOODS, ZERO, item.quantity, item.value or ZERO, item.note[:300]
        )
        priced.append(
            PricedLine(
                product.id,
                item.quantity,
                ZERO,
                LineTax(net=ZERO, components=()),
                is_free=True,
                schemes=(given,),
            )
        )
    on_account = await lock_on_account(session, order.distributor_id)
    header = Header(
        kind=DocumentKind.INVOICE,
        series=series,
        distributor_id=order.distributor_id,
        currency=order.currency,
        issued_on=issued_on,
        credit_days=distributor.credit_days,
        order_id=order.id,
    )
    doc = await issue_document(
        session,
        tenant_id=principal.tenant_id,
        actor_id=principal.user_id,
        settings=settings,
        regime=tenant.tax_regime,
        header=header,
        lines=priced,
    )
    await apply_on_account(session, doc, on_account)
    complete = all(ln.invoiced_quantity == ln.quantity for ln in order_lines if not ln.is_free)
    # The order's total was priced line by line; its invoices follow the document-level tax rule
    # (`document_tax`: PPN rounded down per invoice, GST round-off), so they may differ from it
    # by that rounding. What the order still exposes to credit (total − invoiced) stays within
    # [0, total] and is zero once every unit is invoiced.
    order.invoiced_total = (
        order.total if complete else min(order.total, order.invoiced_total + doc.total)
    )
    target = OrderStatus.INVOICED if complete else OrderStatus.PARTLY_INVOICED
    await record_transition(
        session,
        principal,
        order,
        order.status,
        target,
        f"invoice {doc.number}",
        {"invoice": doc.number, "total": str(doc.total)},
    )
    return doc


def _quantities(
    order_lines: list[PrimaryOrderLine], requested: Sequence[InvoiceLineRequest] | None
) -> dict[uuid.UUID, int]:
    # free lines are the order's estimate of the free goods: each invoice prices its own
    remaining = {ln.id: ln.quantity - ln.invoiced_quantity for ln in order_lines if not ln.is_free}
    if requested is None:
        wanted = {k: v for k, v in remaining.items() if v > 0}
    else:
        wanted = {}
        for i, req in enumerate(requested):
            if req.order_line_id not in remaining:
                raise NotFound("no such line on this order", field=f"input.lines[{i}].orderLineId")
            if req.quantity <= 0:
                raise ValidationFailed("must be positive", field=f"input.lines[{i}].quantity")
            if req.quantity > remaining[req.order_line_id] - wanted.get(req.order_line_id, 0):
                raise OverInvoiced(
                    f"only {remaining[req.order_line_id]} left to invoice on this line",
                    field=f"input.lines[{i}].quantity",
                )
            wanted[req.order_line_id] = wanted.get(req.order_line_id, 0) + req.quantity
    if not wanted:
        raise OverInvoiced("nothing left to invoice on this order", field="input.orderId")
    return wanted
