"""The scheme dependencies billing and returns take: which schemes apply, their budgets, and
the accruals the brand reimburses.

The schemes domain stores schemes, budgets and accruals (`backend.schemes.service`,
`backend.schemes.claims`); billing and returns receive them as a `SchemeSource`, so they run with
in-memory scheme lists in tests and benchmarks (`StaticSchemes`) and with the stored ones in the
app (`StoredSchemes`, returned by `app_scheme_source`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.parties.models import Retailer
from backend.schemes import claims as scheme_claims
from backend.schemes import service as scheme_service
from backend.schemes.claims import AccrualReversal, AppliedSchemeLine
from backend.schemes.rules import RetailerProfile, Scheme
from backend.territories.models import Territory


class SchemeSource(Protocol):
    """Where billing gets the schemes of a retailer and spends their budgets."""

    async def active_schemes(
        self,
        session: AsyncSession,
        *,
        retailer_id: uuid.UUID,
        distributor_id: uuid.UUID,
        on: date,
    ) -> Sequence[Scheme]:
        """The schemes that may apply to the retailer on the day."""
        ...

    async def consume_scheme_budget(
        self, session: AsyncSession, *, amounts: Mapping[str, Decimal]
    ) -> None:
        """Spend `amounts` (by scheme code) from the budgets; raise a coded error when one would
        be exceeded (`SchemeBudgetExhausted`)."""
        ...

    async def release_scheme_budget(
        self, session: AsyncSession, *, amounts: Mapping[str, Decimal]
    ) -> None:
        """Give `amounts` (by scheme code) back to the budgets (returned goods)."""
        ...

    async def record_accruals(
        self, session: AsyncSession, *, lines: Sequence[AppliedSchemeLine]
    ) -> None:
        """Keep what the invoice lines gave under brand-funded schemes, for the scheme claim."""
        ...

    async def reverse_accruals(
        self, session: AsyncSession, *, lines: Sequence[AccrualReversal]
    ) -> list[AccrualReversal]:
        """Take returned benefits off the unclaimed accruals; return what could not be taken off
        (already claimed)."""
        ...


@dataclass
class StaticSchemes:
    """A fixed list of schemes (tests and benchmarks); budget consumption is recorded in
    `consumed` and never refused, accruals are kept in `accruals`."""

    schemes: Sequence[Scheme] = ()
    consumed: dict[str, Decimal] = field(default_factory=dict)
    accruals: list[AppliedSchemeLine] = field(default_factory=list)
    reversed: list[AccrualReversal] = field(default_factory=list)

    async def active_schemes(
        self,
        session: AsyncSession,
        *,
        retailer_id: uuid.UUID,
        distributor_id: uuid.UUID,
        on: date,
    ) -> Sequence[Scheme]:
        """Every scheme of the list (the engine filters by date and eligibility)."""
        return self.schemes

    async def consume_scheme_budget(
        self, session: AsyncSession, *, amounts: Mapping[str, Decimal]
    ) -> None:
        """Add the amounts to `consumed`."""
        for code, amount in amounts.items():
            self.consumed[code] = self.consumed.get(code, Decimal(0)) + amount

    async def release_scheme_budget(
        self, session: AsyncSession, *, amounts: Mapping[str, Decimal]
    ) -> None:
        """Subtract the amounts from `consumed`."""
        for code, amount in amounts.items():
            self.consumed[code] = self.consumed.get(code, Decimal(0)) - amount

    async def record_accruals(
        self, session: AsyncSession, *, lines: Sequence[AppliedSchemeLine]
    ) -> None:
        """Append the lines to `accruals`."""
        self.accruals.extend(lines)

    async def reverse_accruals(
        self, session: AsyncSession, *, lines: Sequence[AccrualReversal]
    ) -> list[AccrualReversal]:
        """Append the lines to `reversed`; nothing is ever claimed here."""
        self.reversed.extend(lines)
        return []


NO_SCHEMES = StaticSchemes()


class StoredSchemes:
    """The tenant's stored schemes: `backend.schemes` prices, budgets and accrues."""

    async def active_schemes(
        self,
        session: AsyncSession,
        *,
        retailer_id: uuid.UUID,
        distributor_id: uuid.UUID,
        on: date,
    ) -> Sequence[Scheme]:
        """Active SECONDARY schemes open to the retailer (`schemes.service.active_schemes`)."""
        return await scheme_service.active_schemes(
            session, retailer_id=retailer_id, distributor_id=distributor_id, on=on
        )

    async def consume_scheme_budget(
        self, session: AsyncSession, *, amounts: Mapping[str, Decimal]
    ) -> None:
        """Conditional budget updates; `SchemeBudgetExhausted` when one would be exceeded."""
        await scheme_service.consume_scheme_budget(session, amounts=amounts)

    async def release_scheme_budget(
        self, session: AsyncSession, *, amounts: Mapping[str, Decimal]
    ) -> None:
        """Give consumption back (`schemes.service.release_scheme_budget`)."""
        await scheme_service.release_scheme_budget(session, amounts=amounts)

    async def record_accruals(
        self, session: AsyncSession, *, lines: Sequence[AppliedSchemeLine]
    ) -> None:
        """`schemes.claims.record_scheme_accruals` (brand-funded schemes only)."""
        await scheme_claims.record_scheme_accruals(session, lines=lines)

    async def reverse_accruals(
        self, session: AsyncSession, *, lines: Sequence[AccrualReversal]
    ) -> list[AccrualReversal]:
        """`schemes.claims.reverse_scheme_accruals`."""
        return await scheme_claims.reverse_scheme_accruals(session, lines=lines)


STORED_SCHEMES = StoredSchemes()


def app_scheme_source() -> SchemeSource:
    """The scheme source the API bills and takes returns with: the stored schemes."""
    return STORED_SCHEMES


async def retailer_profile(session: AsyncSession, retailer: Retailer) -> RetailerProfile:
    """What scheme eligibility looks at for a retailer."""
    path = await session.scalar(select(Territory.path).where(Territory.id == retailer.territory_id))
    return RetailerProfile(
        retailer_id=str(retailer.id),
        channel=retailer.channel.value,
        outlet_class=retailer.outlet_class.value,
        territory_path=path or "",
        distributor_id=str(retailer.distributor_id),
    )
