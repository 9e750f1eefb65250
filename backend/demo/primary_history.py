"""Twelve weeks of primary history for the demo tenant, through the real services.

Every distributor orders weekly (5–15 lines, in cases); HQ approves (over a credit hold when
needed, with a reason), invoices, dispatches and delivers; most invoices are paid on time, some
late, a few not yet, one cheque bounces; a handful of claims sit in every state; each
distributor has a monthly primary sales target; two distributors write off a breakage and
one transfers stock to the other. The random
choices come from the seed, so the same seed gives the same history.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.delivery import DeliveredBatch, deliver_invoice, dispatch_invoice
from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingDocument, BillingLine, PaymentMethod
from backend.billing.payments import PaymentDraft, bounce_cheque, record_payment
from backend.billing.sales import primary_sales_query
from backend.catalog.models import Product
from backend.claims.models import ClaimType
from backend.claims.service import (
    ClaimDraft,
    ClaimLineDraft,
    decide_claim,
    settle_claim,
    start_review,
    submit_claim,
)
from backend.demo.world import DemoWorld
from backend.field.goal_models import GoalMetric, GoalOwner
from backend.field.goals import GoalDraft, set_goal
from backend.identity.models import Role, User
from backend.inventory.adjustments import (
    AdjustmentDraft,
    TransferDraft,
    adjust_distributor_stock,
    transfer_between_distributors,
)
from backend.inventory.models import DistributorStock
from backend.kit.db import new_id
from backend.orders.models import CreditAction, OrderStatus, PrimarySettings
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.orders.workflow import approve_order
from backend.parties.models import Distributor
from backend.pricing.models import PriceListItem

START = date(2026, 9, 1)
WEEKS = 12
CLAIM_PLAN = ("SUBMITTED", "UNDER_REVIEW", "APPROVED", "PARTLY_APPROVED", "REJECTED", "SETTLED")


@dataclass
class HistoryCounts:
    """What the history created."""

    orders: int = 0
    invoices: int = 0
    payments: int = 0
    claims: int = 0
    targets: int = 0


async def seed_primary_history(
    session: AsyncSession, tenant_id: uuid.UUID, world: DemoWorld, *, seed: int
) -> HistoryCounts:
    """Load price lists, settings and 12 weeks of orders, invoices, payments and claims."""
    rng = random.Random(seed)
    session.add(
        PrimarySettings(
            tenant_id=tenant_id,
            credit_action=CreditAction.HOLD,
            fiscal_year_start_month=1,
            number_format="{series}/{fy}/{n:05d}",
            enforce_case_multiples=False,
        )
    )
    products = {p.sku: p for p in (await session.execute(select(Product))).scalars()}
    session.add_all(
        PriceListItem(
            id=new_id(),
            tenant_id=tenant_id,
            product_id=products[p.sku].id,
            tier="*",
            currency=world.tenant.currency,
            distributor_price=p.distributor_price,
            retailer_price=p.retailer_price,
            mrp=p.mrp,
            valid_from=date(2026, 1, 1),
        )
        for p in world.products
    )
    await session.flush()
    admin = await _admin(session)
    distributors = list(
        (await session.execute(select(Distributor).order_by(Distributor.code))).scalars()
    )
    counts = HistoryCounts()
    invoices: list[BillingDocument] = []
    for week in range(WEEKS):
        for distributor in distributors:
            day = START + timedelta(days=week * 7 + rng.randrange(5))
            invoice = await _order_cycle(
                session, admin, distributor, list(products.values()), day, rng
            )
            counts.orders += 1
            if invoice is not None:
                invoices.append(invoice)
                counts.invoices += 1
    counts.payments = await _payments(session, admin, invoices, rng)
    counts.claims = await _claims(session, admin, invoices, rng)
    counts.targets = await _targets(session, admin, distributors, rng)
    await _stock_corrections(session, admin, distributors)
    return counts


async def _stock_corrections(
    session: AsyncSession, admin: Principal, distributors: list[Distributor]
) -> None:
    """A breakage written off at each of the first two distributors, and a transfer between them."""
    rows = []
    for distributor in distributors[:2]:
        row = (
            await session.execute(
                select(DistributorStock)
                .where(
                    DistributorStock.distributor_id == distributor.id,
                    DistributorStock.quantity >= 10,
                )
                .order_by(DistributorStock.expires_on, DistributorStock.id)
                .limit(1)
            )
        ).scalar_one()
        rows.append(row)
        await adjust_distributor_stock(
            session,
            principal=admin,
            draft=AdjustmentDraft(
                distributor.id, row.product_id, row.batch, -2, "cartons crushed in the warehouse"
            ),
            idempotency_key=None,
        )
    await transfer_between_distributors(
        session,
        principal=admin,
        draft=TransferDraft(
            distributors[0].id,
            distributors[1].id,
            rows[0].product_id,
            rows[0].batch,
            4,
            "rebalance before expiry",
        ),
        idempotency_key=None,
    )


async def _targets(
    session: AsyncSession, admin: Principal, distributors: list[Distributor], rng: random.Random
) -> int:
    """A monthly primary sales target per distributor: last month's sales ± 15%, in thousands."""
    months = [(date(2026, m, 1), date(2026, m + 1, 1) - timedelta(days=1)) for m in (9, 10, 11)]
    made = 0
    for distributor in distributors:
        base = Decimal(await session.scalar(primary_sales_query(distributor.id, *months[0])) or 0)
        for start, end in months:
            factor = Decimal(str(round(rng.uniform(0.85, 1.15), 2)))
            target = max(Decimal(1000), (base * factor / 1000).quantize(Decimal(1)) * 1000)
            await set_goal(
                session,
                principal=admin,
                draft=GoalDraft(
                    GoalOwner.DISTRIBUTOR,
                    distributor.id,
                    GoalMetric.PRIMARY_VALUE,
                    None,
                    start,
                    end,
                    target,
                ),
                idempotency_key=None,
            )
            made += 1
    return made


