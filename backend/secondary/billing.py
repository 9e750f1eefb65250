"""Billing a secondary order: FEFO batch picks from the distributor's stock, schemes applied by
the pure engine, taxes as in the primary flow, a number from the distributor's series, ledger
postings — all in the caller's transaction, so a refusal changes nothing.

Order of work: lock the order, its retailer and its lines; price the remaining cart once to
learn which free SKUs schemes may give; lock every sellable batch of the ordered and free SKUs in
primary-key order (concurrent invoices of one distributor queue on the batches they share, and
never oversell them); plan FEFO picks; refuse or split short lines as the tenant configured;
re-price the cart actually billed and spend its scheme budgets (a scheme whose budget cannot
cover the bill is dropped and the cart re-priced without it: a bill never takes a scheme past its
budget, and is never refused for it); check the retailer's credit; take a number, write the
lines, their batches and applied schemes; record the brand-funded benefits as scheme accruals
(one per scheme and line; free-goods value on the free-goods line); move stock; post the journal;
pay the bill from the retailer's money on account (collections with money left, then credit
notes with credit left, oldest first; the retailer's lock serialises it with collections).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.payments import draw_on_account
from backend.catalog.models import Product
from backend.identity.models import Tenant
from backend.inventory.models import DistributorStock
from backend.inventory.service import (
    BatchPick,
    InsufficientStock,
    lock_sellable_batches,
    plan_fefo,
    take_picks,
)
from backend.kit.errors import NotFound
from backend.kit.idempotency import run_once_row
from backend.kit.validation import Checks
from backend.pricing.tax import LineTax, document_tax, line_tax
from backend.schemes.claims import AppliedSchemeLine
from backend.schemes.engine import FreeItem, PricedCart, price_cart
from backend.schemes.rules import CartLine, RetailerProfile, Scheme
from backend.schemes.spending import price_within_budgets
from backend.secondary.collections import lock_money_on_account
from backend.secondary.credit import credit_days_of, load_retailer, retailer_credit_problem
from backend.secondary.documents import ZERO, new_document, post_document
from backend.secondary.errors import NothingToBill, OrderStateError
from backend.secondary.models import (
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryLineBatch,
    SecondaryLineScheme,
    SecondaryOrderLine,
    SecondaryOrderStatus,
    ShortfallPolicy,
)
from backend.secondary.ordering import DESK_ROLES, load_order
from backend.secondary.schemes import SchemeSource, retailer_profile
from backend.secondary.settings import secondary_settings

BILLABLE = (SecondaryOrderStatus.OPEN, SecondaryOrderStatus.PARTLY_BILLED)
DEFAULT_SERIES = "SI"
MINOR_UNITS = 2


async def bill_order(
    session: AsyncSession,
    *,
    principal: Principal,
    order_id: uuid.UUID,
    issued_on: date,
    schemes: SchemeSource,
    series: str = DEFAULT_SERIES,
    idempotency_key: str | None = None,
) -> SecondaryDocument:
    """Invoice what remains of a secondary order; retries with the key return the first."""
    principal.require(*DESK_ROLES)

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="billSecondaryOrder",
        payload={"order": order_id, "on": issued_on, "series": series},
        work=lambda: _bill(session, principal, order_id, issued_on, schemes, series),
        load=lambda row_id: session.get_one(SecondaryDocument, row_id),
    )


async def _bill(
    session: AsyncSession,
    principal: Principal,
    order_id: uuid.UUID,
    issued_on: date,
    schemes: SchemeSource,
    series: str,
) -> SecondaryDocument:
    order = await load_order(session, principal, order_id, field="input.orderId")
    if order.status not in BILLABLE:
        hint = " (release it first)" if order.status is SecondaryOrderStatus.HELD else ""
        raise OrderStateError(
            f"cannot bill an order that is {order.status.value}{hint}", field="input.orderId"
        )
    if issued_on < order.order_date:
        raise OrderStateError("an invoice cannot predate its order", field="input.issuedOn")
    retailer = await load_retailer(
        session, principal, order.retailer_id, field="input.orderId", lock=True
    )
    lines = list(
        (
            await session.execute(
                select(SecondaryOrderLine)
                .where(SecondaryOrderLine.order_id == order.id)
                .order_by(SecondaryOrderLine.id)
                .with_for_update()
            )
        ).scalars()
    )
    lines.sort(key=lambda ln: ln.line_no)
    open_lines = [ln for ln in lines if ln.quantity > ln.billed_quantity]
    if not open_lines:
        raise NothingToBill("nothing left to bill on this order", field="input.orderId")
    settings = await secondary_settings(session, principal.tenant_id)
    tenant = await session.get_one(Tenant, principal.tenant_id)
    products = await _products_by_id(session, [ln.product_id for ln in open_lines])
    profile = await retailer_profile(session, retailer)
    active = list(
        await schemes.active_schemes(
            session, retailer_id=retailer.id, distributor_id=retailer.distributor_id, on=issued_on
        )
    )

    # Which SKUs could be given free: price the whole remaining cart once.
    wanted = [(ln, ln.quantity - ln.billed_quantity) for ln in open_lines]
    tentative = _price(wanted, products, profile, issued_on, active)
    by_sku = await _products_by_sku(session, {f.sku for f in tentative.free_items})
    by_sku.update({p.sku: p for p in products.values()})
    batches = await lock_sellable_batches(
        session,
        distributor_id=order.distributor_id,
        product_ids=sorted({p.id for p in by_sku.values()}),
        on=issued_on,
    )

    taken: dict[uuid.UUID, int] = {}
    picks: dict[uuid.UUID, list[BatchPick]] = {}
    billed: list[tuple[SecondaryOrderLine, int]] = []
    checks = Checks()
    for ln, qty in wanted:
        got = plan_fefo(batches[ln.product_id], qty, taken)
        covered = sum(p.quantity for p in got)
        if covered < qty and settings.shortfall is ShortfallPolicy.REFUSE:
            checks.add(
                InsufficientStock(
                    f"{covered} of {qty} units in sellable stock",
                    field=f"input.lines[{ln.line_no - 1}]",
                    details={"ordered": qty, "available": covered},
                )
            )
        if covered:
            picks[ln.id] = got
            billed.append((ln, covered))
    checks.raise_if_any()
    if not billed:
        raise NothingToBill("no unit of this order is in sellable stock", field="input.orderId")

    # Price, plan free goods and spend the scheme budgets; a scheme whose budget cannot cover
    # this bill is dropped and the bill re-priced without it (never past a budget).
    billed_taken = dict(taken)
    free_picks: list[tuple[FreeItem, Product, list[BatchPick]]] = []

    async def plan_free_goods(cart: PricedCart) -> None:
        nonlocal taken, free_picks
        missing = {f.sku for f in cart.free_items} - set(by_sku)
        if missing:  # dropping a scheme let another one give a SKU not locked yet
            extra = await _products_by_sku(session, missing)
            by_sku.update(extra)
            batches.update(
                await lock_sellable_batches(
                    session,
                    distributor_id=order.distributor_id,
                    product_ids=sorted(p.id for p in extra.values()),
                    on=issued_on,
                )
            )
        taken = dict(billed_taken)
        free_picks = _plan_free_goods(cart, by_sku, batches, taken, checks)
        checks.raise_if_any()

    cart, active = await price_within_budgets(
        session,
        schemes=active,
        price=lambda kept: _price(billed, products, profile, issued_on, kept),
        consume=schemes.consume_scheme_budget,
        prepare=plan_free_goods,
    )

    taxed = document_tax(
        tenant.tax_regime,
        [
            line_tax(tenant.tax_regime, products[ln.product_id].tax_class, priced.net)
            for (ln, _), priced in zip(billed, cart.lines, strict=True)
        ],
    )
    taxes = list(taxed.lines)
    total = taxed.total
    if not order.credit_released:
        problem = await retailer_credit_problem(
            session, retailer, this_order=total, today=issued_on, exclude_order_id=order.id
        )
        if problem is not None:
            problem.field = "input.orderId"
            raise problem

    doc = await new_document(
        session,
        settings=settings,
        kind=SecondaryDocumentKind.INVOICE,
        series=series,
        tenant_id=principal.tenant_id,
        distributor_id=order.distributor_id,
        retailer_id=retailer.id,
        currency=order.currency,
        issued_on=issued_on,
        credit_days=await credit_days_of(session, retailer),
        actor_id=principal.user_id,
        order_id=order.id,
    )
    given = await _write_lines(session, doc, billed, cart, taxes, picks, free_picks)
    all_picks = [p for got in picks.values() for p in got]
    all_picks += [p for _, _, got in free_picks for p in got]
    await take_picks(
        session,
        tenant_id=principal.tenant_id,
        distributor_id=order.distributor_id,
        picks=all_picks,
        reason=f"invoice {doc.number}",
        source_id=doc.id,
    )
    await schemes.record_accruals(session, lines=given)
    doc.gross = sum((p.gross for p in cart.lines), ZERO)
    doc.discount = sum((p.discount for p in cart.lines), ZERO)
    doc.net = doc.gross - doc.discount
    doc.tax = taxed.tax
    doc.round_off = taxed.round_off
    doc.total = doc.net + doc.tax + doc.round_off
    doc.open_amount = doc.total
    for ln, qty in billed:
        ln.billed_quantity += qty
    done = all(ln.billed_quantity == ln.quantity for ln in lines)
    order.status = SecondaryOrderStatus.BILLED if done else SecondaryOrderStatus.PARTLY_BILLED
    await session.flush()
    await post_document(session, doc, actor_id=principal.user_id)
    # Money the retailer has on account (collections and credit left over) pays the bill.
    money = await lock_money_on_account(session, retailer.id, doc.distributor_id)
    draw_on_account(session, doc, money)
    await session.flush()
    return doc


def _plan_free_goods(
    cart: PricedCart,
    by_sku: dict[str, Product],
    batches: dict[uuid.UUID, list[DistributorStock]],
    taken: dict[uuid.UUID, int],
    checks: Checks,
) -> list[tuple[FreeItem, Product, list[BatchPick]]]:
    free_picks: list[tuple[FreeItem, Product, list[BatchPick]]] = []
    for i, item in enumerate(cart.free_items):
        product = by_sku.get(item.sku)
        if product is None:
            checks.add(
                NotFound(f"scheme {item.code} gives unknown SKU {item.sku}", field="input.orderId")
            )
            continue
        got = plan_fefo(batches.get(product.id, []), item.quantity, taken)
        if sum(p.quantity for p in got) < item.quantity:
            checks.add(
                InsufficientStock(
                    f"not enough stock of {item.sku} for the free goods of {item.code}",
                    field=f"input.freeGoods[{i}]",
                )
            )
        free_picks.append((item, product, got))
    return free_picks


def _price(
    lines: list[tuple[SecondaryOrderLine, int]],
    products: dict[uuid.UUID, Product],
    profile: RetailerProfile,
    day: date,
    schemes: list[Scheme],
) -> PricedCart:
    cart = [
        CartLine(
            sku=products[ln.product_id].sku,
            quantity=qty,
            unit_price=ln.unit_price,
            brand=products[ln.product_id].brand,
            category=products[ln.product_id].category,
        )
        for ln, qty in lines
    ]
    return price_cart(cart, profile, day, schemes, minor_units=MINOR_UNITS)


async def _write_lines(
    session: AsyncSession,
    doc: SecondaryDocument,
    billed: list[tuple[SecondaryOrderLine, int]],
    cart: PricedCart,
    taxes: list[LineTax],
    picks: dict[uuid.UUID, list[BatchPick]],
    free_picks: list[tuple[FreeItem, Product, list[BatchPick]]],
) -> list[AppliedSchemeLine]:
    """Add the invoice lines, their batch picks and applied schemes; return what each scheme
    gave on each line (a discount on a sold line, free-goods value on the free-goods line), with
    the document's number as reference (party and date filled in by the caller)."""
    given: list[AppliedSchemeLine] = []
    children: list[SecondaryLineBatch | SecondaryLineScheme] = []
    line_no = 0
    for (ln, qty), priced, tax in zip(billed, cart.lines, taxes, strict=True):
        line_no += 1
        row = _line(doc, line_no, ln.product_id, qty, priced.unit_price, priced.gross)
        row.order_line_id = ln.id
        row.discount = priced.discount
        row.net = tax.net
        row.tax_label = tax.rate_label
        row.tax = tax.tax
        session.add(row)
        children += _batches(row, picks[ln.id])
        merged: dict[str, tuple[str, Decimal, str]] = {}
        for applied in priced.applied:
            kind, amount, note = merged.get(applied.code, (applied.kind.value, ZERO, ""))
            note = f"{note}; {applied.note}" if note else applied.note
            merged[applied.code] = (kind, amount + applied.amount, note)
        for code, (kind, amount, note) in sorted(merged.items()):
            given.append(_given(doc, row, code, discount=amount))
            children.append(_scheme(row, code, kind, amount, 0, note))
    for item, product, got in free_picks:
        line_no += 1
        row = _line(doc, line_no, product.id, item.quantity, ZERO, ZERO)
        row.is_free = True
        session.add(row)
        children += _batches(row, got)
        children.append(_scheme(row, item.code, "FREE_GOODS", ZERO, item.quantity, item.note))
        given.append(
            _given(doc, row, item.code, free_quantity=item.quantity, free_value=item.value or ZERO)
        )
    await session.flush()  # lines before the rows that reference them
    session.add_all(children)
    await session.flush()
    return given


