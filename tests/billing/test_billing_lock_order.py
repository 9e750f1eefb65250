"""Billing operations on one distributor at once — invoicing from money on account, payments,
cheque bounces, debit notes, cancellations and dispatches — take their locks in one order:
none deadlocks, and the ledger holds afterwards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from backend.auth.principal import Principal
from backend.billing.cancellation import cancel_primary_order
from backend.billing.delivery import dispatch_invoice
from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingDocument, DocumentKind, NoteReason, PaymentMethod
from backend.billing.notes import NoteDraft, NoteLine, issue_note
from backend.billing.payments import PaymentDraft, bounce_cheque, record_payment
from backend.kit.db import set_tenant
from backend.kit.errors import JalurError
from backend.kit.settings import Settings
from backend.orders.models import OrderStatus
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import (
    ORDER_DAY,
    make_one_unit_orders,
    make_primary_world,
)
from tests.support.committed import purge_tenant

Work = Callable[[AsyncSession], Awaitable[object]]


async def _run(maker: async_sessionmaker[AsyncSession], admin: Principal, work: Work) -> str:
    try:
        async with maker() as session, session.begin():
            await set_tenant(session, admin.tenant_id)
            await work(session)
        return "done"
    except JalurError as refused:
        return refused.code  # a state refusal is fine; a deadlock is not a JalurError


async def test_concurrent_billing_of_one_distributor_never_deadlocks(
    committed_engine_url: str, settings: Settings
) -> None:
    engine = create_async_engine(
        committed_engine_url, pool_size=8, max_overflow=0, pool_timeout=300
    )
    maker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    async with maker() as session, session.begin():
        world = await make_primary_world(session)
        orders = await make_one_unit_orders(
            session, world, 24, status=OrderStatus.APPROVED, prefix="L"
        )
    admin, sku, dist = world.admin, world.products[0].id, world.distributor.id
    try:
        # given 12 invoices, each paid by a cheque of 1,500.00 (390.00 each left on account)
        invoices, cheques = [], []
        for order_id in orders[:12]:
            async with maker() as session, session.begin():
                await set_tenant(session, admin.tenant_id)
                doc = await invoice_order(
                    session, principal=admin, order_id=order_id, series="INV", issued_on=ORDER_DAY
                )
                invoices.append(doc.id)
                cheque = await record_payment(
                    session,
                    principal=admin,
                    idempotency_key=None,
                    draft=PaymentDraft(
                        dist, PaymentMethod.CHEQUE, Decimal("1500.00"), ORDER_DAY, "CHQ"
                    ),
                )
                cheques.append(cheque.id)

        def invoice(order_id: uuid.UUID) -> Work:
            return lambda s: invoice_order(
                s, principal=admin, order_id=order_id, series="INV", issued_on=ORDER_DAY
            )

        def bounce(payment_id: uuid.UUID) -> Work:
            return lambda s: bounce_cheque(
                s,
                principal=admin,
                payment_id=payment_id,
                bounced_on=date(2026, 11, 5),
                reason="returned",
            )

        def debit(invoice_id: uuid.UUID) -> Work:
            draft = NoteDraft(
                DocumentKind.DEBIT_NOTE,
                invoice_id,
                NoteReason.PRICE_DIFFERENCE,
                "DN",
                ORDER_DAY,
                [NoteLine(sku, 0, Decimal("50.00"))],
            )
            return lambda s: issue_note(s, principal=admin, draft=draft, idempotency_key=None)

        def pay() -> Work:
            draft = PaymentDraft(
                dist, PaymentMethod.BANK_TRANSFER, Decimal("700.00"), ORDER_DAY, "T"
            )
            return lambda s: record_payment(s, principal=admin, draft=draft, idempotency_key=None)

        def cancel(order_id: uuid.UUID) -> Work:
            return lambda s: cancel_primary_order(
                s, principal=admin, order_id=order_id, reason="closed", today=ORDER_DAY
            )

        def dispatch(invoice_id: uuid.UUID) -> Work:
            return lambda s: dispatch_invoice(
                s, principal=admin, invoice_id=invoice_id, dispatched_on=ORDER_DAY
            )

        work: list[Work] = []
        for i in range(12):
            work += [invoice(orders[12 + i]), bounce(cheques[i]), debit(invoices[i]), pay()]
            work.append(cancel(orders[i]) if i % 2 else dispatch(invoices[i]))
        # when they all run at once
        results = await asyncio.gather(
            *(_run(maker, admin, w) for w in work), return_exceptions=True
        )
        # then every one finished or was refused with a code, and the ledger holds
        assert [repr(r) for r in results if isinstance(r, BaseException)] == []
        assert set(results) <= {"done", "INVALID_TRANSITION", "INVALID_DOCUMENT_STATE"}
        assert results.count("done") >= len(work) - 12
        async with maker() as session, session.begin():
            await set_tenant(session, admin.tenant_id)
            await assert_ledger_invariants(session, admin.tenant_id)
            kinds = (await session.execute(select(BillingDocument.kind))).scalars().all()
        assert kinds.count(DocumentKind.INVOICE) == 24
    finally:
        await engine.dispose()
        await purge_tenant(settings.test_database_owner_url, world.tenant.id)
