"""Random secondary orders, FEFO invoices (with schemes), collections (some retried by a phone),
returns, releases and cancellations, on top of the primary ledger; after every step every entry
balances, the ledger sums to zero, cached balances replay, nothing is posted twice, retailer
receivables match open documents, and stock equals its movements and is never negative."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from backend.kit.errors import JalurError
from backend.ledger.models import JournalEntry
from backend.orders.models import CreditAction
from backend.schemes.rules import Scheme, SchemeKind
from backend.secondary.billing import bill_order
from backend.secondary.collections import CollectionDraft, record_collection
from backend.secondary.models import (
    CollectionMethod,
    ReturnReason,
    SecondaryLine,
    SecondaryLineBatch,
    ShortfallPolicy,
)
from backend.secondary.ordering import (
    SecondaryLineDraft,
    SecondaryOrderDraft,
    cancel_order,
    place_secondary_order,
    release_order,
)
from backend.secondary.returns import ReturnDraft, ReturnLineDraft, record_return
from backend.secondary.schemes import StaticSchemes
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.secondary import SALE_DAY, give_credit, make_secondary_world, receive

T = TypeVar("T")
DB_URL: dict[str, str] = {}
SCHEMES = StaticSchemes(
    [
        Scheme(
            code="PCT3",
            kind=SchemeKind.PERCENT_DISCOUNT,
            valid_from=date(2026, 1, 1),
            valid_to=date(2027, 12, 31),
            percent=Decimal("3"),
        ),
        Scheme(
            code="B4G1",
            kind=SchemeKind.BUY_X_GET_Y,
            valid_from=date(2026, 1, 1),
            valid_to=date(2027, 12, 31),
            buy_quantity=4,
            free_quantity=1,
        ),
    ]
)


class SecondaryLedgerMachine(RuleBasedStateMachine):
    """Drives the secondary services in one rolled-back transaction, each rule in a savepoint."""

    orders = Bundle("orders")
    invoices = Bundle("invoices")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.day = SALE_DAY
        self.batches = 0

    def run(self, work: Awaitable[T]) -> T:
        return self.loop.run_until_complete(work)

    @initialize(shortfall=st.sampled_from(ShortfallPolicy), action=st.sampled_from(CreditAction))
    def set_up(self, shortfall: ShortfallPolicy, action: CreditAction) -> None:
        self.run(self._open(shortfall, action))

    async def _open(self, shortfall: ShortfallPolicy, action: CreditAction) -> None:
        self.engine = create_async_engine(DB_URL["url"], poolclass=NullPool)
        self.conn: AsyncConnection = await self.engine.connect()
        self.tx = await self.conn.begin()
        self.session = AsyncSession(
            bind=self.conn,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )
        self.world = await make_secondary_world(
            self.session, shortfall=shortfall, credit_action=action
        )
        await give_credit(self.session, self.world, self.world.retailers[0], "40000.00", days=7)

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

    @rule(product=st.integers(0, 1), qty=st.integers(1, 12), expiry_days=st.integers(-5, 90))
    def receive_stock(self, product: int, qty: int, expiry_days: int) -> None:
        self.batches += 1
        self.attempt(
            lambda: receive(
                self.session,
                self.world,
                self.world.products[product],
                f"B{self.batches}",
                qty,
                self.day + timedelta(days=expiry_days),
            )
        )

    @rule(target=orders, q0=st.integers(0, 9), q1=st.integers(0, 5), retailer=st.integers(0, 1))
    def place(self, q0: int, q1: int, retailer: int) -> Any:
        lines = [
            SecondaryLineDraft(p.id, q)
            for p, q in zip(self.world.products, (q0, q1), strict=True)
            if q
        ]
        draft = SecondaryOrderDraft(self.world.retailers[retailer].id, lines, self.day)
        order = self.attempt(
            lambda: place_secondary_order(
                self.session, principal=self.world.desk, draft=draft, idempotency_key=None
            )
        )
        return order.id if order else uuid.uuid4()

    @rule(target=invoices, order=orders, key=st.sampled_from(["b1", "b2", None]))
    def bill(self, order: uuid.UUID, key: str | None) -> Any:
        doc = self.attempt(
            lambda: bill_order(
                self.session,
                principal=self.world.desk,
                order_id=order,
                issued_on=self.day,
                schemes=SCHEMES,
                idempotency_key=key,
            )
        )
        return doc.id if doc else uuid.uuid4()

    @rule(order=orders)
    def release(self, order: uuid.UUID) -> None:
        self.attempt(
            lambda: release_order(
                self.session, principal=self.world.admin, order_id=order, reason="agreed"
            )
        )

    @rule(order=orders)
    def cancel(self, order: uuid.UUID) -> None:
        self.attempt(lambda: cancel_order(self.session, principal=self.world.desk, order_id=order))

    @rule(days=st.integers(0, 15))
    def time_passes(self, days: int) -> None:
        self.day += timedelta(days=days)

    @rule(
        cents=st.integers(1, 1_500_000),
        retailer=st.integers(0, 1),
        key=st.sampled_from(["c1", "c2", "c3", None]),
    )
    def collect(self, cents: int, retailer: int, key: str | None) -> None:
        draft = CollectionDraft(
            self.world.retailers[retailer].id,
            CollectionMethod.CASH,
            Decimal(cents) / 100,
            self.day,
        )
        self.attempt(
            lambda: record_collection(
                self.session, principal=self.world.desk, draft=draft, idempotency_key=key
            )
        )

    @rule(invoice=invoices, qty=st.integers(1, 6), reason=st.sampled_from(ReturnReason))
    def give_back(self, invoice: uuid.UUID, qty: int, reason: ReturnReason) -> None:
        async def work() -> None:
            row = (
                await self.session.execute(
                    select(SecondaryLine.id, SecondaryLineBatch.batch)
                    .join(SecondaryLineBatch, SecondaryLineBatch.line_id == SecondaryLine.id)
                    .where(SecondaryLine.document_id == invoice)
                    .order_by(SecondaryLineBatch.id)
                    .limit(1)
                )
            ).first()
            if row is None:
                raise JalurError("no such invoice line", code="NOT_FOUND")
            await record_return(
                self.session,
                principal=self.world.desk,
                schemes=SCHEMES,
                idempotency_key=None,
                draft=ReturnDraft(
                    invoice, reason, self.day, [ReturnLineDraft(row[0], row[1], qty)]
                ),
            )

        self.attempt(work)

    @invariant()
    def ledger_holds(self) -> None:
        if hasattr(self, "session"):
            self.run(assert_ledger_invariants(self.session, self.world.tenant.id))


def test_ledger_invariants_hold_with_secondary_documents(migrated: str) -> None:
    DB_URL["url"] = migrated
    machine_settings = settings(
        max_examples=10,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine = SecondaryLedgerMachine.TestCase
    run_state_machine.settings = machine_settings
    run_state_machine().runTest()
