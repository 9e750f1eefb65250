"""The claim workflow: submit (no over-claiming), review, decide, settle by credit note.

Submitting locks the claimed invoice lines in primary-key order, so two claims racing for the
same units are decided one after the other against what is left.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.principal import Principal
from backend.billing.models import BillingDocument, BillingLine, DocumentKind, NoteReason
from backend.billing.notes import (
    NoteDraft,
    NoteLine,
    OnAccountNoteDraft,
    create_note,
    create_on_account_note,
)
from backend.claims.errors import ClaimStateError, OverClaimed
from backend.claims.models import Claim, ClaimLine, ClaimStatus, ClaimType
from backend.identity.models import Role
from backend.kit.errors import NotFound, PermissionDenied, ValidationFailed
from backend.kit.idempotency import run_once_row
from backend.kit.validation import Checks
from backend.orders.repository import visible_distributors

OPEN = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW)
DECIDED = (ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED)
# Claims for goods (not for price or scheme money) are worth at most what the goods cost.
PRICED_AT_INVOICE = (ClaimType.DAMAGE, ClaimType.EXPIRY, ClaimType.SHORT_SUPPLY)


@dataclass(frozen=True)
class ClaimLineDraft:
    """Units of one invoice line and batch claimed, at an amount per unit."""

    billing_line_id: uuid.UUID
    batch: str
    quantity: int
    unit_amount: Decimal


@dataclass(frozen=True)
class ClaimDraft:
    """A claim to submit."""

    distributor_id: uuid.UUID
    claim_type: ClaimType
    submitted_on: date
    lines: Sequence[ClaimLineDraft]
    evidence: Sequence[str] = field(default_factory=tuple)


async def submit_claim(
    session: AsyncSession, *, principal: Principal, draft: ClaimDraft, idempotency_key: str | None
) -> Claim:
    """Submit a claim; refused whole when any line claims more than is left to claim."""
    if principal.role is Role.DISTRIBUTOR and principal.distributor_id != draft.distributor_id:
        raise PermissionDenied("a distributor claims only for itself", field="input.distributorId")

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=idempotency_key,
        operation="submitClaim",
        payload=asdict(draft),
        work=lambda: _submit(session, principal, draft),
        load=lambda row_id: load_claim(session, principal, row_id),
    )


async def _submit(session: AsyncSession, principal: Principal, draft: ClaimDraft) -> Claim:
    checks = Checks()
    if not draft.lines:
        checks.fail("input.lines", "give at least one line")
    if len(draft.evidence) > 20:
        checks.fail("input.evidence", "at most 20 evidence files")
    for i, ref in enumerate(draft.evidence):
        checks.text(f"input.evidence[{i}]", ref, max_length=500)
    for i, ln in enumerate(draft.lines):
        checks.text(f"input.lines[{i}].batch", ln.batch, max_length=40)
    checks.raise_if_any()
    ids = sorted({ln.billing_line_id for ln in draft.lines})
    billed = {
        bl.id: (bl, doc)
        for bl, doc in (
            await session.execute(
                select(BillingLine, BillingDocument)
                .join(BillingDocument, BillingDocument.id == BillingLine.document_id)
                .where(
                    BillingLine.id.in_(ids),
                    BillingDocument.kind == DocumentKind.INVOICE,
                    BillingDocument.distributor_id == draft.distributor_id,
                    BillingDocument.distributor_id.in_(
                        visible_distributors(principal).scalar_subquery()
                    ),
                )
                .order_by(BillingLine.id)
                .with_for_update(of=BillingLine, key_share=True)
            )
        ).all()
    }
    claimed = await _already_claimed(session, ids)
    claim = Claim(
        id=uuid.uuid4(),
        tenant_id=principal.tenant_id,
        reference=f"CL-{uuid.uuid4().hex[:10].upper()}",
        distributor_id=draft.distributor_id,
        claim_type=draft.claim_type,
        status=ClaimStatus.SUBMITTED,
        currency="",
        submitted_on=draft.submitted_on,
        evidence=list(draft.evidence),
        claimed_amount=Decimal("0.00"),
        approved_amount=Decimal("0.00"),
        created_by=principal.user_id,
    )
    lines = []
    for i, ln in enumerate(draft.lines):
        path = f"input.lines[{i}]"
        if ln.billing_line_id not in billed:
            raise NotFound(
                "no such invoice line of this distributor", field=f"{path}.billingLineId"
            )
        if ln.quantity <= 0 or ln.unit_amount <= 0:
            raise ValidationFailed("positive quantity and amount", field=f"{path}.quantity")
        bl, doc = billed[ln.billing_line_id]
        if draft.claim_type in PRICED_AT_INVOICE and ln.unit_amount > bl.unit_price:
            raise OverClaimed(
                f"a {draft.claim_type.value.lower()} claim is at most the invoiced price"
                f" {bl.unit_price} per unit",
                field=f"{path}.unitAmount",
            )
        claimed[bl.id] = claimed.get(bl.id, 0) + ln.quantity
        if claimed[bl.id] > bl.quantity:
            left = bl.quantity - claimed[bl.id] + ln.quantity
            raise OverClaimed(
                f"only {left} unit(s) of this invoice line are left to claim",
                field=f"{path}.quantity",
            )
        claim.currency = doc.currency
        lines.append(
            ClaimLine(
                id=uuid.uuid4(),
                tenant_id=principal.tenant_id,
                claim_id=claim.id,
                invoice_id=doc.id,
                billing_line_id=bl.id,
                product_id=bl.product_id,
                batch=ln.batch[:40],
                quantity=ln.quantity,
                unit_amount=ln.unit_amount,
                approved_quantity=0,
            )
        )
    claim.claimed_amount = sum((ln.unit_amount * ln.quantity for ln in lines), Decimal("0.00"))
    session.add(claim)
    await session.flush()
    session.add_all(lines)
    await session.flush()
    return claim


async def _already_claimed(
    session: AsyncSession, line_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    # A rejected claim frees its units; a decided one holds only what was approved.
    rows = (
        await session.execute(
            select(
                ClaimLine.billing_line_id,
                Claim.status,
                ClaimLine.quantity,
                ClaimLine.approved_quantity,
            )
            .join(Claim, Claim.id == ClaimLine.claim_id)
            .where(ClaimLine.billing_line_id.in_(line_ids), Claim.status != ClaimStatus.REJECTED)
        )
    ).all()
    totals: dict[uuid.UUID, int] = {}
    for line_id, status, quantity, approved in rows:
        totals[line_id] = totals.get(line_id, 0) + (quantity if status in OPEN else approved)
    return totals


async def load_claim(
    session: AsyncSession, principal: Principal, claim_id: uuid.UUID, *, lock: bool = False
) -> Claim:
    """A visible claim (locked when asked), or NOT_FOUND."""
    stmt = select(Claim).where(
        Claim.id == claim_id,
        Claim.distributor_id.in_(visible_distributors(principal).scalar_subquery()),
    )
    claim = (
        await session.execute(stmt.with_for_update(key_share=True) if lock else stmt)
    ).scalar_one_or_none()
    if claim is None:
        raise NotFound("no such claim", field="input.claimId")
    return claim


def _require(claim: Claim, allowed: Sequence[ClaimStatus], action: str) -> None:
    if claim.status not in allowed:
        raise ClaimStateError(
            f"cannot {action} a claim that is {claim.status.value}", field="input.claimId"
        )


async def _step_once(
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    operation: str,
    payload: dict[str, Any],
    work: Callable[[], Awaitable[Claim]],
) -> Claim:
    """Run a workflow step at most once per idempotency key; a retry returns the claim as it is."""

    return await run_once_row(
        session,
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
        key=key,
        operation=operation,
        payload=payload,
        work=work,
        load=lambda row_id: load_claim(session, principal, row_id),
    )


async def start_review(
    session: AsyncSession,
    *,
    principal: Principal,
    claim_id: uuid.UUID,
    idempotency_key: str | None = None,
) -> Claim:
    """SUBMITTED → UNDER_REVIEW."""
    principal.require(Role.ADMIN, Role.MANAGER)
    return await _step_once(
        session,
        principal,
        idempotency_key,
        "reviewClaim",
        {"claim": claim_id},
        lambda: _start_review(session, principal, claim_id),
    )


async def _start_review(session: AsyncSession, principal: Principal, claim_id: uuid.UUID) -> Claim:
    claim = await load_claim(session, principal, claim_id, lock=True)
    _require(claim, (ClaimStatus.SUBMITTED,), "review")
    claim.status = ClaimStatus.UNDER_REVIEW
    await session.flush()
    return claim


async def decide_claim(
    session: AsyncSession,
    *,
    principal: Principal,
    claim_id: uuid.UUID,
    approved: Mapping[uuid.UUID, int],
    decided_on: date,
    reason: str,
    idempotency_key: str | None = None,
) -> Claim:
    """Approve per line (all → APPROVED, some → PARTLY_APPROVED, none → REJECTED with a reason)."""
    principal.require(Role.ADMIN)
    payload = {
        "claim": claim_id,
        "approved": sorted((str(k), v) for k, v in approved.items()),
        "on": decided_on,
        "reason": reason,
    }
    return await _step_once(
        session,
        principal,
        idempotency_key,
        "decideClaim",
        payload,
        lambda: _decide(session, principal, claim_id, approved, decided_on, reason),
    )


async def _decide(
    session: AsyncSession,
    principal: Principal,
    claim_id: uuid.UUID,
    approved: Mapping[uuid.UUID, int],
    decided_on: date,
    reason: str,
) -> Claim:
    claim = await load_claim(session, principal, claim_id, lock=True)
    _require(claim, OPEN, "decide")
    lines = list(
        (
            await session.execute(
                select(ClaimLine).where(ClaimLine.claim_id == claim.id).order_by(ClaimLine.id)
            )
        ).scalars()
    )
    if decided_on < claim.submitted_on:
        raise ValidationFailed("a decision comes on or after submission", field="input.on")
    if not lines and claim.claim_type is ClaimType.SCHEME_REIMBURSEMENT:
        # a scheme claim's evidence is the scheme accruals it was generated from
        from backend.schemes.claims import decide_accruals

        claim.approved_amount, in_full = await decide_accruals(
            session, claim_id=claim.id, approved=approved
        )
    else:
        if set(approved) - {line.id for line in lines}:
            raise NotFound("a line of another claim", field="input.approvals")
        for line in lines:
            qty = approved.get(line.id, 0)
            if not 0 <= qty <= line.quantity:
                raise ValidationFailed(
                    "approve between 0 and the claimed quantity", field="input.approvals"
                )
            line.approved_quantity = qty
        claim.approved_amount = sum(
            (ln.unit_amount * ln.approved_quantity for ln in lines), Decimal("0.00")
        )
        in_full = all(ln.approved_quantity == ln.quantity for ln in lines)
    if claim.approved_amount == 0:
        if not reason.strip():
            raise ValidationFailed("a rejection needs a reason", field="input.reason")
        claim.status = ClaimStatus.REJECTED
    elif in_full:
        claim.status = ClaimStatus.APPROVED
    else:
        claim.status = ClaimStatus.PARTLY_APPROVED
    claim.decided_on, claim.decision_reason = decided_on, reason[:400] or None
    await session.flush()
    return claim


async def settle_claim(
    session: AsyncSession,
    *,
    principal: Principal,
    claim_id: uuid.UUID,
    series: str,
    on: date,
    idempotency_key: str | None = None,
) -> Claim:
    """Settle an approved claim, posted to the ledger: one credit note per claimed invoice, or
    for a scheme claim (evidence: scheme accruals, no invoice lines) one on-account credit note
    of the approved amount (`create_on_account_note`). Retries with the key return the claim
    as settled; settling a settled claim is INVALID_CLAIM_STATE."""
    principal.require(Role.ADMIN)
    return await _step_once(
        session,
        principal,
        idempotency_key,
        "settleClaim",
        {"claim": claim_id, "series": series, "on": on},
        lambda: _settle(session, principal, claim_id, series, on),
    )


async def _settle(
    session: AsyncSession, principal: Principal, claim_id: uuid.UUID, series: str, on: date
) -> Claim:
    claim = await load_claim(session, principal, claim_id, lock=True)
    _require(claim, DECIDED, "settle")
    if claim.decided_on is not None and on < claim.decided_on:
        raise ValidationFailed("settlement comes on or after the decision", field="input.on")
    from backend.schemes.claims import has_accruals

    if await has_accruals(session, claim.id):
        # A scheme claim has no invoice lines: one on-account credit note for what was approved,
        # applied to the distributor's open invoices oldest first.
        await create_on_account_note(
            session,
            principal=principal,
            draft=OnAccountNoteDraft(
                distributor_id=claim.distributor_id,
                amount=claim.approved_amount,
                reason=NoteReason.SCHEME_REIMBURSEMENT,
                series=series,
                issued_on=on,
                claim_id=claim.id,
            ),
        )
        claim.status, claim.settled_on = ClaimStatus.SETTLED, on
        await session.flush()
        return claim
    lines = [
        ln
        for ln in (
            await session.execute(
                select(ClaimLine).where(ClaimLine.claim_id == claim.id).order_by(ClaimLine.id)
            )
        ).scalars()
        if ln.approved_quantity
    ]
    for invoice_id in sorted({ln.invoice_id for ln in lines}):
        mine = [ln for ln in lines if ln.invoice_id == invoice_id]
        note = await create_note(
            session,
            principal=principal,
            draft=NoteDraft(
                DocumentKind.CREDIT_NOTE,
                invoice_id,
                NoteReason.SCHEME_REIMBURSEMENT
                if claim.claim_type is ClaimType.SCHEME_REIMBURSEMENT
                else NoteReason.CLAIM_SETTLEMENT,
                series,
                on,
                [NoteLine(ln.product_id, ln.approved_quantity, ln.unit_amount) for ln in mine],
            ),
        )
        for ln in mine:
            ln.credit_note_id = note.id
    claim.status, claim.settled_on = ClaimStatus.SETTLED, on
    await session.flush()
    return claim


async def claim_ageing(session: AsyncSession, *, principal: Principal, as_of: date) -> list[int]:
    """Open (unsettled, unrejected) claims by days since submission: 0–30, 31–60, 61–90, 90+."""
    from backend.billing.statements import ageing_bucket

    stmt = select(Claim.submitted_on).where(
        Claim.status.in_(OPEN + DECIDED),
        Claim.distributor_id.in_(visible_distributors(principal).scalar_subquery()),
    )
    buckets = [0, 0, 0, 0]
    for (submitted_on,) in (await session.execute(stmt)).all():
        buckets[ageing_bucket((as_of - submitted_on).days)] += 1
    return buckets


def claims_query(principal: Principal, *, distributor_id: uuid.UUID | None) -> Select[Any]:
    """Visible claims, optionally of one distributor."""
    stmt = select(Claim).where(
        Claim.distributor_id.in_(visible_distributors(principal).scalar_subquery())
    )
    if distributor_id is not None:
        stmt = stmt.where(Claim.distributor_id == distributor_id)
    return stmt


async def claims_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> Sequence[Claim]:
    """Visible claims with these ids."""
    stmt = claims_query(principal, distributor_id=None).where(Claim.id.in_(ids))
    return (await session.execute(stmt)).scalars().all()


async def claim_lines_of(
    session: AsyncSession, claim_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ClaimLine]]:
    """Lines of these claims, by claim."""
    stmt = select(ClaimLine).where(ClaimLine.claim_id.in_(claim_ids)).order_by(ClaimLine.id)
    grouped: dict[uuid.UUID, list[ClaimLine]] = {i: [] for i in claim_ids}
    for line in (await session.execute(stmt)).scalars():
        grouped[line.claim_id].append(line)
    return grouped


async def settlement_notes_of(
    session: AsyncSession, claim_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Ids of the credit notes that settled these claims (per invoice, or one on account)."""
    grouped: dict[uuid.UUID, set[uuid.UUID]] = {i: set() for i in claim_ids}
    lines = select(ClaimLine.claim_id, ClaimLine.credit_note_id).where(
        ClaimLine.claim_id.in_(claim_ids), ClaimLine.credit_note_id.is_not(None)
    )
    notes = select(BillingDocument.claim_id, BillingDocument.id).where(
        BillingDocument.claim_id.in_(claim_ids)
    )
    for stmt in (lines, notes):
        for claim_id, note_id in (await session.execute(stmt)).all():
            grouped[claim_id].add(note_id)
    return {k: sorted(v, key=str) for k, v in grouped.items()}
