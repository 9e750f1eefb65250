"""Queries for billing documents and payments, narrowed to visible distributors."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.models import (
    BillingDocument,
    BillingLine,
    BillingLineScheme,
    BillingLineTax,
    Payment,
)
from backend.orders.repository import visible_distributors


async def lock_document(
    session: AsyncSession, principal: Principal, document_id: uuid.UUID
) -> BillingDocument | None:
    """A visible document, locked for update."""
    stmt = (
        select(BillingDocument)
        .where(
            BillingDocument.id == document_id,
            BillingDocument.distributor_id.in_(visible_distributors(principal).scalar_subquery()),
        )
        .with_for_update(key_share=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def documents_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[BillingDocument]:
    """Visible documents with these ids."""
    stmt = select(BillingDocument).where(
        BillingDocument.id.in_(ids),
        BillingDocument.distributor_id.in_(visible_distributors(principal).scalar_subquery()),
    )
    return (await session.execute(stmt)).scalars().all()


def documents_query(principal: Principal, *, distributor_id: uuid.UUID | None) -> Select[Any]:
    """Visible documents, optionally of one distributor."""
    stmt = select(BillingDocument).where(
        BillingDocument.distributor_id.in_(visible_distributors(principal).scalar_subquery())
    )
    if distributor_id is not None:
        stmt = stmt.where(BillingDocument.distributor_id == distributor_id)
    return stmt


async def lines_of_documents(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[BillingLine]]:
    """Lines of these documents, by document, in line order."""
    stmt = (
        select(BillingLine)
        .where(BillingLine.document_id.in_(ids))
        .order_by(BillingLine.document_id, BillingLine.line_no)
    )
    grouped: dict[uuid.UUID, list[BillingLine]] = {i: [] for i in ids}
    for line in (await session.execute(stmt)).scalars():
        grouped[line.document_id].append(line)
    return grouped


async def lock_payment(
    session: AsyncSession, principal: Principal, payment_id: uuid.UUID
) -> Payment | None:
    """A visible payment, locked for update."""
    stmt = (
        select(Payment)
        .where(
            Payment.id == payment_id,
            Payment.distributor_id.in_(visible_distributors(principal).scalar_subquery()),
        )
        .with_for_update(key_share=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def taxes_of_documents(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[BillingLineTax]]:
    """Tax components of these documents' lines, by document."""
    stmt = (
        select(BillingLineTax)
        .where(BillingLineTax.document_id.in_(ids))
        .order_by(BillingLineTax.document_id, BillingLineTax.name, BillingLineTax.id)
    )
    grouped: dict[uuid.UUID, list[BillingLineTax]] = {i: [] for i in ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.document_id].append(row)
    return grouped


def payments_query(principal: Principal, *, distributor_id: uuid.UUID | None) -> Select[Any]:
    """Visible payments, optionally of one distributor."""
    stmt = select(Payment).where(
        Payment.distributor_id.in_(visible_distributors(principal).scalar_subquery())
    )
    if distributor_id is not None:
        stmt = stmt.where(Payment.distributor_id == distributor_id)
    return stmt


def payment_key() -> ColumnElement[str]:
    """Payments in the order received: the date, then the id."""
    return func.to_char(Payment.received_on, "YYYYMMDD").concat(":").concat(cast(Payment.id, Text))


def payment_value(row: Payment) -> str:
    """The Python value of `payment_key` for a row."""
    return f"{row.received_on:%Y%m%d}:{row.id}"


async def payments_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Payment]:
    """Visible payments with these ids."""
    stmt = payments_query(principal, distributor_id=None).where(Payment.id.in_(ids))
    return (await session.execute(stmt)).scalars().all()


async def schemes_of_billing_lines(
    session: AsyncSession, line_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[BillingLineScheme]]:
    """PRIMARY schemes applied to these document lines, by line, by code."""
    stmt = (
        select(BillingLineScheme)
        .where(BillingLineScheme.line_id.in_(line_ids))
        .order_by(BillingLineScheme.line_id, BillingLineScheme.scheme_code)
    )
    grouped: dict[uuid.UUID, list[BillingLineScheme]] = {i: [] for i in line_ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[row.line_id].append(row)
    return grouped
