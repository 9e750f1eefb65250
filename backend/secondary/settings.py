"""A tenant's secondary-sales settings, with defaults when none were saved, and their changes."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.identity.models import Role
from backend.kit.validation import Checks
from backend.ledger.numbering import DEFAULT_FORMAT, format_number
from backend.orders.models import CreditAction
from backend.secondary.models import SecondarySettings, ShortfallPolicy

DEFAULT_RETURN_WINDOW_DAYS = 30


def default_settings(tenant_id: uuid.UUID) -> SecondarySettings:
    """Hold on a failed credit check, refuse a short line, 30-day returns, SERIES/YYYY/NNNNN."""
    return SecondarySettings(
        tenant_id=tenant_id,
        credit_action=CreditAction.HOLD,
        shortfall=ShortfallPolicy.REFUSE,
        return_window_days=DEFAULT_RETURN_WINDOW_DAYS,
        number_format=DEFAULT_FORMAT,
    )


async def secondary_settings(session: AsyncSession, tenant_id: uuid.UUID) -> SecondarySettings:
    """The tenant's saved settings, or the defaults."""
    saved = await session.get(SecondarySettings, tenant_id)
    return saved if saved is not None else default_settings(tenant_id)


@dataclass(frozen=True)
class SecondarySettingsDraft:
    """Changes; None leaves a setting as it is."""

    credit_action: CreditAction | None = None
    shortfall: ShortfallPolicy | None = None
    return_window_days: int | None = None
    number_format: str | None = None


async def configure_secondary(
    session: AsyncSession, *, principal: Principal, draft: SecondarySettingsDraft
) -> SecondarySettings:
    """Save the tenant's secondary settings (ADMIN)."""
    principal.require(Role.ADMIN)
    current = await session.get(SecondarySettings, principal.tenant_id, with_for_update=True)
    settings = current or default_settings(principal.tenant_id)
    for name, value in asdict(draft).items():
        if value is not None:
            setattr(settings, name, value)
    checks = Checks()
    if not 0 <= settings.return_window_days <= 365:
        checks.fail("input.returnWindowDays", "0 to 365 days")
    checks.raise_if_any()
    format_number(settings.number_format, series="SI", fy="2627", n=99_999)
    if current is None:
        session.add(settings)
    await session.flush()
    return settings
