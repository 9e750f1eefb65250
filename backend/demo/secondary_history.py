"""Twelve weeks of secondary invoices (distributor → retailer) for the demo tenant, bulk-inserted.

Every outlet buys on its own rhythm (`order_interval_days`, from a random phase) with a persistent
propensity: the value of a bill is the outlet's weekly value × days since its last bill, times a
weekday factor, a festive peak (the 11.11 shopping week), and log-normal noise (σ 0.35); each bill
has 5–15 lines drawn from the outlet's own preferred SKUs (a fixed, weighted assortment per
outlet), so past purchases say something real about future ones. Value concentrates as the
outlets' weekly values do (top 20% ≈ 65%). A purchase is ordered through the rep when a PJP visit
came shortly before it fell due, else at the distributor's desk (`backend.demo.activity` plans
visits and bills together). Invoices are numbered in each distributor's own series in date order,
taxed with the tenant's rules and posted to the distributor's book; invoices older than three
weeks are mostly paid by a transfer a week or two after their date (some stay open, some late).

Every invoice line records the batch it sold (`secondary_line_batch`): the distributor's delivery
of the week before (`B{yymmdd}`, a year's shelf life, as the primary history names batches). About
1.5% of lines come back in a sales return (`RETURN_SHARE`), with a reason from the standard list,
within the return window (30 days, the default setting) and not after the history's end, part of
what was billed of that line's batch. A return works as `backend/secondary/returns.py` records
one: a credit note in the distributor's `SR` series (numbered by issue date, in the default
`SERIES/YYYY/NNNNN` format), correcting the invoice line by line, posted to the distributor's book
with the same legs (Cr receivable, Dr sales returns, Dr tax payable, Dr round-off), applied to the
invoice's open amount and the rest left as credit on account. So a return before the invoice is
paid lowers what the transfer pays; a return after it stays on account (`retailer_balances`
subtracts it). An expiry return sold an old batch (one that expired between the sale and the
return, or expires within 30 days of the return). History sales are not drawn from stock batches
(the demo has no secondary stock history), so a restocking reason is recorded as `restocked` but
moves no distributor stock, just as a write-off moves none: stock stays what the primary history
left.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.demo.field_history import FIRST_DAY, HISTORY_END
from backend.demo.records import DemoRetailer
from backend.demo.world import DemoWorld
from backend.kit.db import insert_rows
from backend.ledger.models import AccountKind, DocumentSeries, Journal, JournalEntry, LedgerAccount
from backend.ledger.numbering import DEFAULT_FORMAT, fiscal_label, fiscal_year, format_number
from backend.ledger.posting import account_key
from backend.parties.models import Retailer
from backend.pricing.tax import document_tax, line_tax, to_cents
from backend.secondary.documents import SOURCE_TYPE
from backend.secondary.models import (
    RESTOCKED_REASONS,
    CollectionMethod,
    OrderSource,
    ReturnReason,
    SalesReturn,
    SecondaryAllocation,
    SecondaryCollection,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryLineBatch,
    SecondaryNoteAllocation,
    SecondaryOrder,
    SecondaryOrderLine,
    SecondaryOrderStatus,
)
from backend.secondary.returns import DEFAULT_SERIES
from backend.secondary.settings import DEFAULT_RETURN_WINDOW_DAYS

START = FIRST_DAY
WEEKDAY_FACTOR = (1.15, 1.0, 0.95, 1.0, 1.1, 1.2, 0.6)  # Monday … Sunday
FESTIVE = (date(2026, 11, 5), date(2026, 11, 14))  # the 11.11 shopping week
FESTIVE_FACTOR = 1.6
SERIES = "SI"
ZERO = Decimal("0.00")
RETURN_SERIES = DEFAULT_SERIES  # the series a real return's credit note takes
RETURN_FORMAT = DEFAULT_FORMAT  # the secondary settings' default number format
RETURN_WINDOW_DAYS = DEFAULT_RETURN_WINDOW_DAYS
RETURN_SHARE = 0.015  # of invoice lines
SHELF_LIFE = timedelta(days=365)
REASON_WEIGHTS = {
    ReturnReason.DAMAGED: 30,
    ReturnReason.NEAR_EXPIRY: 15,
    ReturnReason.EXPIRED: 10,
    ReturnReason.WRONG_ITEM: 15,
    ReturnReason.EXCESS_STOCK: 20,
    ReturnReason.QUALITY_COMPLAINT: 10,
}


OrderDay = Callable[[DemoRetailer, date, date], date]


@dataclass
class _Note:
    """A credit note waiting for its number (numbers follow the issue dates)."""

    book: uuid.UUID
    day: date
    document: dict[str, Any]
    journal: dict[str, Any]


async def seed_secondary_history(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    world: DemoWorld,
    bills: Iterable[PlannedBill],
    *,
    seed: int,
) -> int:
    """Add the invoices of `bills` (unless any exist), in order; return how many."""
    if (await session.execute(select(SecondaryDocument.id).limit(1))).first() is not None:
        return 0
    retailers = {
        code: (rid, did)
        for code, rid, did in await session.execute(
            select(Retailer.code, Retailer.id, Retailer.distributor_id)
        )
    }
    products = {p.sku: p for p in (await session.execute(select(Product))).scalars()}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    counters: dict[tuple[uuid.UUID, str, int], int] = defaultdict(int)
    notes: list[_Note] = []
    credit: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)  # notes with credit left
    accounts: dict[str, dict[str, Any]] = {}
    regime, currency = world.tenant.tax_regime, world.tenant.currency

    def account(kind: AccountKind, party: uuid.UUID | None, book: uuid.UUID) -> uuid.UUID:
        key = account_key(kind, party, book)
        if key not in accounts:
            accounts[key] = {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "key": key,
                "kind": kind,
                "party_id": None,
                "book_id": book,
                "retailer_id": party,
                "currency": currency,
                "balance": ZERO,
            }
        acc_id: uuid.UUID = accounts[key]["id"]
        return acc_id

    def journal(
        source_type: str, source_id: uuid.UUID, party: uuid.UUID, on: date, memo: str, legs: Any
    ) -> dict[str, Any]:
        jid = uuid.uuid4()
        row = {
            "id": jid,
            "tenant_id": tenant_id,
            "source_type": source_type,
            "source_id": source_id,
            "purpose": "POST",
            "party_id": party,
            "posted_on": on,
            "memo": memo,
        }
        rows["journal"].append(row)
        for acc, amount in sorted(legs, key=lambda leg: str(leg[0])):
            if amount != 0:
                rows["entry"].append(
                    {
                        "id": uuid.uuid4(),
                        "tenant_id": tenant_id,
                        "journal_id": jid,
                        "account_id": acc,
                        "amount": amount,
                    }
                )
        return row

    invoices = 0
    for bill in bills:
        retailer_id, book = retailers[bill.outlet.code]
        lines = [(products[sku], qty, price) for sku, qty, price in bill.lines]
        rng = random.Random(f"{seed}:paid:{bill.outlet.code}:{bill.day}")
        returns_rng = random.Random(f"{seed}:return:{bill.outlet.code}:{bill.day}")
        _invoice(
            rows,
            counters,
            notes,
            credit[retailer_id],
            tenant_id,
            regime,
            currency,
            retailer_id,
            book,
            bill,
            lines,
            rng,
            returns_rng,
            account,
            journal,
        )
        invoices += 1
    _number_notes(notes, counters)
    await _write(session, rows, accounts, counters, tenant_id)
    return invoices


@dataclass(frozen=True)
class PlannedBill:
    """One outlet's bill on one day: (SKU, units, retailer price) lines.

    `due` is the day the outlet's rhythm called for the purchase; `day` the day it was ordered and
    billed (a rep's visit a few days earlier may take it, see `backend.demo.activity`), and then
    `captured_order_id` is the visit's captured order. `order_id` is the secondary order's id.
    """

    outlet: DemoRetailer
    day: date
    lines: list[tuple[str, int, Decimal]]
    due: date
    order_id: uuid.UUID = field(default_factory=uuid.uuid4, compare=False)
    visit_id: uuid.UUID | None = None
    captured_order_id: uuid.UUID | None = None

    @property
    def value(self) -> Decimal:
        """Value before tax."""
        return sum((price * qty for _, qty, price in self.lines), Decimal(0))


def plan_bills(
    world: DemoWorld, *, seed: int, order_day: OrderDay | None = None
) -> Iterator[PlannedBill]:
    """Every outlet's bills over the twelve weeks, deterministic for the seed (no database).

    `order_day(outlet, due, last)` says when a purchase due on `due` is ordered (the previous
    one was on `last`); by default on its due day. The next purchase falls due one buying
    interval after the day it was ordered.
    """
    catalogue = [(p.sku, p.retailer_price) for p in world.products]
    # Bigger outlets buy more different SKUs: 5 lines at the bottom of the value ranking, 15 at
    # the top (±2 per bill).
    ranked = sorted(world.retailers, key=lambda r: r.weekly_value)
    rank = {r.code: i / max(1, len(ranked) - 1) for i, r in enumerate(ranked)}
    for outlet in sorted(world.retailers, key=lambda r: r.code):
        rng = random.Random(f"{seed}:secondary:{outlet.code}")
        weights = [rng.paretovariate(1.2) for _ in catalogue]
        assortment = rng.sample(range(len(catalogue)), k=min(len(catalogue), rng.randint(18, 45)))
        interval = outlet.order_interval_days
        day = START + timedelta(days=rng.randrange(interval))
        last = day - timedelta(days=interval)
        while day <= HISTORY_END:
            if day.weekday() == 6:  # no deliveries on Sunday
                day += timedelta(days=1)
                continue
            due, day = day, order_day(outlet, day, last) if order_day else day
            value = float(outlet.weekly_value) * (day - last).days / 7
            value *= WEEKDAY_FACTOR[day.weekday()] * rng.lognormvariate(0, 0.35)
            if FESTIVE[0] <= day <= FESTIVE[1]:
                value *= FESTIVE_FACTOR
            n_lines = max(5, min(15, round(5 + 10 * rank[outlet.code]) + rng.randint(-2, 2)))
            chosen = _choose(rng, assortment, weights, n_lines)
            shares = [rng.gammavariate(2.0, 1.0) for _ in chosen]
            total_share = sum(shares)
            lines = []
            for i, share in zip(chosen, shares, strict=True):
                sku, price = catalogue[i]
                qty = max(1, round(value * share / total_share / float(price)))
                lines.append((sku, qty, price))
            yield PlannedBill(outlet, day, lines, due)
            last = day
            day += timedelta(days=interval + rng.choice((-1, 0, 0, 0, 1)))


def _choose(rng: random.Random, assortment: list[int], weights: list[float], n: int) -> list[int]:
    pool = list(assortment)
    picked: list[int] = []
    while pool and len(picked) < n:
        i = rng.choices(range(len(pool)), weights=[weights[j] for j in pool])[0]
        picked.append(pool.pop(i))
    return picked


def _invoice(
    rows: dict[str, list[dict[str, Any]]],
    counters: dict[tuple[uuid.UUID, str, int], int],
    notes: list[_Note],
    credit: list[dict[str, Any]],
    tenant_id: uuid.UUID,
    regime: str,
    currency: str,
    retailer_id: uuid.UUID,
    book: uuid.UUID,
    bill: PlannedBill,
    lines: list[tuple[Product, int, Decimal]],
    rng: random.Random,
    returns_rng: random.Random,
    account: Any,
    journal: Any,
) -> None:
    order_id, doc_id, day = bill.order_id, uuid.uuid4(), bill.day
    fy = fiscal_year(day, 1)
    counters[(book, SERIES, fy)] += 1
    n = counters[(book, SERIES, fy)]
    number = format_number(
        DEFAULT_FORMAT.replace("/", ""), series=SERIES, fy=fiscal_label(fy, 1), n=n
    )
    taxed = document_tax(
        regime, [line_tax(regime, product.tax_class, price * qty) for product, qty, price in lines]
    )
    gross, tax = taxed.net, taxed.tax
    sold: list[_Sold] = []
    for line_no, ((product, qty, price), t) in enumerate(
        zip(lines, taxed.lines, strict=True), start=1
    ):
        ol_id, line_id = uuid.uuid4(), uuid.uuid4()
        rows["order_line"].append(
            {
                "id": ol_id,
                "tenant_id": tenant_id,
                "order_id": order_id,
                "line_no": line_no,
                "product_id": product.id,
                "quantity": qty,
                "unit_price": price,
                "billed_quantity": qty,
            }
        )
        rows["line"].append(
            {
                "id": line_id,
                "tenant_id": tenant_id,
                "document_id": doc_id,
                "line_no": line_no,
                "order_line_id": ol_id,
                "corrects_line_id": None,
                "product_id": product.id,
                "quantity": qty,
                "unit_price": price,
                "gross": t.net,
                "discount": ZERO,
                "net": t.net,
                "tax_label": t.rate_label,
                "tax": t.tax,
                "is_free": False,
            }
        )
        sold.append(_Sold(line_id, product, qty, price, t.net))
    total = taxed.total
    rows["order"].append(
        {
            "id": order_id,
            "tenant_id": tenant_id,
            "distributor_id": book,
            "retailer_id": retailer_id,
            "source": OrderSource.VISIT if bill.captured_order_id else OrderSource.DESK,
            "captured_order_id": bill.captured_order_id,
            "status": SecondaryOrderStatus.BILLED,
            "order_date": day,
            "currency": currency,
            "total": total,
            "hold_reason": None,
            "credit_released": False,
            "created_by": None,
        }
    )
    age = (HISTORY_END - day).days
    paid = age > 21 and rng.random() < 0.88
    received = (
        min(HISTORY_END, day + timedelta(days=rng.choice((5, 7, 10, 14, 14, 21, 30))))
        if paid
        else None
    )
    planned = _plan_return(returns_rng, tenant_id, day, sold)
    rows["line_batch"] += [batch for _, batch, _ in planned.lines]
    returned = planned if any(units for _, _, units in planned.lines) else None
    invoice: dict[str, Any] = {
        "id": doc_id,
        "tenant_id": tenant_id,
        "kind": SecondaryDocumentKind.INVOICE,
        "number": number,
        "series": SERIES,
        "fiscal_year": fy,
        "sequence": n,
        "distributor_id": book,
        "retailer_id": retailer_id,
        "order_id": order_id,
        "corrects_id": None,
        "currency": currency,
        "issued_on": day,
        "due_on": day + timedelta(days=14),
        "gross": gross,
        "discount": ZERO,
        "net": gross,
        "tax": tax,
        "round_off": taxed.round_off,
        "total": total,
        "open_amount": total,
        "created_by": None,
    }
    rows["document"].append(invoice)
    receivable = account(AccountKind.RECEIVABLE, retailer_id, book)
    journal(
        "SECONDARY_DOCUMENT",
        doc_id,
        retailer_id,
        day,
        f"INVOICE {number}",
        [
            (receivable, total),
            (account(AccountKind.REVENUE, None, book), -gross),
            (account(AccountKind.TAX_PAYABLE, None, book), -tax),
        ]
        + (
            [(account(AccountKind.ROUND_OFF, None, book), -taxed.round_off)]
            if taxed.round_off
            else []
        ),
    )
    # credit left on the outlet's earlier notes pays the bill first, as `bill_order` draws it
    _draw_credit(rows, credit, invoice)
    # a return before the transfer is applied to the invoice first (the transfer pays the rest)
    if returned is not None and (received is None or returned.day <= received):
        _credit_note(rows, notes, tenant_id, regime, invoice, returned, account, journal)
        credit += [notes[-1].document] if notes[-1].document["open_amount"] > 0 else []
    if received is not None and invoice["open_amount"] > 0:
        amount = invoice["open_amount"]
        invoice["open_amount"] = ZERO
        cid = uuid.uuid4()
        rows["collection"].append(
            {
                "id": cid,
                "tenant_id": tenant_id,
                "distributor_id": book,
                "retailer_id": retailer_id,
                "visit_id": None,
                "method": CollectionMethod.TRANSFER,
                "reference": f"TRF {number}",
                "currency": currency,
                "amount": amount,
                "unallocated": ZERO,
                "received_on": received,
                "collected_by": None,
            }
        )
        rows["allocation"].append(
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "collection_id": cid,
                "document_id": doc_id,
                "amount": amount,
            }
        )
        journal(
            "SECONDARY_COLLECTION",
            cid,
            retailer_id,
            received,
            f"collection TRANSFER TRF {number}",
            [(account(AccountKind.BANK, None, book), amount), (receivable, -amount)],
        )
    # a return after the transfer finds nothing open: its credit stays on account
    if returned is not None and received is not None and returned.day > received:
        _credit_note(rows, notes, tenant_id, regime, invoice, returned, account, journal)
        credit += [notes[-1].document] if notes[-1].document["open_amount"] > 0 else []


def _draw_credit(
    rows: dict[str, list[dict[str, Any]]], credit: list[dict[str, Any]], invoice: dict[str, Any]
) -> None:
    """Pay the invoice from the credit notes issued by its day, oldest first."""
    for note in sorted(credit, key=lambda n: (n["issued_on"], str(n["id"]))):
        if invoice["open_amount"] <= 0:
            break
        if note["issued_on"] > invoice["issued_on"]:
            continue
        amount = min(note["open_amount"], invoice["open_amount"])
        note["open_amount"] -= amount
        invoice["open_amount"] -= amount
        rows["note_allocation"].append(
            {
                "id": uuid.uuid4(),
                "tenant_id": invoice["tenant_id"],
                "note_id": note["id"],
                "document_id": invoice["id"],
                "amount": amount,
            }
        )
    credit[:] = [n for n in credit if n["open_amount"] > 0]


@dataclass(frozen=True)
class _Sold:
    """An invoice line as a return needs it."""

    line_id: uuid.UUID
    product: Product
    quantity: int
    unit_price: Decimal
    net: Decimal


@dataclass(frozen=True)
class _Return:
    """Units of some of an invoice's lines coming back on a day for one reason."""

    day: date
    reason: ReturnReason
    lines: list[tuple[_Sold, dict[str, Any], int]]  # (line, its batch row, units back)


def _plan_return(rng: random.Random, tenant_id: uuid.UUID, day: date, sold: list[_Sold]) -> _Return:
    """Each line's batch row, and which lines (if any) come back: `RETURN_SHARE` of lines, within
    the return window and the history, part of what was billed."""
    latest = min(RETURN_WINDOW_DAYS, (HISTORY_END - day).days)
    picked = (
        {line.line_id for line in sold if rng.random() < RETURN_SHARE} if latest >= 1 else set()
    )
    on = day + timedelta(days=rng.randint(1, latest)) if picked else day
    reason = rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()))[0]
    back = []
    for line in sold:
        # last week's delivery; an expiry return sold an old batch that is past its expiry (it
        # expired after the sale) or within 30 days of it on the return day
        made = day - timedelta(days=day.weekday() + 7)
        if line.line_id in picked and reason is ReturnReason.EXPIRED:
            # it expired between the sale and the return
            made = day - SHELF_LIFE + timedelta(days=rng.randint(0, (on - day).days))
        elif line.line_id in picked and reason is ReturnReason.NEAR_EXPIRY:
            made = on - SHELF_LIFE + timedelta(days=rng.randint(1, 30))
        batch = {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "line_id": line.line_id,
            "batch": f"B{made:%y%m%d}",
            "expires_on": made + SHELF_LIFE,
            "quantity": line.quantity,
            "returned_quantity": 0,
        }
        back_units = max(1, round(line.quantity * rng.uniform(0.1, 0.6)))
        units = back_units if line.line_id in picked else 0
        back.append((line, batch, units))
    return _Return(on, reason, back)


