"""Ledger invariants, read back from the database, for tests to assert after every step."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import BillingDocument, DocumentKind, Payment
from backend.inventory.models import DistributorStock, StockMovement
from backend.ledger.models import AccountKind, Journal, JournalEntry, LedgerAccount


async def assert_ledger_invariants(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Every journal balances, the ledger sums to zero, balances replay, documents post once,
    receivables match open documents, stock equals its movements and is never negative."""
    unbalanced = (
        await session.execute(
            select(JournalEntry.journal_id)
            .where(JournalEntry.tenant_id == tenant_id)
            .group_by(JournalEntry.journal_id)
            .having(func.sum(JournalEntry.amount) != 0)
        )
    ).all()
    assert unbalanced == []
    total = await session.scalar(
        select(func.coalesce(func.sum(JournalEntry.amount), 0)).where(
            JournalEntry.tenant_id == tenant_id
        )
    )
    assert total == 0
    replay = dict(
        (
            await session.execute(
                select(JournalEntry.account_id, func.sum(JournalEntry.amount))
                .where(JournalEntry.tenant_id == tenant_id)
                .group_by(JournalEntry.account_id)
            )
        ).all()
    )
    for account in (
        await session.execute(
            select(LedgerAccount)
            .where(LedgerAccount.tenant_id == tenant_id)
            .execution_options(populate_existing=True)
        )
    ).scalars():
        assert account.balance == replay.get(account.id, Decimal(0)), account.key
    twice = (
        await session.execute(
            select(Journal.source_id, Journal.purpose)
            .where(Journal.tenant_id == tenant_id)
            .group_by(Journal.source_type, Journal.source_id, Journal.purpose)
            .having(func.count() > 1)
        )
    ).all()
    assert twice == []
    await _assert_receivables_match_documents(session, tenant_id)
    await _assert_stock_matches_movements(session, tenant_id)


async def _assert_receivables_match_documents(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    receivables = dict(
        (
            await session.execute(
                select(LedgerAccount.party_id, LedgerAccount.balance)
                .where(
                    LedgerAccount.tenant_id == tenant_id,
                    LedgerAccount.kind == AccountKind.RECEIVABLE,
                )
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    for party_id, balance in receivables.items():
        docs = (
            await session.execute(
                select(BillingDocument.kind, BillingDocument.open_amount).where(
                    BillingDocument.distributor_id == party_id
                )
            )
        ).all()
        open_docs = sum(
            (a if k is not DocumentKind.CREDIT_NOTE else -a for k, a in docs), Decimal(0)
        )
        on_account = await session.scalar(
            select(func.coalesce(func.sum(Payment.unallocated), 0)).where(
                Payment.distributor_id == party_id
            )
        )
        assert balance == open_docs - Decimal(on_account or 0)


async def _assert_stock_matches_movements(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    moved = dict(
        (
            await session.execute(
                select(StockMovement.stock_id, func.sum(StockMovement.quantity))
                .where(StockMovement.tenant_id == tenant_id)
                .group_by(StockMovement.stock_id)
            )
        ).all()
    )
    for stock in (
        await session.execute(
            select(DistributorStock)
            .where(DistributorStock.tenant_id == tenant_id)
            .execution_options(populate_existing=True)
        )
    ).scalars():
        assert stock.quantity >= 0
        assert stock.quantity == moved.get(stock.id, 0)
