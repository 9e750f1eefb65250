"""A retailer's statement of account at its distributor (the primary statement, generalised to
a party's receivable in the distributor's book)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.statements import OpenDocument, Statement, receivable_statement
from backend.identity.models import Tenant
from backend.kit.errors import ValidationFailed
from backend.secondary.credit import load_retailer, retailer_receivable_key
from backend.secondary.models import SecondaryDocument, SecondaryDocumentKind


async def retailer_statement(
    session: AsyncSession, *, principal: Principal, retailer_id: uuid.UUID, start: date, end: date
) -> Statement:
    """Opening, postings with running balance, closing; ageing, DSO and overdue % at `end`."""
    retailer = await load_retailer(session, principal, retailer_id, field="retailerId")
    if end < start or (end - start).days > 366 * 3:
        raise ValidationFailed("give a period of at most three years, start ≤ end", field="to")
    docs = (
        await session.execute(
            select(
                SecondaryDocument.issued_on,
                SecondaryDocument.due_on,
                SecondaryDocument.open_amount,
            ).where(
                SecondaryDocument.retailer_id == retailer.id,
                SecondaryDocument.kind == SecondaryDocumentKind.INVOICE,
                SecondaryDocument.open_amount > 0,
                SecondaryDocument.issued_on <= end,
            )
        )
    ).all()
    signed = func.sum(
        case(
            (
                SecondaryDocument.kind == SecondaryDocumentKind.CREDIT_NOTE,
                -SecondaryDocument.total,
            ),
            else_=SecondaryDocument.total,
        )
    )
    sales = await session.scalar(
        select(func.coalesce(signed, 0)).where(
            SecondaryDocument.retailer_id == retailer.id,
            SecondaryDocument.issued_on.between(start, end),
        )
    )
    tenant = await session.get_one(Tenant, principal.tenant_id)
    return await receivable_statement(
        session,
        party_id=retailer.id,
        account=retailer_receivable_key(retailer),
        currency=tenant.currency,
        start=start,
        end=end,
        open_documents=[OpenDocument(*row) for row in docs],
        sales=Decimal(sales or 0),
    )
