"""Scheme claims: what distributors give on the brand's behalf accrues, then is claimed per period.

1. Billing (secondary invoices) reports the schemes it applied, one `AppliedSchemeLine` per
   scheme and invoice line; `record_scheme_accruals` keeps the brand-funded ones (SECONDARY
   flow) as accruals. Recording the same scheme and invoice line again adds nothing.
   Returned goods take their discount off the line's accrual while it is unclaimed
   (`reverse_scheme_accruals`); a claimed accrual is left as claimed (its claim's review decides).
2. `generate_scheme_claims` turns a distributor's unclaimed accruals of a period into one claim
   (type SCHEME_REIMBURSEMENT) whose evidence lines are the accruals. Accruals are locked and
   re-checked, so two generators never claim the same accrual.
   A brand-funded QPS accrues at settlement, one accrual per retailer's credit note
   (`record_qps_accrual`, called by `backend.secondary.qps`).
3. The claim then runs the primary claim workflow (`backend.claims.service`): review, and a
   decision per evidence line (`decide_accruals`: approve 1 or reject 0).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.claims.models import Claim, ClaimStatus, ClaimType
from backend.identity.models import Role
from backend.kit.errors import JalurError, NotFound, PermissionDenied, ValidationFailed
from backend.kit.idempotency import run_once
from backend.parties.repository import distributors_by_ids
from backend.schemes.models import SchemeAccrual, SchemeFlow, TradeScheme
from backend.schemes.repository import schemes_by_codes

CENT = Decimal("0.01")


class NothingToClaim(JalurError):
    """The distributor has no unclaimed accruals in the period."""

    code = "NOTHING_TO_CLAIM"


@dataclass(frozen=True)
class AppliedSchemeLine:
    """One scheme's benefit on one secondary invoice line, as billing recorded it."""

    scheme_code: str
    invoice_line_id: uuid.UUID
    distributor_id: uuid.UUID
    on: date
    discount: Decimal
    free_quantity: int = 0
    free_value: Decimal = Decimal(0)
    retailer_id: uuid.UUID | None = None
    reference: str = ""  # e.g. the invoice number, for the evidence


@dataclass(frozen=True)
class AccrualDraft:
    """What one scheme and invoice line accrue (the benefits of repeated reports summed)."""

    scheme_code: str
    invoice_line_id: uuid.UUID
    distributor_id: uuid.UUID
    retailer_id: uuid.UUID | None
    on: date
    reference: str
    discount: Decimal
    free_quantity: int
    free_value: Decimal

    @property
    def amount(self) -> Decimal:
        """Discount plus free-goods value."""
        return self.discount + self.free_value


def accrual_drafts(lines: Sequence[AppliedSchemeLine]) -> list[AccrualDraft]:
    """Merge the lines per (scheme, invoice line) and drop those that gave nothing.

    Refuses negative amounts and amounts finer than a cent (field `lines[i]`).
    """
    merged: dict[tuple[str, uuid.UUID], AccrualDraft] = {}
    for i, line in enumerate(lines):
        for name, value in (("discount", line.discount), ("freeValue", line.free_value)):
            if value < 0 or value != value.quantize(CENT):
                raise ValidationFailed(
                    "an amount of 0 or more, in cents", field=f"lines[{i}].{name}"
                )
        if line.free_quantity < 0:
            raise ValidationFailed("0 or more units", field=f"lines[{i}].freeQuantity")
        key = (line.scheme_code, line.invoice_line_id)
        before = merged.get(key)
        merged[key] = AccrualDraft(
            scheme_code=line.scheme_code,
            invoice_line_id=line.invoice_line_id,
            distributor_id=line.distributor_id,
            retailer_id=line.retailer_id,
            on=line.on,
            reference=line.reference[:80],
            discount=line.discount + (before.discount if before else 0),
            free_quantity=line.free_quantity + (before.free_quantity if before else 0),
            free_value=line.free_value + (before.free_value if before else 0),
        )
    return [d for d in merged.values() if d.amount > 0]


