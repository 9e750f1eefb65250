"""Ledger invariants, read back from the database, for tests to assert after every step."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import BillingDocument, DocumentKind, Payment
from backend.billing.statements import open_as_of
from backend.inventory.models import DistributorStock, StockMovement
from backend.ledger.models import AccountKind, Journal, JournalEntry, LedgerAccount
from backend.secondary.models import (
    SecondaryCollection,
    SecondaryDocument,
    SecondaryDocumentKind,
)


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
                    LedgerAccount.book_id.is_(None),
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
        # replaying payments, bounces and credit notes by date gives today's open amounts
        assert party_id is not None
        replayed = {k: a for k, _, _, a in await open_as_of(session, party_id, date(2100, 1, 1))}
        current = dict(
            (
                await session.execute(
                    select(BillingDocument.id, BillingDocument.open_amount).where(
                        BillingDocument.distributor_id == party_id,
                        BillingDocument.kind != DocumentKind.CREDIT_NOTE,
                        BillingDocument.open_amount > 0,
                    )
                )
            ).all()
        )
        assert replayed == current
    await _assert_retailer_receivables_match_documents(session, tenant_id)


async def _assert_retailer_receivables_match_documents(
    session: AsyncSession, tenant_id: uuid.UUID
) -> None:
    """In a distributor's book: a retailer's receivable = open invoices − open credit notes −
    collections not yet allocated."""
    accounts = (
        await session.execute(
            select(LedgerAccount.book_id, LedgerAccount.retailer_id, LedgerAccount.balance)
            .where(
                LedgerAccount.tenant_id == tenant_id,
                LedgerAccount.kind == AccountKind.RECEIVABLE,
                LedgerAccount.book_id.is_not(None),
            )
            .execution_options(populate_existing=True)
        )
    ).all()
    signed = case(
        (SecondaryDocument.kind == SecondaryDocumentKind.INVOICE, SecondaryDocument.open_amount),
        else_=-SecondaryDocument.open_amount,
    )
    open_docs: dict[tuple[Any, Any], Decimal] = {
        (book, retailer): amount
        for book, retailer, amount in (
            await session.execute(
                select(
                    SecondaryDocument.distributor_id,
                    SecondaryDocument.retailer_id,
                    func.sum(signed),
                )
                .where(SecondaryDocument.tenant_id == tenant_id)
                .group_by(SecondaryDocument.distributor_id, SecondaryDocument.retailer_id)
            )
        ).all()
    }
    on_account: dict[tuple[Any, Any], Decimal] = {
        (book, retailer): amount
        for book, retailer, amount in (
            await session.execute(
                select(
                    SecondaryCollection.distributor_id,
                    SecondaryCollection.retailer_id,
                    func.sum(SecondaryCollection.unallocated),
                )
                .where(SecondaryCollection.tenant_id == tenant_id)
                .group_by(SecondaryCollection.distributor_id, SecondaryCollection.retailer_id)
            )
        ).all()
    }
    for book_id, retailer_id, balance in accounts:
        key = (book_id, retailer_id)
        expected = Decimal(open_docs.get(key, 0)) - Decimal(on_account.get(key, 0))
        assert balance == expected, key


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
