"""QPS settlement: an ended QPS scheme pays each retailer that reached a slab one on-account
credit note in the retailer's distributor's series, applied to the retailer's open invoices
oldest first (the rest stays on the note as credit on account).

Once per (scheme, retailer): `qps_settlement` is unique on them and the scheme row is locked
while settling, so a re-run (or a concurrent one) settles only retailers not settled yet.

The note has no SKU lines; its amount (percent of the value bought, which was taxed when it was
billed) is taken as tax inclusive: gross = net = total = the credit, no discount, no tax, no
round-off. Posting in the distributor's book: Dr SCHEME_EXPENSE, Cr the retailer's receivable
(`backend.secondary.documents.document_legs`).

A brand-funded (SECONDARY flow) QPS credit also accrues for the distributor's scheme claim on the
brand, one accrual per credit note (`backend.schemes.claims.record_qps_accrual`). The scheme's
budget is not consumed by settlement (the budget caps what bills spend).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.payments import apply_allocations, plan_allocations
from backend.kit.errors import NotFound, ValidationFailed
from backend.kit.idempotency import run_once
from backend.parties.models import Retailer
from backend.parties.repository import retailer_scope
from backend.schemes.claims import record_qps_accrual
from backend.schemes.models import TradeScheme
from backend.schemes.qps import QpsCredit, qps_settlement
from backend.schemes.rules import SchemeKind
from backend.secondary.collections import lock_open_invoices
from backend.secondary.documents import check_series, new_document, post_document
from backend.secondary.models import (
    QpsSettlement,
    SecondaryDocumentKind,
    SecondaryNoteAllocation,
    SecondarySettings,
)
from backend.secondary.ordering import DESK_ROLES
from backend.secondary.purchases import secondary_sales_lines
from backend.secondary.settings import secondary_settings

DEFAULT_SERIES = "QPS"


@dataclass(frozen=True)
class QpsSettlementResult:
    """The scheme's settlements the caller may see, and how many this call issued."""

    scheme_id: uuid.UUID
    settlements: Sequence[QpsSettlement]
    issued: int


async def settle_qps(
    session: AsyncSession,
    *,
    principal: Principal,
    scheme_id: uuid.UUID,
    on: date,
    series: str = DEFAULT_SERIES,
    idempotency_key: str | None = None,
) -> QpsSettlementResult:
    """Settle an ended QPS scheme for the retailers the principal may act on (ADMIN, MANAGER,
    DISTRIBUTOR: its own retailers); retailers already settled are skipped."""
    principal.require(*DESK_ROLES)
    check_series(series)
    issued: list[int] = [0]

    async def create() -> uuid.UUID:
        issued[0] = await _settle(session, principal, scheme_id, on, series)
        return scheme_id

    await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="settleQps",
        payload=[scheme_id, on, series],
        create=create,
    )
    return QpsSettlementResult(
        scheme_id, await settlements_of(session, principal, scheme_id), issued[0]
    )


async def settlements_of(
    session: AsyncSession, principal: Principal, scheme_id: uuid.UUID
) -> Sequence[QpsSettlement]:
    """The scheme's settlements of retailers the principal may see, by retailer id."""
    stmt = (
        select(QpsSettlement)
        .join(Retailer, Retailer.id == QpsSettlement.retailer_id)
        .where(QpsSettlement.scheme_id == scheme_id, retailer_scope(principal))
        .order_by(QpsSettlement.retailer_id)
    )
    return (await session.execute(stmt)).scalars().all()


async def _settle(
    session: AsyncSession, principal: Principal, scheme_id: uuid.UUID, on: date, series: str
) -> int:
    scheme = (
        await session.execute(
            select(TradeScheme).where(TradeScheme.id == scheme_id).with_for_update()
        )
    ).scalar_one_or_none()
    if scheme is None:
        raise NotFound("no such scheme", field="input.schemeId")
    if scheme.kind is not SchemeKind.QPS:
        raise ValidationFailed("not a QPS scheme", field="input.schemeId")
    if on <= scheme.valid_to:
        raise ValidationFailed(
            f"a QPS is settled after its period ends on {scheme.valid_to}", field="input.on"
        )
    credits = await qps_settlement(
        session, scheme_id=scheme.id, on=on, lines=secondary_sales_lines()
    )
    done = set(
        (
            await session.execute(
                select(QpsSettlement.retailer_id).where(QpsSettlement.scheme_id == scheme.id)
            )
        ).scalars()
    )
    wanted = {c.retailer_id: c for c in credits if c.retailer_id not in done and c.credit > 0}
    if not wanted:
        return 0
    retailers = (
        await session.execute(
            select(Retailer)
            .where(Retailer.id.in_(sorted(wanted)), retailer_scope(principal))
            .order_by(Retailer.id)
            .with_for_update()
        )
    ).scalars()
    settings = await secondary_settings(session, principal.tenant_id)
    issued = 0
    for retailer in retailers:
        await _credit(
            session, principal, scheme, retailer, wanted[retailer.id], on, series, settings
        )
        issued += 1
    return issued


async def _credit(
    session: AsyncSession,
    principal: Principal,
    scheme: TradeScheme,
    retailer: Retailer,
    credit: QpsCredit,
    on: date,
    series: str,
    settings: SecondarySettings,
) -> None:
    # Lock order as collections: the retailer (locked by the caller), its open invoices in
    # primary-key order, then the number counter and the ledger accounts.
    docs = await lock_open_invoices(session, retailer.id, retailer.distributor_id)
    note = await new_document(
        session,
        settings=settings,
        kind=SecondaryDocumentKind.CREDIT_NOTE,
        series=series,
        tenant_id=principal.tenant_id,
        distributor_id=retailer.distributor_id,
        retailer_id=retailer.id,
        currency=scheme.currency,
        issued_on=on,
        credit_days=0,
        actor_id=principal.user_id,
    )
    note.gross = note.net = note.total = note.open_amount = credit.credit
    await session.flush()
    await post_document(session, note, actor_id=principal.user_id)
    note.open_amount -= apply_allocations(
        session,
        docs,
        plan_allocations([(d.id, d.open_amount) for d in docs], note.open_amount, None),
        SecondaryNoteAllocation,
        tenant_id=principal.tenant_id,
        note_id=note.id,
    )
    await record_qps_accrual(
        session,
        scheme=scheme,
        credit_note_id=note.id,
        distributor_id=retailer.distributor_id,
        retailer_id=retailer.id,
        on=on,
        reference=note.number,
        amount=credit.credit,
    )
    session.add(
        QpsSettlement(
            id=uuid.uuid4(),
            tenant_id=principal.tenant_id,
            scheme_id=scheme.id,
            distributor_id=retailer.distributor_id,
            retailer_id=retailer.id,
            credit_note_id=note.id,
            quantity=credit.quantity,
            value=credit.value,
            percent=credit.slab.percent,
            credit=credit.credit,
            settled_on=on,
        )
    )
    await session.flush()


async def scheme_currency(session: AsyncSession, scheme_id: uuid.UUID) -> str:
    """The scheme's currency (its credits are paid in it)."""
    return (await session.get_one(TradeScheme, scheme_id)).currency
