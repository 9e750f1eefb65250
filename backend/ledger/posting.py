"""Posting balanced journals and reversing them.

An account lives in a book: the brand's own (book None) or a distributor's (secondary sales,
where the receivable is per retailer). Accounts are found or created by key; entries are written in account-id order, so concurrent
postings lock the cached balances (updated by the entry trigger) in one order and cannot deadlock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.ledger.errors import AlreadyPosted, UnbalancedJournal
from backend.ledger.models import AccountKind, Journal, JournalEntry, LedgerAccount

PARTY_KINDS = frozenset({AccountKind.RECEIVABLE})
REVERSAL = "REVERSAL"


@dataclass(frozen=True)
class Leg:
    """One side of a posting: an account kind (per party when the kind is), and a signed amount."""

    kind: AccountKind
    amount: Decimal
    party_id: uuid.UUID | None = None
    book_id: uuid.UUID | None = None


# (kind, party, book): one account. The party is a distributor in the brand's book and a
# retailer in a distributor's book.
AccountRef = tuple[AccountKind, uuid.UUID | None, uuid.UUID | None]


@dataclass(frozen=True)
class Source:
    """The document a journal posts: its type, id and the purpose of the posting."""

    type: str
    id: uuid.UUID
    purpose: str = "POST"


def account_key(
    kind: AccountKind, party_id: uuid.UUID | None, book_id: uuid.UUID | None = None
) -> str:
    """The account's unique key inside the tenant (prefixed by the distributor's book)."""
    key = f"{kind.value}:{party_id}" if kind in PARTY_KINDS else kind.value
    return key if book_id is None else f"{book_id}/{key}"


async def account_id(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    kind: AccountKind,
    party_id: uuid.UUID | None,
    currency: str,
    book_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """The id of the account for `kind` (and party, in a book), created on first use."""
    key = account_key(kind, party_id, book_id)
    party = party_id if kind in PARTY_KINDS else None
    await session.execute(
        insert(LedgerAccount)
        .values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            key=key,
            kind=kind,
            party_id=party if book_id is None else None,
            book_id=book_id,
            retailer_id=party if book_id is not None else None,
            currency=currency,
            balance=Decimal("0.00"),
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "key"])
    )
    stmt = select(LedgerAccount.id).where(
        LedgerAccount.tenant_id == tenant_id, LedgerAccount.key == key
    )
    return (await session.execute(stmt)).scalar_one()


async def account_ids(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    wanted: list[AccountRef],
    currency: str,
) -> dict[AccountRef, uuid.UUID]:
    """Ids of several accounts in one query, creating the missing ones."""
    keys = {account_key(*ref): ref for ref in wanted}
    stmt = select(LedgerAccount.key, LedgerAccount.id).where(
        LedgerAccount.tenant_id == tenant_id, LedgerAccount.key.in_(list(keys))
    )
    found = {key: acc for key, acc in (await session.execute(stmt)).all()}
    for key in sorted(set(keys) - set(found)):
        kind, party, book = keys[key]
        found[key] = await account_id(
            session, tenant_id=tenant_id, kind=kind, party_id=party, currency=currency, book_id=book
        )
    return {keys[key]: acc for key, acc in found.items()}


def net_legs(legs: Sequence[Leg]) -> dict[AccountRef, Decimal]:
    """Merge legs on the same account, drop those that cancel, and check the rest balance."""
    merged: dict[AccountRef, Decimal] = defaultdict(Decimal)
    for leg in legs:
        party = leg.party_id if leg.kind in PARTY_KINDS else None
        merged[(leg.kind, party, leg.book_id)] += leg.amount
    kept = {k: v for k, v in merged.items() if v != 0}
    if not kept or sum(kept.values(), Decimal(0)) != 0:
        raise UnbalancedJournal("a journal needs entries that sum to zero")
    return kept


async def post(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    source: Source,
    legs: Sequence[Leg],
    posted_on: date,
    memo: str,
    currency: str,
    party_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    reverses_id: uuid.UUID | None = None,
) -> Journal:
    """Post one balanced journal for `source`; a second posting of the same source is refused."""
    amounts = net_legs(legs)
    journal_id = uuid.uuid4()
    inserted = await session.execute(
        insert(Journal)
        .values(
            id=journal_id,
            tenant_id=tenant_id,
            source_type=source.type,
            source_id=source.id,
            purpose=source.purpose,
            party_id=party_id,
            reverses_id=reverses_id,
            posted_on=posted_on,
            memo=memo[:200],
            created_by=actor_id,
        )
        .on_conflict_do_nothing()
        .returning(Journal.id)
    )
    if inserted.first() is None:
        raise AlreadyPosted(f"{source.type} {source.id} is already posted ({source.purpose})")
    ids = await account_ids(session, tenant_id=tenant_id, wanted=list(amounts), currency=currency)
    accounts = sorted((ids[key], amount) for key, amount in amounts.items())
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": tenant_id,
            "journal_id": journal_id,
            "account_id": acc,
            "amount": amount,
        }
        for acc, amount in accounts
    ]
    await session.execute(insert(JournalEntry), rows)
    return await session.get_one(Journal, journal_id)


async def reverse(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    journal: Journal,
    posted_on: date,
    memo: str,
    currency: str,
    actor_id: uuid.UUID | None = None,
) -> Journal:
    """Post the mirror image of `journal`; a journal is reversed at most once."""
    stmt = (
        select(
            LedgerAccount.kind,
            func.coalesce(LedgerAccount.party_id, LedgerAccount.retailer_id),
            LedgerAccount.book_id,
            JournalEntry.amount,
        )
        .join(LedgerAccount, LedgerAccount.id == JournalEntry.account_id)
        .where(JournalEntry.tenant_id == tenant_id, JournalEntry.journal_id == journal.id)
    )
    entries = (await session.execute(stmt)).all()
    legs = [
        Leg(kind=kind, amount=-amount, party_id=party, book_id=book)
        for kind, party, book, amount in entries
    ]
    return await post(
        session,
        tenant_id=tenant_id,
        source=Source(journal.source_type, journal.source_id, REVERSAL),
        legs=legs,
        posted_on=posted_on,
        memo=memo,
        currency=currency,
        party_id=journal.party_id,
        actor_id=actor_id,
        reverses_id=journal.id,
    )


async def find_journal(
    session: AsyncSession, *, tenant_id: uuid.UUID, source: Source
) -> Journal | None:
    """The journal that posted `source` for its purpose, if any."""
    stmt = select(Journal).where(
        Journal.tenant_id == tenant_id,
        Journal.source_type == source.type,
        Journal.source_id == source.id,
        Journal.purpose == source.purpose,
    )
    return (await session.execute(stmt)).scalar_one_or_none()
