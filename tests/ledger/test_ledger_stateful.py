"""Random orders, invoices, payments, credit and debit notes (returns out of stock), claims,
bounces, cancellations, stock adjustments and retried requests; after every step the ledger
balances, replays to its cached balances, posts nothing twice, receivables match open
documents, and stock equals its movements and is never negative."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from backend.billing.cancellation import cancel_primary_order
from backend.billing.delivery import DeliveredBatch, deliver_invoice, dispatch_invoice
from backend.billing.invoicing import invoice_order
from backend.billing.models import BillingLine, DocumentKind, NoteReason, PaymentMethod
from backend.billing.notes import NoteDraft, NoteLine, issue_note
from backend.billing.payments import PaymentDraft, bounce_cheque, record_payment
from backend.claims.models import ClaimLine, ClaimType
from backend.claims.service import (
    ClaimDraft,
    ClaimLineDraft,
    decide_claim,
    settle_claim,
    submit_claim,
)
from backend.inventory.adjustments import AdjustmentDraft, adjust_distributor_stock
from backend.kit.errors import JalurError, NotFound
from backend.ledger.models import JournalEntry
from backend.orders.placing import LineDraft, OrderDraft, place_order
from backend.orders.workflow import approve_order
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import ORDER_DAY, make_primary_world

T = TypeVar("T")
DB_URL: dict[str, str] = {}


class PrimaryLedgerMachine(RuleBasedStateMachine):
    """Drives the services in one rolled-back transaction; each rule in its own savepoint."""

    orders = Bundle("orders")
    invoices = Bundle("invoices")
    payments = Bundle("payments")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.day = ORDER_DAY
        self.keys: dict[str, tuple[uuid.UUID, int]] = {}

    def run(self, work: Awaitable[T]) -> T:
        return self.loop.run_until_complete(work)

    @initialize()
    def set_up(self) -> None:
        self.run(self._open())

    async def _open(self) -> None:
        self.engine = create_async_engine(DB_URL["url"], poolclass=NullPool)
        self.conn: AsyncConnection = await self.engine.connect()
        self.tx = await self.conn.begin()
        self.session = AsyncSession(
            bind=self.conn,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )
        world = await make_primary_world(
            self.session,
            credit_limit=Decimal("60000.00"),
            prices=(Decimal("1000.00"), Decimal("2499.99")),
        )
        self.admin = world.admin
        self.tenant_id = world.tenant.id
        self.distributor_id = world.distributor.id
        self.product_ids = [p.id for p in world.products]

    def teardown(self) -> None:
        if hasattr(self, "tx"):
            self.run(self._close())
        self.loop.close()

    async def _close(self) -> None:
        await self.session.close()
        await self.tx.rollback()
        await self.conn.close()
        await self.engine.dispose()

    async def _entries(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(JournalEntry)) or 0)

    def attempt(self, work: Any) -> Any:
        """Run one service call in a savepoint; a refusal must leave the ledger as it was."""

        async def go() -> Any:
            before = await self._entries()
            try:
                async with self.session.begin_nested():
                    return await work()
            except JalurError:
                assert await self._entries() == before
                return None

        return self.run(go())

    @rule(target=orders, qty=st.integers(1, 6), submit=st.booleans())
    def place(self, qty: int, submit: bool) -> Any:
        draft = OrderDraft(
            self.distributor_id,
            [LineDraft(p, qty) for p in self.product_ids],
            self.day,
            submit=submit,
        )
        order = self.attempt(
            lambda: place_order(
                self.session, principal=self.admin, draft=draft, idempotency_key=None
            )
        )
        return order.id if order else uuid.uuid4()

    @rule(order=orders)
    def approve(self, order: uuid.UUID) -> None:
        self.attempt(
            lambda: approve_order(
                self.session, principal=self.admin, order_id=order, today=self.day
            )
        )

    @rule(order=orders)
    def cancel(self, order: uuid.UUID) -> None:
        # Before dispatch, also invoiced orders: their invoices are credited in full.
        self.attempt(
            lambda: cancel_primary_order(
                self.session,
                principal=self.admin,
                order_id=order,
                reason="changed mind",
                today=self.day,
            )
        )

    @rule(target=invoices, order=orders)
    def invoice(self, order: uuid.UUID) -> Any:
        doc = self.attempt(
            lambda: invoice_order(
                self.session, principal=self.admin, order_id=order, series="INV", issued_on=self.day
            )
        )
        return doc.id if doc else uuid.uuid4()

    @rule(target=invoices, qty=st.integers(1, 4))
    def order_to_invoice(self, qty: int) -> Any:
        draft = OrderDraft(
            self.distributor_id,
            [LineDraft(p, qty) for p in self.product_ids],
            self.day,
            submit=True,
        )

        async def work() -> uuid.UUID:
            order = await place_order(
                self.session, principal=self.admin, draft=draft, idempotency_key=None
            )
            await approve_order(
                self.session, principal=self.admin, order_id=order.id, today=self.day
            )
            doc = await invoice_order(
                self.session,
                principal=self.admin,
                order_id=order.id,
                series="INV",
                issued_on=self.day,
            )
            return doc.id

        return self.attempt(work) or uuid.uuid4()

    @rule(days=st.integers(0, 20))
    def time_passes(self, days: int) -> None:
        self.day += timedelta(days=days)

    @rule(
        target=payments,
        cents=st.integers(1, 800_000),
        method=st.sampled_from(PaymentMethod),
        key=st.sampled_from(["k1", "k2", "k3", None]),
    )
    def pay(self, cents: int, method: PaymentMethod, key: str | None) -> Any:
        amount = Decimal(cents) / 100
        draft = PaymentDraft(self.distributor_id, method, amount, self.day, "REF")
        payment = self.attempt(
            lambda: record_payment(
                self.session, principal=self.admin, draft=draft, idempotency_key=key
            )
        )
        return payment.id if payment else uuid.uuid4()

    @rule(payment=payments, key=st.sampled_from(["b1", "b2", None]))
    def bounce(self, payment: uuid.UUID, key: str | None) -> None:
        self.attempt(
            lambda: bounce_cheque(
                self.session,
                principal=self.admin,
                payment_id=payment,
                bounced_on=self.day,
                reason="returned",
                idempotency_key=key,
            )
        )

    @rule(
        invoice=invoices,
        qty=st.integers(0, 8),
        reason=st.sampled_from(NoteReason),
        kind=st.sampled_from([DocumentKind.CREDIT_NOTE, DocumentKind.DEBIT_NOTE]),
    )
    def note(self, invoice: uuid.UUID, qty: int, reason: NoteReason, kind: DocumentKind) -> None:
        draft = NoteDraft(
            kind,
            invoice,
            reason,
            "CN" if kind is DocumentKind.CREDIT_NOTE else "DN",
            self.day,
            [NoteLine(self.product_ids[0], qty, Decimal("1000.00"), "B1")],
        )
        self.attempt(
            lambda: issue_note(
                self.session, principal=self.admin, draft=draft, idempotency_key=None
            )
        )

    @rule(invoice=invoices, qty=st.integers(1, 8), approve=st.integers(0, 8))
    def claim(self, invoice: uuid.UUID, qty: int, approve: int) -> None:
        async def work() -> None:
            line = (
                (
                    await self.session.execute(
                        select(BillingLine)
                        .where(BillingLine.document_id == invoice)
                        .order_by(BillingLine.id)
                    )
                )
                .scalars()
                .first()
            )
            if line is None:
                raise NotFound("no invoice line")
            draft = ClaimDraft(
                self.distributor_id,
                ClaimType.DAMAGE,
                self.day,
                [ClaimLineDraft(line.id, "B1", qty, Decimal("900.00"))],
            )
            claim = await submit_claim(
                self.session, principal=self.admin, draft=draft, idempotency_key=None
            )
            claim_line = (
                await self.session.execute(select(ClaimLine).where(ClaimLine.claim_id == claim.id))
            ).scalar_one()
            await decide_claim(
                self.session,
                principal=self.admin,
                claim_id=claim.id,
                approved={claim_line.id: min(approve, qty)},
                decided_on=self.day,
                reason="checked",
            )
            await settle_claim(
                self.session, principal=self.admin, claim_id=claim.id, series="CL", on=self.day
            )

        self.attempt(work)

    @rule(invoice=invoices)
    def deliver(self, invoice: uuid.UUID) -> None:
        async def work() -> None:
            await dispatch_invoice(
                self.session, principal=self.admin, invoice_id=invoice, dispatched_on=self.day
            )
            lines = (
                (
                    await self.session.execute(
                        select(BillingLine).where(BillingLine.document_id == invoice)
                    )
                )
                .scalars()
                .all()
            )
            await deliver_invoice(
                self.session,
                principal=self.admin,
                invoice_id=invoice,
                delivered_on=self.day,
                batches=[DeliveredBatch(ln.id, "B1", ln.quantity) for ln in lines],
            )

        self.attempt(work)

    @rule(qty=st.integers(-12, 12).filter(bool), key=st.sampled_from(["a1", "a2", None]))
    def adjust(self, qty: int, key: str | None) -> None:
        draft = AdjustmentDraft(self.distributor_id, self.product_ids[0], "B1", qty, "count")
        self.attempt(
            lambda: adjust_distributor_stock(
                self.session, principal=self.admin, draft=draft, idempotency_key=key
            )
        )

    @invariant()
    def ledger_holds(self) -> None:
        if hasattr(self, "session"):
            self.run(assert_ledger_invariants(self.session, self.tenant_id))


def test_ledger_invariants_hold_under_random_operations(migrated: str) -> None:
    DB_URL["url"] = migrated
    machine_settings = settings(
        max_examples=12,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine = PrimaryLedgerMachine.TestCase
    run_state_machine.settings = machine_settings
    run_state_machine().runTest()
