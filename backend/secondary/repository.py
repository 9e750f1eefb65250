"""Queries of secondary orders and documents, narrowed to the retailers the principal may see,
and child rows grouped by parent for DataLoaders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.parties.models import Retailer
from backend.parties.repository import retailer_scope
from backend.secondary.models import (
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryLine,
    SecondaryLineBatch,
    SecondaryLineScheme,
    SecondaryOrder,
    SecondaryOrderLine,
    SecondaryOrderStatus,
)


def _visible_retailers(principal: Principal) -> Any:
    return select(Retailer.id).where(retailer_scope(principal)).scalar_subquery()


def orders_query(
    principal: Principal,
    *,
    retailer_id: uuid.UUID | None = None,
    status: SecondaryOrderStatus | None = None,
) -> Select[Any]:
    """Visible secondary orders, optionally of one retailer or in one status."""
    stmt = select(SecondaryOrder).where(
        SecondaryOrder.retailer_id.in_(_visible_retailers(principal))
    )
    if retailer_id is not None:
        stmt = stmt.where(SecondaryOrder.retailer_id == retailer_id)
    if status is not None:
        stmt = stmt.where(SecondaryOrder.status == status)
    return stmt


def order_sort_key() -> ColumnElement[str]:
    """Orders page by order date, then id."""
    return cast(SecondaryOrder.order_date, Text).concat(":").concat(cast(SecondaryOrder.id, Text))


def documents_query(
    principal: Principal,
    *,
    retailer_id: uuid.UUID | None = None,
    kind: SecondaryDocumentKind | None = None,
) -> Select[Any]:
    """Visible secondary invoices and credit notes."""
    stmt = select(SecondaryDocument).where(
        SecondaryDocument.retailer_id.in_(_visible_retailers(principal))
    )
    if retailer_id is not None:
        stmt = stmt.where(SecondaryDocument.retailer_id == retailer_id)
    if kind is not None:
        stmt = stmt.where(SecondaryDocument.kind == kind)
    return stmt


def document_sort_key() -> ColumnElement[str]:
    """Documents page by issue date, number, then id."""
    return (
        cast(SecondaryDocument.issued_on, Text)
        .concat(":")
        .concat(SecondaryDocument.number)
        .concat(":")
        .concat(cast(SecondaryDocument.id, Text))
    )


async def orders_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[SecondaryOrder]:
    """Visible orders with these ids (node lookups)."""
    stmt = orders_query(principal).where(SecondaryOrder.id.in_(ids))
    return (await session.execute(stmt)).scalars().all()


async def documents_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[SecondaryDocument]:
    """Visible documents with these ids (node lookups)."""
    stmt = documents_query(principal).where(SecondaryDocument.id.in_(ids))
    return (await session.execute(stmt)).scalars().all()


async def _grouped(
    session: AsyncSession, stmt: Select[Any], key: Any, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    grouped: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    for row in (await session.execute(stmt)).scalars():
        grouped[getattr(row, key)].append(row)
    return grouped


async def lines_of_orders(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SecondaryOrderLine]]:
    """Order lines by order."""
    stmt = (
        select(SecondaryOrderLine)
        .where(SecondaryOrderLine.order_id.in_(ids))
        .order_by(SecondaryOrderLine.order_id, SecondaryOrderLine.line_no)
    )
    return await _grouped(session, stmt, "order_id", ids)


async def lines_of_documents(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SecondaryLine]]:
    """Document lines by document."""
    stmt = (
        select(SecondaryLine)
        .where(SecondaryLine.document_id.in_(ids))
        .order_by(SecondaryLine.document_id, SecondaryLine.line_no)
    )
    return await _grouped(session, stmt, "document_id", ids)


async def batches_of_lines(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SecondaryLineBatch]]:
    """Batch picks by document line, earliest expiry first."""
    stmt = (
        select(SecondaryLineBatch)
        .where(SecondaryLineBatch.line_id.in_(ids))
        .order_by(
            SecondaryLineBatch.line_id,
            SecondaryLineBatch.expires_on.nulls_last(),
            SecondaryLineBatch.batch,
        )
    )
    return await _grouped(session, stmt, "line_id", ids)


async def schemes_of_lines(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SecondaryLineScheme]]:
    """Applied schemes by document line."""
    stmt = (
        select(SecondaryLineScheme)
        .where(SecondaryLineScheme.line_id.in_(ids))
        .order_by(SecondaryLineScheme.line_id, SecondaryLineScheme.scheme_code)
    )
    return await _grouped(session, stmt, "line_id", ids)