async def record_scheme_accruals(
    session: AsyncSession, *, lines: Sequence[AppliedSchemeLine]
) -> int:
    """Record the brand-funded (SECONDARY) benefits of invoice lines; return how many are new.

    Primary schemes are the brand's own price and accrue nothing. An unknown scheme code is
    NOT_FOUND (billing priced with a scheme that does not exist). Called in billing's
    transaction; a line already recorded for the scheme is left as it is.
    """
    drafts = accrual_drafts(lines)
    schemes = await schemes_by_codes(session, sorted({d.scheme_code for d in drafts}))
    rows = []
    for d in drafts:
        scheme = schemes.get(d.scheme_code)
        if scheme is None:
            raise NotFound(f"no scheme {d.scheme_code}", field="lines")
        if scheme.flow is not SchemeFlow.SECONDARY:
            continue
        rows.append(
            {
                "id": uuid.uuid4(),
                "tenant_id": scheme.tenant_id,
                "scheme_id": scheme.id,
                "distributor_id": d.distributor_id,
                "retailer_id": d.retailer_id,
                "invoice_line_id": d.invoice_line_id,
                "reference": d.reference,
                "accrued_on": d.on,
                "currency": scheme.currency,
                "discount": d.discount,
                "free_quantity": d.free_quantity,
                "free_value": d.free_value,
                "amount": d.amount,
            }
        )
    if not rows:
        return 0
    rows.sort(key=lambda r: (str(r["scheme_id"]), str(r["invoice_line_id"])))
    inserted = await session.execute(
        insert(SchemeAccrual)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["tenant_id", "scheme_id", "invoice_line_id"])
        .returning(SchemeAccrual.id)
    )
    return len(inserted.all())


async def record_qps_accrual(
    session: AsyncSession,
    *,
    scheme: TradeScheme,
    credit_note_id: uuid.UUID,
    distributor_id: uuid.UUID,
    retailer_id: uuid.UUID,
    on: date,
    reference: str,
    amount: Decimal,
) -> bool:
    """Keep a QPS credit the distributor paid a retailer (by `credit_note_id`) for the scheme
    claim when the brand funds the scheme (SECONDARY flow); return whether it accrued. The
    credit is a discount; it is claimed and decided like any other accrual."""
    if scheme.flow is not SchemeFlow.SECONDARY or amount <= 0:
        return False
    inserted = await session.execute(
        insert(SchemeAccrual)
        .values(
            id=uuid.uuid4(),
            tenant_id=scheme.tenant_id,
            scheme_id=scheme.id,
            distributor_id=distributor_id,
            retailer_id=retailer_id,
            invoice_line_id=None,
            credit_note_id=credit_note_id,
            reference=reference[:80],
            accrued_on=on,
            currency=scheme.currency,
            discount=amount,
            free_quantity=0,
            free_value=Decimal("0.00"),
            amount=amount,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "scheme_id", "credit_note_id"])
        .returning(SchemeAccrual.id)
    )
    return inserted.first() is not None


@dataclass(frozen=True)
class AccrualReversal:
    """Discount of one scheme on one invoice line given back by a sales return."""

    scheme_code: str
    invoice_line_id: uuid.UUID
    discount: Decimal


