"""Twelve weeks of secondary invoices (distributor → retailer) for the demo tenant, bulk-inserted.

Every outlet buys on its own rhythm (`order_interval_days`, from a random phase) with a persistent
propensity: the value of a bill is the outlet's weekly value × days since its last bill, times a
weekday factor, a festive peak (the 11.11 shopping week), and log-normal noise (σ 0.35); each bill
has 5–15 lines drawn from the outlet's own preferred SKUs (a fixed, weighted assortment per
outlet), so past purchases say something real about future ones. Value concentrates as the
outlets' weekly values do (top 20% ≈ 65%). Invoices are numbered in each distributor's own series,
taxed with the tenant's rules and posted to the distributor's book; invoices older than three
weeks are mostly paid by a transfer a week or two after their date (some stay open, some late).
History sales are not drawn from stock batches (the demo has no secondary stock history).
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Product
from backend.demo.field_history import HISTORY_END
from backend.demo.records import DemoRetailer
from backend.demo.world import DemoWorld
from backend.kit.db import insert_rows
from backend.ledger.models import AccountKind, DocumentSeries, Journal, JournalEntry, LedgerAccount
from backend.ledger.numbering import DEFAULT_FORMAT, fiscal_label, fiscal_year, format_number
from backend.ledger.posting import account_key
from backend.parties.models import Retailer
from backend.pricing.tax import document_tax, line_tax
from backend.secondary.models import (
    CollectionMethod,
    OrderSource,
    SecondaryAllocation,
    SecondaryCollection,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryOrder,
    SecondaryOrderLine,
    SecondaryOrderStatus,
)

WEEKS = 12
START = HISTORY_END - timedelta(weeks=WEEKS) + timedelta(days=1)
WEEKDAY_FACTOR = (1.15, 1.0, 0.95, 1.0, 1.1, 1.2, 0.6)  # Monday … Sunday
FESTIVE = (date(2026, 11, 5), date(2026, 11, 14))  # the 11.11 shopping week
FESTIVE_FACTOR = 1.6
SERIES = "SI"
ZERO = Decimal("0.00")


async def seed_secondary_history(
    session: AsyncSession, tenant_id: uuid.UUID, world: DemoWorld, *, seed: int
) -> int:
    """Add the invoices (unless any exist); return how many."""
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
    counters: dict[tuple[uuid.UUID, int], int] = defaultdict(int)
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
    ) -> None:
        jid = uuid.uuid4()
        rows["journal"].append(
            {
                "id": jid,
                "tenant_id": tenant_id,
                "source_type": source_type,
                "source_id": source_id,
                "purpose": "POST",
                "party_id": party,
                "posted_on": on,
                "memo": memo,
            }
        )
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

    invoices = 0
    for bill in plan_bills(world, seed=seed):
        retailer_id, book = retailers[bill.outlet.code]
        lines = [(products[sku], qty, price) for sku, qty, price in bill.lines]
        rng = random.Random(f"{seed}:paid:{bill.outlet.code}:{bill.day}")
        _invoice(
            rows,
            counters,
            tenant_id,
            regime,
            currency,
            retailer_id,
            book,
            bill.day,
            lines,
            rng,
            account,
            journal,
        )
        invoices += 1
    await _write(session, rows, accounts, counters, tenant_id)
    return invoices


@dataclass(frozen=True)
class PlannedBill:
    """One outlet's bill on one day: (SKU, units, retailer price) lines."""

    outlet: DemoRetailer
    day: date
    lines: list[tuple[str, int, Decimal]]

    @property
    def value(self) -> Decimal:
        """Value before tax."""
        return sum((price * qty for _, qty, price in self.lines), Decimal(0))


def plan_bills(world: DemoWorld, *, seed: int) -> Iterator[PlannedBill]:
    """Every outlet's bills over the twelve weeks, deterministic for the seed (no database)."""
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
            yield PlannedBill(outlet, day, lines)
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
    counters: dict[tuple[uuid.UUID, int], int],
    tenant_id: uuid.UUID,
    regime: str,
    currency: str,
    retailer_id: uuid.UUID,
    book: uuid.UUID,
    day: date,
    lines: list[tuple[Product, int, Decimal]],
    rng: random.Random,
    account: Any,
    journal: Any,
) -> None:
    order_id, doc_id = uuid.uuid4(), uuid.uuid4()
    fy = fiscal_year(day, 1)
    counters[(book, fy)] += 1
    n = counters[(book, fy)]
    number = format_number(
        DEFAULT_FORMAT.replace("/", ""), series=SERIES, fy=fiscal_label(fy, 1), n=n
    )
    taxed = document_tax(
        regime, [line_tax(regime, product.tax_class, price * qty) for product, qty, price in lines]
    )
    gross, tax = taxed.net, taxed.tax
    for line_no, ((product, qty, price), t) in enumerate(
        zip(lines, taxed.lines, strict=True), start=1
    ):
        ol_id = uuid.uuid4()
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
                "id": uuid.uuid4(),
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
    total = taxed.total
    rows["order"].append(
        {
            "id": order_id,
            "tenant_id": tenant_id,
            "distributor_id": book,
            "retailer_id": retailer_id,
            "source": OrderSource.DESK,
            "captured_order_id": None,
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
    due = day + timedelta(days=14)
    rows["document"].append(
        {
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
            "due_on": due,
            "gross": gross,
            "discount": ZERO,
            "net": gross,
            "tax": tax,
            "round_off": taxed.round_off,
            "total": total,
            "open_amount": ZERO if paid else total,
            "created_by": None,
        }
    )
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
    if paid:
        received = min(HISTORY_END, day + timedelta(days=rng.choice((5, 7, 10, 14, 14, 21, 30))))
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
                "amount": total,
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
                "amount": total,
            }
        )
        journal(
            "SECONDARY_COLLECTION",
            cid,
            retailer_id,
            received,
            f"collection TRANSFER TRF {number}",
            [(account(AccountKind.BANK, None, book), total), (receivable, -total)],
        )


async def _write(
    session: AsyncSession,
    rows: dict[str, list[dict[str, Any]]],
    accounts: dict[str, dict[str, Any]],
    counters: dict[tuple[uuid.UUID, int], int],
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
                "series": SERIES,
                "fiscal_year": fy,
                "last_number": n,
            }
            for (book, fy), n in sorted(counters.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
        ],
    )
    await bulk(SecondaryOrder, rows["order"])
    await bulk(SecondaryOrderLine, rows["order_line"])
    await bulk(SecondaryDocument, rows["document"])
    await bulk(SecondaryLine, rows["line"])
    await bulk(SecondaryCollection, rows["collection"])
    await bulk(SecondaryAllocation, rows["allocation"])
    await bulk(Journal, rows["journal"])
    await bulk(JournalEntry, rows["entry"])