def batch_of(invoice: BillingDocument) -> str:
    """The batch an invoice's goods are delivered in (one per invoice date)."""
    return f"B{invoice.issued_on:%y%m%d}"


async def _admin(session: AsyncSession) -> Principal:
    user = (
        (await session.execute(select(User).where(User.role == Role.ADMIN).order_by(User.username)))
        .scalars()
        .first()
    )
    assert user is not None
    return Principal(
        tenant_id=user.tenant_id, user_id=user.id, username=user.username, role=user.role
    )


async def _order_cycle(
    session: AsyncSession,
    admin: Principal,
    distributor: Distributor,
    products: list[Product],
    day: date,
    rng: random.Random,
) -> BillingDocument | None:
    chosen = rng.sample(products, rng.randint(5, 15))
    draft = OrderDraft(
        distributor.id,
        [LineDraft(p.id, rng.randint(2, 20), in_cases=True) for p in chosen],
        day,
        requested_on=day + timedelta(days=3),
        submit=True,
    )
    order = await place_order(session, principal=admin, draft=draft, idempotency_key=None)
    if rng.random() < 0.04:
        return None  # left waiting for approval
    await approve_order(
        session,
        principal=admin,
        order_id=order.id,
        today=day,
        override_credit=order.status is OrderStatus.HELD,
        reason="approved by HQ" if order.status is OrderStatus.HELD else "",
    )
    invoice = await invoice_order(
        session, principal=admin, order_id=order.id, series="INV", issued_on=day + timedelta(days=1)
    )
    await dispatch_invoice(
        session, principal=admin, invoice_id=invoice.id, dispatched_on=day + timedelta(days=1)
    )
    lines = (
        await session.execute(select(BillingLine).where(BillingLine.document_id == invoice.id))
    ).scalars()
    late = rng.random() < 0.2
    await deliver_invoice(
        session,
        principal=admin,
        invoice_id=invoice.id,
        delivered_on=day + timedelta(days=6 if late else 2),
        batches=[
            DeliveredBatch(ln.id, batch_of(invoice), ln.quantity, day + timedelta(days=365))
            for ln in lines
        ],
    )
    return invoice


async def _payments(
    session: AsyncSession, admin: Principal, invoices: list[BillingDocument], rng: random.Random
) -> int:
    made = 0
    last_day = START + timedelta(weeks=WEEKS)
    for i, invoice in enumerate(invoices):
        roll = rng.random()
        delay = 20 if roll < 0.7 else 45 if roll < 0.9 else None  # on time, late, unpaid
        paid_on = invoice.issued_on + timedelta(days=delay) if delay is not None else None
        if paid_on is None or paid_on > last_day:
            continue
        method = PaymentMethod.CHEQUE if i % 9 == 0 else PaymentMethod.BANK_TRANSFER
        payment = await record_payment(
            session,
            principal=admin,
            idempotency_key=None,
            draft=PaymentDraft(
                invoice.distributor_id,
                method,
                invoice.total,
                paid_on,
                f"PAY-{invoice.number}",
                allocations=[(invoice.id, invoice.open_amount)]
                if invoice.open_amount > 0
                else None,
            ),
        )
        made += 1
        if i == 9:
            await bounce_cheque(
                session,
                principal=admin,
                payment_id=payment.id,
                bounced_on=paid_on + timedelta(days=3),
                reason="insufficient funds",
            )
    return made


async def _claims(
    session: AsyncSession, admin: Principal, invoices: list[BillingDocument], rng: random.Random
) -> int:
    made = 0
    for n, target in enumerate(CLAIM_PLAN * 2):
        invoice = invoices[(n * 7) % len(invoices)]
        line = (
            (
                await session.execute(
                    select(BillingLine)
                    .where(BillingLine.document_id == invoice.id)
                    .order_by(BillingLine.line_no)
                )
            )
            .scalars()
            .first()
        )
        if line is None:
            continue
        qty = max(1, line.quantity // 10)
        on = invoice.issued_on + timedelta(days=5)
        claim = await submit_claim(
            session,
            principal=admin,
            idempotency_key=None,
            draft=ClaimDraft(
                invoice.distributor_id,
                rng.choice(list(ClaimType)),
                on,
                [ClaimLineDraft(line.id, batch_of(invoice), qty, line.unit_price)],
                (f"demo://evidence/{n}.jpg",),
            ),
        )
        made += 1
        if target == "SUBMITTED":
            continue
        await start_review(session, principal=admin, claim_id=claim.id)
        await _decide(session, admin, claim.id, target, qty, on + timedelta(days=4))
        if target == "SETTLED":
            await settle_claim(
                session, principal=admin, claim_id=claim.id, series="CN", on=on + timedelta(days=6)
            )
    return made


async def _decide(
    session: AsyncSession, admin: Principal, claim_id: uuid.UUID, target: str, qty: int, on: date
) -> None:
    from backend.claims.models import ClaimLine

    if target == "UNDER_REVIEW":
        return
    line = (
        await session.execute(select(ClaimLine).where(ClaimLine.claim_id == claim_id))
    ).scalar_one()
    approved = {"APPROVED": qty, "SETTLED": qty, "PARTLY_APPROVED": max(qty - 1, 0), "REJECTED": 0}[
        target
    ]
    if target == "PARTLY_APPROVED" and approved == 0:
        approved = qty
    await decide_claim(
        session,
        principal=admin,
        claim_id=claim_id,
        approved={line.id: approved},
        decided_on=on,
        reason="" if approved else "evidence does not match the batch",
    )
