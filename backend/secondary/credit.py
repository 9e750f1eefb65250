"""Retailer credit at its distributor: limit and credit days, checked when an order is placed,
when a captured order is synced, and again at billing (the primary flow's figures and rules).

A retailer without a `retailer_credit` row is not credit-controlled. Callers that decide hold
the retailer row locked (FOR UPDATE), so concurrent orders of one retailer are decided in turn.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.catalog.models import Product
from backend.identity.models import Role, Tenant
from backend.kit.errors import JalurError, NotFound, ValidationFailed
from backend.ledger.models import AccountKind, LedgerAccount
from backend.ledger.posting import account_key
from backend.orders.credit import CreditFigures, credit_problem
from backend.parties.models import Retailer
from backend.parties.repository import retailer_scope
from backend.pricing.tax import line_tax
from backend.secondary.models import (
    RetailerCredit,
    SecondaryDocument,
    SecondaryDocumentKind,
    SecondaryOrder,
    SecondaryOrderLine,
    SecondaryOrderStatus,
)

EXPOSED = (SecondaryOrderStatus.OPEN, SecondaryOrderStatus.PARTLY_BILLED)


def retailer_receivable_key(retailer: Retailer) -> str:
    """The key of the retailer's receivable in its distributor's book."""
    return account_key(AccountKind.RECEIVABLE, retailer.id, retailer.distributor_id)


async def load_retailer(
    session: AsyncSession,
    principal: Principal,
    retailer_id: uuid.UUID,
    *,
    field: str,
    lock: bool = False,
) -> Retailer:
    """A retailer the principal may act on (locked when deciding credit)."""
    stmt = select(Retailer).where(Retailer.id == retailer_id, retailer_scope(principal))
    if lock:
        stmt = stmt.with_for_update()
    retailer = (await session.execute(stmt)).scalar_one_or_none()
    if retailer is None:
        raise NotFound("no such retailer", field=field)
    return retailer


async def retailer_credit_figures(
    session: AsyncSession,
    retailer: Retailer,
    *,
    this_order: Decimal,
    today: date,
    exclude_order_id: uuid.UUID | None = None,
) -> CreditFigures | None:
    """Receivable, unbilled open orders (gross) and overdue invoices; None when not
    credit-controlled."""
    credit = await session.get(RetailerCredit, (retailer.tenant_id, retailer.id))
    if credit is None:
        return None
    receivable = await session.scalar(
        select(LedgerAccount.balance).where(LedgerAccount.key == retailer_receivable_key(retailer))
    )
    # Unbilled quantities count at their gross (tax included), as the order total they were
    # credit-checked with, and as the receivable they become when billed.
    unbilled = (
        select(
            Product.tax_class,
            SecondaryOrderLine.unit_price
            * (SecondaryOrderLine.quantity - SecondaryOrderLine.billed_quantity),
        )
        .join(Product, Product.id == SecondaryOrderLine.product_id)
        .where(
            SecondaryOrderLine.order_id == SecondaryOrder.id,
            SecondaryOrder.retailer_id == retailer.id,
            SecondaryOrder.status.in_(EXPOSED),
            SecondaryOrderLine.quantity > SecondaryOrderLine.billed_quantity,
        )
    )
    if exclude_order_id is not None:
        unbilled = unbilled.where(SecondaryOrder.id != exclude_order_id)
    tenant = await session.get_one(Tenant, retailer.tenant_id)
    open_orders = sum(
        (
            line_tax(tenant.tax_regime, tax_class, net).gross
            for tax_class, net in (await session.execute(unbilled)).all()
        ),
        Decimal("0.00"),
    )
    overdue = (
        await session.execute(
            select(func.coalesce(func.sum(SecondaryDocument.open_amount), 0), func.count()).where(
                SecondaryDocument.retailer_id == retailer.id,
                SecondaryDocument.kind == SecondaryDocumentKind.INVOICE,
                SecondaryDocument.open_amount > 0,
                SecondaryDocument.due_on < today,
            )
        )
    ).one()
    return CreditFigures(
        limit=credit.credit_limit,
        receivable=Decimal(receivable or 0),
        open_orders=open_orders,
        this_order=this_order,
        overdue_amount=Decimal(overdue[0]),
        overdue_documents=int(overdue[1]),
    )


async def retailer_credit_problem(
    session: AsyncSession,
    retailer: Retailer,
    *,
    this_order: Decimal,
    today: date,
    exclude_order_id: uuid.UUID | None = None,
) -> JalurError | None:
    """Why the retailer fails the credit check (with the figures), or None."""
    figures = await retailer_credit_figures(
        session, retailer, this_order=this_order, today=today, exclude_order_id=exclude_order_id
    )
    return None if figures is None else credit_problem(figures)


async def credit_days_of(session: AsyncSession, retailer: Retailer) -> int:
    """The retailer's credit days (0, cash on delivery, when not credit-controlled)."""
    credit = await session.get(RetailerCredit, (retailer.tenant_id, retailer.id))
    return 0 if credit is None else credit.credit_days


@dataclass(frozen=True)
class RetailerCreditDraft:
    """A retailer's credit limit and days at its distributor."""

    retailer_id: uuid.UUID
    credit_limit: Decimal
    credit_days: int


async def set_retailer_credit(
    session: AsyncSession, *, principal: Principal, draft: RetailerCreditDraft
) -> RetailerCredit:
    """Create or change a retailer's credit terms (ADMIN, or its distributor)."""
    principal.require(Role.ADMIN, Role.DISTRIBUTOR)
    retailer = await load_retailer(session, principal, draft.retailer_id, field="input.retailerId")
    if draft.credit_limit < 0 or draft.credit_limit != draft.credit_limit.quantize(Decimal("0.01")):
        raise ValidationFailed("an amount in cents, 0 or more", field="input.creditLimit")
    if not 0 <= draft.credit_days <= 365:
        raise ValidationFailed("0 to 365 days", field="input.creditDays")
    row = await session.get(RetailerCredit, (retailer.tenant_id, retailer.id), with_for_update=True)
    values = asdict(draft)
    if row is None:
        row = RetailerCredit(tenant_id=retailer.tenant_id, **values)
        session.add(row)
    else:
        row.credit_limit = draft.credit_limit
        row.credit_days = draft.credit_days
    await session.flush()
    return row