def _given(
    doc: SecondaryDocument,
    row: SecondaryLine,
    code: str,
    *,
    discount: Decimal = ZERO,
    free_quantity: int = 0,
    free_value: Decimal = ZERO,
) -> AppliedSchemeLine:
    return AppliedSchemeLine(
        scheme_code=code,
        invoice_line_id=row.id,
        distributor_id=doc.distributor_id,
        on=doc.issued_on,
        discount=discount,
        free_quantity=free_quantity,
        free_value=free_value,
        retailer_id=doc.retailer_id,
        reference=doc.number,
    )


def _line(
    doc: SecondaryDocument,
    line_no: int,
    product_id: uuid.UUID,
    quantity: int,
    unit_price: Decimal,
    gross: Decimal,
) -> SecondaryLine:
    return SecondaryLine(
        id=uuid.uuid4(),
        tenant_id=doc.tenant_id,
        document_id=doc.id,
        line_no=line_no,
        product_id=product_id,
        quantity=quantity,
        unit_price=unit_price,
        gross=gross,
        discount=ZERO,
        net=gross,
        tax_label="EXEMPT",
        tax=ZERO,
        is_free=False,
    )


def _batches(row: SecondaryLine, got: list[BatchPick]) -> list[SecondaryLineBatch]:
    merged: dict[str, BatchPick] = {}
    for pick in got:
        seen = merged.get(pick.batch)
        merged[pick.batch] = (
            pick
            if seen is None
            else BatchPick(
                pick.product_id, pick.batch, pick.expires_on, seen.quantity + pick.quantity
            )
        )
    return [
        SecondaryLineBatch(
            id=uuid.uuid4(),
            tenant_id=row.tenant_id,
            line_id=row.id,
            batch=pick.batch,
            expires_on=pick.expires_on,
            quantity=pick.quantity,
            returned_quantity=0,
        )
        for pick in merged.values()
    ]


def _scheme(
    row: SecondaryLine, code: str, kind: str, discount: Decimal, free: int, note: str
) -> SecondaryLineScheme:
    return SecondaryLineScheme(
        id=uuid.uuid4(),
        tenant_id=row.tenant_id,
        line_id=row.id,
        scheme_code=code[:40],
        scheme_kind=kind[:20],
        discount=discount,
        free_quantity=free,
        explanation=note[:300],
    )


async def _products_by_id(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Product]:
    rows = (await session.execute(select(Product).where(Product.id.in_(ids)))).scalars()
    return {p.id: p for p in rows}


async def _products_by_sku(session: AsyncSession, skus: set[str]) -> dict[str, Product]:
    if not skus:
        return {}
    rows = (await session.execute(select(Product).where(Product.sku.in_(skus)))).scalars()
    return {p.sku: p for p in rows}