async def reverse_scheme_accruals(
    session: AsyncSession, *, lines: Sequence[AccrualReversal]
) -> list[AccrualReversal]:
    """Take returned discounts off the unclaimed accruals of their invoice lines.

    An accrual that reaches zero is deleted. Accruals already in a claim are not changed; what
    could not be taken off is returned (claimed, or more than the accrual holds), so the caller
    can report it. Free-goods value is never reversed: free goods are not returned.
    """
    wanted: dict[tuple[str, uuid.UUID], Decimal] = {}
    for i, line in enumerate(lines):
        if line.discount < 0 or line.discount != line.discount.quantize(CENT):
            raise ValidationFailed("an amount of 0 or more, in cents", field=f"lines[{i}]")
        key = (line.scheme_code, line.invoice_line_id)
        wanted[key] = wanted.get(key, Decimal(0)) + line.discount
    wanted = {k: v for k, v in wanted.items() if v > 0}
    if not wanted:
        return []
    schemes = await schemes_by_codes(session, sorted({code for code, _ in wanted}))
    ids = {s.id: code for code, s in schemes.items()}
    rows = (
        await session.execute(
            select(SchemeAccrual)
            .where(
                SchemeAccrual.scheme_id.in_(ids),
                SchemeAccrual.invoice_line_id.in_({line for _, line in wanted}),
            )
            .order_by(SchemeAccrual.id)
            .with_for_update()
        )
    ).scalars()
    found = {(ids[row.scheme_id], row.invoice_line_id): row for row in rows}
    left: list[AccrualReversal] = []
    for (code, line_id), amount in sorted(wanted.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        row = found.get((code, line_id))
        if row is None or row.claim_id is not None:
            left.append(AccrualReversal(code, line_id, amount))
            continue
        taken = min(amount, row.discount)
        if taken < amount:
            left.append(AccrualReversal(code, line_id, amount - taken))
        if row.amount - taken <= 0:
            await session.delete(row)
            continue
        row.discount -= taken
        row.amount -= taken
    await session.flush()
    return left


async def generate_scheme_claims(
    session: AsyncSession,
    *,
    principal: Principal,
    distributor_id: uuid.UUID,
    period_from: date,
    period_to: date,
    submitted_on: date,
    idempotency_key: str | None = None,
) -> Claim:
    """Claim a distributor's unclaimed accruals of the period (dates inclusive), once."""
    principal.require(Role.ADMIN, Role.DISTRIBUTOR)
    if principal.role is Role.DISTRIBUTOR and principal.distributor_id != distributor_id:
        raise PermissionDenied("a distributor claims only for itself", field="input.distributorId")
    if period_from > period_to:
        raise ValidationFailed("the period ends before it starts", field="input.periodTo")

    async def create() -> uuid.UUID:
        return (
            await _generate(
                session, principal, distributor_id, period_from, period_to, submitted_on
            )
        ).id

    claim_id, _ = await run_once(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="generateSchemeClaim",
        payload=[distributor_id, period_from, period_to, submitted_on],
        create=create,
    )
    return await session.get_one(Claim, claim_id)


async def _generate(
    session: AsyncSession,
    principal: Principal,
    distributor_id: uuid.UUID,
    period_from: date,
    period_to: date,
    submitted_on: date,
) -> Claim:
    if not await distributors_by_ids(session, principal, [distributor_id]):
        raise NotFound("no such distributor", field="input.distributorId")
    # Locked in id order; a concurrent generator waits, then finds them claimed and skips them.
    accruals = list(
        (
            await session.execute(
                select(SchemeAccrual)
                .where(
                    SchemeAccrual.distributor_id == distributor_id,
                    SchemeAccrual.claim_id.is_(None),
                    SchemeAccrual.accrued_on >= period_from,
                    SchemeAccrual.accrued_on <= period_to,
                )
                .order_by(SchemeAccrual.id)
                .with_for_update()
            )
        ).scalars()
    )
    if not accruals:
        raise NothingToClaim(
            f"no unclaimed scheme accruals from {period_from} to {period_to}",
            field="input.periodFrom",
        )
    currencies = {a.currency for a in accruals}
    if len(currencies) > 1:
        raise ValidationFailed("accruals in several currencies", field="input.periodFrom")
    total = sum((a.amount for a in accruals), Decimal("0.00"))
    claim = Claim(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        reference=f"SC-{uuid.uuid4().hex[:10].upper()}",
        distributor_id=distributor_id,
        claim_type=ClaimType.SCHEME_REIMBURSEMENT,
        status=ClaimStatus.SUBMITTED,
        currency=currencies.pop(),
        submitted_on=submitted_on,
        evidence=[f"scheme accruals {period_from.isoformat()}..{period_to.isoformat()}"],
        claimed_amount=total,
        approved_amount=Decimal("0.00"),
        created_by=principal.user_id,
    )
    session.add(claim)
    await session.flush()
    for accrual in accruals:
        accrual.claim_id = claim.id
    await session.flush()
    return claim


async def has_accruals(session: AsyncSession, claim_id: uuid.UUID) -> bool:
    """Whether the claim's evidence is scheme accruals."""
    stmt = select(SchemeAccrual.id).where(SchemeAccrual.claim_id == claim_id).limit(1)
    return (await session.execute(stmt)).first() is not None


async def decide_accruals(
    session: AsyncSession, *, claim_id: uuid.UUID, approved: Mapping[uuid.UUID, int]
) -> tuple[Decimal, bool]:
    """Approve (1) or reject (0, the default) each evidence accrual; return the approved amount
    and whether every accrual was approved."""
    accruals = await accruals_of(session, [claim_id])
    mine = {a.id for a in accruals[claim_id]}
    for i, (accrual_id, verdict) in enumerate(approved.items()):
        if accrual_id not in mine:
            raise NotFound("no such evidence line on this claim", field=f"input.approvals[{i}]")
        if verdict not in (0, 1):
            raise ValidationFailed(
                "approve an accrual whole (1) or reject it (0)", field=f"input.approvals[{i}]"
            )
    total = Decimal("0.00")
    for accrual in accruals[claim_id]:
        accrual.approved = approved.get(accrual.id, 0) == 1
        total += accrual.amount if accrual.approved else 0
    await session.flush()
    return total, all(a.approved for a in accruals[claim_id])


async def accruals_of(
    session: AsyncSession, claim_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[SchemeAccrual]]:
    """Evidence accruals of these claims, by claim, in date then id order."""
    stmt = (
        select(SchemeAccrual)
        .where(SchemeAccrual.claim_id.in_(claim_ids))
        .order_by(SchemeAccrual.accrued_on, SchemeAccrual.id)
    )
    grouped: dict[uuid.UUID, list[SchemeAccrual]] = {i: [] for i in claim_ids}
    for row in (await session.execute(stmt)).scalars():
        assert row.claim_id is not None
        grouped[row.claim_id].append(row)
    return grouped


async def scheme_codes_of(
    session: AsyncSession, scheme_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Codes of these schemes."""
    stmt = select(TradeScheme.id, TradeScheme.code).where(TradeScheme.id.in_(scheme_ids))
    return dict((await session.execute(stmt)).all())
