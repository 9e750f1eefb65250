"""A tenant's primary-sales settings, with defaults when none were saved."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backend.ledger.numbering import DEFAULT_FORMAT
from backend.orders.models import CreditAction, PrimarySettings


def default_settings(tenant_id: uuid.UUID) -> PrimarySettings:
    """Hold on credit failure, calendar fiscal year, SERIES/YYYY/NNNNN numbers."""
    return PrimarySettings(
        tenant_id=tenant_id,
        credit_action=CreditAction.HOLD,
        fiscal_year_start_month=1,
        number_format=DEFAULT_FORMAT,
        home_state=None,
        enforce_case_multiples=False,
    )


async def primary_settings(session: AsyncSession, tenant_id: uuid.UUID) -> PrimarySettings:
    """The tenant's saved settings, or the defaults."""
    saved = await session.get(PrimarySettings, tenant_id)
    return saved if saved is not None else default_settings(tenant_id)
