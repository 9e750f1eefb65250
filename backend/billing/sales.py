"""Primary sales of a distributor: invoices and debit notes less credit notes, net of tax."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, select

from backend.billing.models import BillingDocument, DocumentKind


def primary_sales_query(distributor_id: uuid.UUID, start: date, end: date) -> Select[Any]:
    """One value: net billed to the distributor with documents dated start..end (0 when none)."""
    signed = case(
        (BillingDocument.kind == DocumentKind.CREDIT_NOTE, -BillingDocument.net),
        else_=BillingDocument.net,
    )
    return select(func.coalesce(func.sum(signed), 0)).where(
        BillingDocument.distributor_id == distributor_id,
        BillingDocument.issued_on.between(start, end),
    )