def _credit_note(
    rows: dict[str, list[dict[str, Any]]],
    notes: list[_Note],
    tenant_id: uuid.UUID,
    regime: str,
    invoice: dict[str, Any],
    returned: _Return,
    account: Any,
    journal: Any,
) -> None:
    """The return's credit note, amounts as `record_return` computes them (number later)."""
    book, retailer_id = invoice["distributor_id"], invoice["retailer_id"]
    picked = [(line, batch, units) for line, batch, units in returned.lines if units > 0]
    nets = [to_cents(line.net * units / line.quantity) for line, _, units in picked]
    taxed = document_tax(
        regime,
        [
            line_tax(regime, line.product.tax_class, net)
            for (line, _, _), net in zip(picked, nets, strict=True)
        ],
    )
    note_id = uuid.uuid4()
    restock = returned.reason in RESTOCKED_REASONS
    gross_sum = discount_sum = ZERO
    for line_no, ((line, batch, units), net, t) in enumerate(
        zip(picked, nets, taxed.lines, strict=True), start=1
    ):
        gross = line.unit_price * units
        gross_sum += gross
        discount_sum += gross - net
        rows["line"].append(
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "document_id": note_id,
                "line_no": line_no,
                "order_line_id": None,
                "corrects_line_id": line.line_id,
                "product_id": line.product.id,
                "quantity": units,
                "unit_price": line.unit_price,
                "gross": gross,
                "discount": gross - net,
                "net": net,
                "tax_label": t.rate_label,
                "tax": t.tax,
                "is_free": False,
            }
        )
        batch["returned_quantity"] += units
        rows["return"].append(
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "line_batch_id": batch["id"],
                "credit_note_id": note_id,
                "reason": returned.reason,
                "quantity": units,
                "restocked": restock,
                "returned_on": returned.day,
            }
        )
    net_sum = gross_sum - discount_sum
    total = net_sum + taxed.tax + taxed.round_off
    applied = min(total, invoice["open_amount"])
    invoice["open_amount"] -= applied
    fy = fiscal_year(returned.day, 1)
    document = {
        "id": note_id,
        "tenant_id": tenant_id,
        "kind": SecondaryDocumentKind.CREDIT_NOTE,
        "number": None,
        "series": RETURN_SERIES,
        "fiscal_year": fy,
        "sequence": None,
        "distributor_id": book,
        "retailer_id": retailer_id,
        "order_id": None,
        "corrects_id": invoice["id"],
        "currency": invoice["currency"],
        "issued_on": returned.day,
        "due_on": returned.day,
        "gross": gross_sum,
        "discount": discount_sum,
        "net": net_sum,
        "tax": taxed.tax,
        "round_off": taxed.round_off,
        "total": total,
        "open_amount": total - applied,
        "created_by": None,
    }
    rows["document"].append(document)
    # the legs of backend.secondary.documents.document_legs for a credit note
    entry = journal(
        SOURCE_TYPE,
        note_id,
        retailer_id,
        returned.day,
        "",
        [
            (account(AccountKind.RECEIVABLE, retailer_id, book), -total),
            (account(AccountKind.SCHEME_EXPENSE, None, book), -discount_sum),
            (account(AccountKind.SALES_RETURNS, None, book), gross_sum),
            (account(AccountKind.TAX_PAYABLE, None, book), taxed.tax),
            (account(AccountKind.ROUND_OFF, None, book), taxed.round_off),
        ],
    )
    notes.append(_Note(book, returned.day, document, entry))


