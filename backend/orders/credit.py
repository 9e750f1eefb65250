"""The credit check: outstanding plus open orders plus this order within the limit, nothing overdue.

Callers hold the distributor row locked (FOR UPDATE) while they check and change order states, so
concurrent submissions and approvals for one distributor are decided one after another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import BillingDocument, DocumentKind
from backend.ledger.models import AccountKind, LedgerAccount
from backend.ledger.posting import account_key
from backend.orders.errors import CreditLimitExceeded, OverdueInvoices
from backend.orders.models import OrderStatus, PrimaryOrder
from backend.parties.models import Distributor

EXPOSED_STATUSES = (OrderStatus.APPROVED, OrderStatus.PARTLY_INVOICED)


@dataclass(frozen=True)
class CreditFigures:
    """What the decision was based on."""

    limit: Decimal
    receivable: Decimal
    open_orders: Decimal
    this_order: Decimal
    overdue_amount: Decimal
    overdue_documents: int

    @property
    def exposure(self) -> Decimal:
        """Receivable + approved-but-uninvoiced orders + this order."""
        return self.receivable + self.open_orders + self.this_order

    def as_details(self) -> dict[str, Any]:
        """The figures as strings, for a transition's details and an error's extensions."""
        return {
            "limit": str(self.limit),
            "receivable": str(self.receivable),
            "openOrders": str(self.open_orders),
            "thisOrder": str(self.this_order),
            "exposure": str(self.exposure),
            "overdueAmount": str(self.overdue_amount),
            "overdueDocuments": self.overdue_documents,
        }


async def credit_figures(
    session: AsyncSession, distributor: Distributor, order: PrimaryOrder, *, today: date
) -> CreditFigures:
    """Read the distributor's receivable, open orders and overdue documents."""
    receivable = await session.scalar(
        select(LedgerAccount.balance).where(
            LedgerAccount.tenant_id == distributor.tenant_id,
            LedgerAccount.key == account_key(AccountKind.RECEIVABLE, distributor.id),
        )
    )
    open_orders = await session.scalar(
        select(
            func.coalesce(
                func.sum(func.greatest(PrimaryOrder.total - PrimaryOrder.invoiced_total, 0)), 0
            )
        ).where(
            PrimaryOrder.distributor_id == distributor.id,
            PrimaryOrder.status.in_(EXPOSED_STATUSES),
            PrimaryOrder.id != order.id,
        )
    )
    overdue = (
        await session.execute(
            select(func.coalesce(func.sum(BillingDocument.open_amount), 0), func.count()).where(
                BillingDocument.distributor_id == distributor.id,
                BillingDocument.kind.in_((DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)),
                BillingDocument.open_amount > 0,
                BillingDocument.due_on < today,
            )
        )
    ).one()
    return CreditFigures(
        limit=distributor.credit_limit,
        receivable=Decimal(receivable or 0),
        open_orders=Decimal(open_orders or 0),
        this_order=order.total,
        overdue_amount=Decimal(overdue[0]),
        overdue_documents=int(overdue[1]),
    )


def credit_problem(figures: CreditFigures) -> CreditLimitExceeded | OverdueInvoices | None:
    """The reason the order fails the check, or None when it passes."""
    if figures.overdue_documents:
        return OverdueInvoices(
            f"{figures.overdue_documents} invoice(s) overdue past credit days,"
            f" {figures.overdue_amount} open",
            details=figures.as_details(),
        )
    if figures.exposure > figures.limit:
        return CreditLimitExceeded(
            f"exposure {figures.exposure} would exceed the credit limit {figures.limit}",
            details=figures.as_details(),
        )
    return None
