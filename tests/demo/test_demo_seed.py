"""The demo seed loads the generated world once; a second run reuses it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.billing.models import BillingDocument, Payment, PaymentAllocation, PaymentStatus
from backend.claims.models import Claim, ClaimStatus
from backend.demo.day_plans import DEMO_TODAY
from backend.demo.seed import seed_demo
from backend.field.goal_models import Goal, GoalMetric
from backend.field.pjp import tenant_today
from backend.field.visit_models import (
    CapturedOrder,
    CapturedOrderLine,
    CapturedOrderStatus,
    Visit,
    VisitOutcome,
    VisitStockLine,
)
from backend.inventory.models import MovementKind, StockMovement
from backend.kit.db import without_nested_loops
from backend.kit.geo import point_coordinates
from backend.ledger.models import AccountKind, DocumentSeries, Journal, LedgerAccount
from backend.offtake.models import DerivedOfftake
from backend.orders.models import PrimaryOrder
from backend.parties.models import Retailer
from backend.planning.models import DayPlan
from backend.secondary.models import (
    RESTOCKED_REASONS,
    OrderSource,
    ReturnReason,
    SalesReturn,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryLineBatch,
    SecondaryOrder,
)
from backend.territories.models import Territory
from tests.factories.ledger import assert_ledger_invariants


# The whole demo is seeded in the test's one uncommitted transaction, where no table has planner
# statistics, and it builds 80 day plans when the calendar's today is not the demo's: 400 s on the
# 2-core machine (2026-12-08), too close to the suite's 600 s limit.
@pytest.mark.timeout(1500)
async def test_seeding_twice_creates_the_demo_tenant_once(session: AsyncSession) -> None:
    first = await seed_demo(session, seed=7)
    second = await seed_demo(session, seed=7)

    assert first.created is True
    assert second.created is False
    # Today's plan for each of the 40 reps (the demo's today, and the real one when it differs);
    # the second run finds them and builds none.
    days = {DEMO_TODAY, await tenant_today(session)}
    assert (first.plans_built, second.plans_built) == (40 * len(days), 0)
    plans = await session.execute(select(func.count()).select_from(DayPlan))
    assert plans.scalar_one() == 40 * len(days)
    value_goals = await session.execute(
        select(func.count()).select_from(Goal).where(Goal.metric == GoalMetric.SECONDARY_VALUE)
    )
    assert value_goals.scalar_one() == 40  # this month's goal for every rep, set once
    assert second.tenant_id == first.tenant_id
    assert (
        first.counts
        == second.counts
        == {
            "territories": 47,
            "distributors": 8,
            "retailers": 4000,
            "products": 150,
            "users": 54,
        }
    )
    # The seed's rows are uncommitted, so the tables have no planner statistics: the checks'
    # joins over tens of thousands of rows would nest loops for minutes (as the seed's own steps
    # would; see backend/demo/stock_counts.py).
    async with without_nested_loops(session):
        await _assert_primary_history(session, first.tenant_id)
        await _assert_visits_match_invoices(session)
        await _assert_returns(session)
        await _assert_stock_counts(session)


async def _assert_visits_match_invoices(session: AsyncSession) -> None:
    # every productive visit captured one order, converted to a VISIT secondary order billed on
    # the visit's day at the visited outlet; every other order came from the desk
    productive = await session.scalar(
        select(func.count()).select_from(Visit).where(Visit.outcome == VisitOutcome.PRODUCTIVE)
    )
    matched = await session.scalar(
        select(func.count())
        .select_from(Visit)
        .join(CapturedOrder, CapturedOrder.visit_id == Visit.id)
        .join(SecondaryOrder, SecondaryOrder.id == CapturedOrder.secondary_order_id)
        .join(SecondaryDocument, SecondaryDocument.order_id == SecondaryOrder.id)
        .where(
            CapturedOrder.status == CapturedOrderStatus.CONVERTED,
            SecondaryOrder.captured_order_id == CapturedOrder.id,
            SecondaryOrder.source == OrderSource.VISIT,
            SecondaryOrder.retailer_id == Visit.retailer_id,
            SecondaryDocument.kind == SecondaryDocumentKind.INVOICE,
            SecondaryDocument.issued_on == Visit.visit_date,
            Visit.outcome == VisitOutcome.PRODUCTIVE,
        )
    )
    by_source = dict(
        (
            await session.execute(
                select(SecondaryOrder.source, func.count()).group_by(SecondaryOrder.source)
            )
        ).all()
    )
    assert productive and matched == productive == by_source[OrderSource.VISIT]
    assert by_source[OrderSource.DESK] > 0
    # a captured order's lines are its invoice's lines
    differing = await session.scalar(
        select(func.count())
        .select_from(CapturedOrderLine)
        .join(CapturedOrder, CapturedOrder.id == CapturedOrderLine.order_id)
        .join(SecondaryOrder, SecondaryOrder.id == CapturedOrder.secondary_order_id)
        .join(SecondaryDocument, SecondaryDocument.order_id == SecondaryOrder.id)
        .outerjoin(
            SecondaryLine,
            (SecondaryLine.document_id == SecondaryDocument.id)
            & (SecondaryLine.product_id == CapturedOrderLine.product_id)
            & (SecondaryLine.quantity == CapturedOrderLine.quantity),
        )
        .where(SecondaryLine.id.is_(None))
    )
    assert differing == 0


async def _assert_primary_history(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    # twelve weeks of orders, invoices, deliveries, payments (some late, one bounced), claims in
    # every state, monthly primary targets; and a ledger that holds together
    weeks = await session.scalar(
        select(func.count(func.distinct(func.date_trunc("week", PrimaryOrder.order_date))))
    )
    statuses = set((await session.execute(select(Claim.status).distinct())).scalars())
    late = await session.scalar(
        select(func.count())
        .select_from(PaymentAllocation)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(BillingDocument, BillingDocument.id == PaymentAllocation.document_id)
        .where(Payment.received_on > BillingDocument.due_on)
    )
    bounced = await session.scalar(
        select(func.count()).select_from(Payment).where(Payment.status == PaymentStatus.BOUNCED)
    )
    delivered = await session.scalar(
        select(func.count())
        .select_from(BillingDocument)
        .where(BillingDocument.delivered_on.is_not(None))
    )
    targets = await session.scalar(
        select(func.count()).select_from(Goal).where(Goal.metric == GoalMetric.PRIMARY_VALUE)
    )
    assert weeks == 12
    assert statuses == set(ClaimStatus)
    assert (late or 0) > 0 and bounced == 1 and (delivered or 0) > 80
    assert targets == 8 * 3
    kinds = set((await session.execute(select(StockMovement.kind).distinct())).scalars())
    assert kinds == {
        MovementKind.RECEIPT,
        MovementKind.ADJUSTMENT,
        MovementKind.TRANSFER_OUT,
        MovementKind.TRANSFER_IN,
    }
    await assert_ledger_invariants(session, tenant_id)


async def test_every_seeded_retailer_lies_inside_its_territory_polygon(
    session: AsyncSession,
) -> None:
    await seed_demo(session, seed=7, build_plans=False)  # plans: the test above

    outside = await session.execute(
        select(func.count())
        .select_from(Retailer)
        .join(Territory, Territory.id == Retailer.territory_id)
        .where(~func.ST_Covers(Territory.boundary, Retailer.location))
    )
    first = (await session.execute(select(Retailer).order_by(Retailer.code).limit(1))).scalar_one()

    assert outside.scalar_one() == 0
    latitude, longitude = point_coordinates(first.location) or (0.0, 0.0)
    assert -6.40 < latitude < -6.08
    assert 106.68 < longitude < 106.98


async def _assert_returns(session: AsyncSession) -> None:
    # 1–2% of invoice lines come back, for every standard reason, each on a numbered credit note
    invoice = aliased(SecondaryDocument)
    note = aliased(SecondaryDocument)
    sold = aliased(SecondaryLine)
    lines = await session.scalar(
        select(func.count())
        .select_from(SecondaryLine)
        .join(invoice, invoice.id == SecondaryLine.document_id)
        .where(invoice.kind == SecondaryDocumentKind.INVOICE)
    )
    returns = (
        await session.execute(
            select(
                SalesReturn.reason,
                SalesReturn.restocked,
                SalesReturn.quantity,
                SalesReturn.returned_on,
                SecondaryLineBatch.quantity,
                SecondaryLineBatch.returned_quantity,
                SecondaryLineBatch.expires_on,
                invoice.issued_on,
                note.kind,
                note.corrects_id == invoice.id,
            )
            .join(SecondaryLineBatch, SecondaryLineBatch.id == SalesReturn.line_batch_id)
            .join(sold, sold.id == SecondaryLineBatch.line_id)
            .join(invoice, invoice.id == sold.document_id)
            .join(note, note.id == SalesReturn.credit_note_id)
        )
    ).all()
    assert lines and 0.01 * lines <= len(returns) <= 0.02 * lines
    assert {r[0] for r in returns} == set(ReturnReason)
    for reason, restocked, qty, on, billed, back, expires, issued, kind, corrects in returns:
        assert kind is SecondaryDocumentKind.CREDIT_NOTE and corrects
        assert restocked == (reason in RESTOCKED_REASONS)
        assert 1 <= (on - issued).days <= 30  # the default return window
        assert 0 < qty == back <= billed  # one return per line batch, within what it sold
        if reason is ReturnReason.EXPIRED:  # sold in date, expired by the return
            assert expires is not None and issued <= expires <= on
        if reason is ReturnReason.NEAR_EXPIRY:
            assert expires is not None and on < expires <= on + timedelta(days=30)
    # credit notes: each distributor's SR series numbered 1..n without gaps, posted once
    notes = (
        await session.execute(
            select(
                SecondaryDocument.distributor_id,
                func.count(),
                func.max(SecondaryDocument.sequence),
                func.min(SecondaryDocument.number),
                func.count().filter(SecondaryDocument.open_amount > 0),
            )
            .where(SecondaryDocument.kind == SecondaryDocumentKind.CREDIT_NOTE)
            .group_by(SecondaryDocument.distributor_id)
        )
    ).all()
    assert len(notes) == 8
    series = dict(
        (
            await session.execute(
                select(DocumentSeries.owner_id, DocumentSeries.last_number).where(
                    DocumentSeries.series == "SR"
                )
            )
        ).all()
    )
    for distributor_id, count, last, first_number, _ in notes:
        assert count == last == series[distributor_id]
        assert first_number == "SR/2026/00001"
    on_account = sum(row[4] for row in notes)
    total_notes = sum(row[1] for row in notes)
    # some returns came after the invoice was paid and stay as credit on account; most did not
    assert 0 < on_account < total_notes
    posted = await session.scalar(
        select(func.count())
        .select_from(Journal)
        .join(SecondaryDocument, SecondaryDocument.id == Journal.source_id)
        .where(
            SecondaryDocument.kind == SecondaryDocumentKind.CREDIT_NOTE,
            Journal.source_type == "SECONDARY_DOCUMENT",
            Journal.memo == "CREDIT_NOTE " + SecondaryDocument.number,
        )
    )
    assert posted == total_notes
    sales_returns = await session.scalar(
        select(func.sum(LedgerAccount.balance)).where(
            LedgerAccount.kind == AccountKind.SALES_RETURNS
        )
    )
    gross = await session.scalar(
        select(func.sum(SecondaryDocument.gross)).where(
            SecondaryDocument.kind == SecondaryDocumentKind.CREDIT_NOTE
        )
    )
    assert gross is not None and gross > 0 and sales_returns == gross


async def _assert_stock_counts(session: AsyncSession) -> None:
    # reps counted shelves; the seed derived offtake from them, some of it flagged, some of it
    # net of returns
    counts = await session.scalar(select(func.count()).select_from(VisitStockLine))
    derived, flagged, with_returns = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(DerivedOfftake.plausible.is_(False)),
                func.count().filter(DerivedOfftake.returned > 0),
            )
        )
    ).one()
    assert counts and counts > 5_000
    assert derived > 0.5 * counts
    assert 0.01 * derived < flagged < 0.08 * derived
    assert with_returns > 0