def _number_notes(notes: list[_Note], counters: dict[tuple[uuid.UUID, str, int], int]) -> None:
    """Number the credit notes in each distributor's return series in order of issue."""
    for note in sorted(notes, key=lambda n: (str(n.book), n.day, str(n.document["id"]))):
        fy = note.document["fiscal_year"]
        counters[(note.book, RETURN_SERIES, fy)] += 1
        n = counters[(note.book, RETURN_SERIES, fy)]
        number = format_number(RETURN_FORMAT, series=RETURN_SERIES, fy=fiscal_label(fy, 1), n=n)
        note.document["number"], note.document["sequence"] = number, n
        note.journal["memo"] = f"{SecondaryDocumentKind.CREDIT_NOTE.value} {number}"


async def _write(
    session: AsyncSession,
    rows: dict[str, list[dict[str, Any]]],
    accounts: dict[str, dict[str, Any]],
    counters: dict[tuple[uuid.UUID, str, int], int],
    tenant_id: uuid.UUID,
) -> None:
    async def bulk(model: Any, items: list[dict[str, Any]]) -> None:
        # few multi-row statements, not one per row: the ledger's balance trigger then moves
        # each account once per chunk (migration 0015)
        await insert_rows(session, model.__table__, items)

    await bulk(LedgerAccount, list(accounts.values()))
    await bulk(
        DocumentSeries,
        [
            {
                "id": uuid.uuid4(),
                "tenant_id": tenant_id,
                "owner_id": book,
                "series": series,
                "fiscal_year": fy,
                "last_number": n,
            }
            for (book, series, fy), n in sorted(
                counters.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2])
            )
        ],
    )
    await bulk(SecondaryOrder, rows["order"])
    await bulk(SecondaryOrderLine, rows["order_line"])
    await bulk(SecondaryDocument, rows["document"])
    await bulk(SecondaryLine, rows["line"])
    await bulk(SecondaryLineBatch, rows["line_batch"])
    await bulk(SalesReturn, rows["return"])
    await bulk(SecondaryCollection, rows["collection"])
    await bulk(SecondaryAllocation, rows["allocation"])
    await bulk(SecondaryNoteAllocation, rows["note_allocation"])
    await bulk(Journal, rows["journal"])
    await bulk(JournalEntry, rows["entry"])
