"""Claims: no over-claiming, review and decision, settlement by a posted credit note, ageing."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.billing.models import BillingDocument, DocumentKind, NoteReason
from backend.claims.errors import ClaimStateError, OverClaimed
from backend.claims.models import Claim, ClaimLine, ClaimStatus, ClaimType
from backend.claims.service import (
    ClaimDraft,
    ClaimLineDraft,
    claim_ageing,
    decide_claim,
    settle_claim,
    start_review,
    submit_claim,
)
from backend.kit.errors import InputErrors, JalurError
from backend.ledger.models import LedgerAccount
from tests.factories.claims import make_invoice
from tests.factories.ledger import assert_ledger_invariants
from tests.factories.orders import make_primary_world

D = Decimal


def _draft(distributor_id: uuid.UUID, line_id: uuid.UUID, qty: int) -> ClaimDraft:
    return ClaimDraft(
        distributor_id,
        ClaimType.DAMAGE,
        date(2026, 11, 10),
        [ClaimLineDraft(line_id, "B1", qty, D("1000.00"))],
        ["s3://evidence/1.jpg"],
    )


async def test_claim_is_settled_by_a_credit_note_posted_to_claims_expense(
    session: AsyncSession,
) -> None:
    # given an invoice of 10 units and a damage claim for 4
    world = await make_primary_world(session)
    invoice, lines = await make_invoice(session, world, quantity=10)
    claim = await submit_claim(
        session,
        principal=world.admin,
        idempotency_key="cl-1",
        draft=_draft(world.distributor.id, lines[0].id, 4),
    )
    assert (claim.status, claim.claimed_amount) == (ClaimStatus.SUBMITTED, D("4000.00"))
    # when it is reviewed, approved for 3 and settled
    await start_review(session, principal=world.admin, claim_id=claim.id)
    line = (
        await session.execute(select(ClaimLine).where(ClaimLine.claim_id == claim.id))
    ).scalar_one()
    await decide_claim(
        session,
        principal=world.admin,
        claim_id=claim.id,
        approved={line.id: 3},
        decided_on=date(2026, 11, 12),
        reason="one unit not evidenced",
    )
    assert (claim.status, claim.approved_amount) == (ClaimStatus.PARTLY_APPROVED, D("3000.00"))
    await settle_claim(
        session, principal=world.admin, claim_id=claim.id, series="CN", on=date(2026, 11, 13)
    )
    # then a credit note of 3,330.00 (PPN included) pays down the invoice and posts the expense
    note = (
        await session.execute(
            select(BillingDocument).where(BillingDocument.kind == DocumentKind.CREDIT_NOTE)
        )
    ).scalar_one()
    assert (note.reason, note.total, note.corrects_id) == (
        NoteReason.CLAIM_SETTLEMENT,
        D("3330.00"),
        invoice.id,
    )
    assert invoice.open_amount == D("7770.00")
    expense = await session.scalar(
        select(LedgerAccount.balance)
        .where(LedgerAccount.key == "CLAIMS_EXPENSE")
        .execution_options(populate_existing=True)
    )
    assert expense == D("3000.00")
    assert claim.status is ClaimStatus.SETTLED
    await assert_ledger_invariants(session, world.tenant.id)


async def test_over_claiming_is_refused_and_changes_nothing(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    _, lines = await make_invoice(session, world, quantity=10)
    await submit_claim(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=_draft(world.distributor.id, lines[0].id, 7),
    )
    with pytest.raises(OverClaimed) as refused:
        async with session.begin_nested():
            await submit_claim(
                session,
                principal=world.admin,
                idempotency_key=None,
                draft=_draft(world.distributor.id, lines[0].id, 4),
            )
    assert (refused.value.code, refused.value.field) == ("OVER_CLAIMED", "input.lines[0].quantity")
    assert await session.scalar(select(func.count()).select_from(Claim)) == 1


async def test_a_rejected_claim_frees_its_units_and_cannot_be_settled(
    session: AsyncSession,
) -> None:
    world = await make_primary_world(session)
    _, lines = await make_invoice(session, world, quantity=10)
    claim = await submit_claim(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=_draft(world.distributor.id, lines[0].id, 10),
    )
    await decide_claim(
        session,
        principal=world.admin,
        claim_id=claim.id,
        approved={},
        decided_on=date(2026, 11, 12),
        reason="no evidence",
    )
    assert claim.status is ClaimStatus.REJECTED
    with pytest.raises(ClaimStateError):
        await settle_claim(
            session, principal=world.admin, claim_id=claim.id, series="CN", on=date(2026, 11, 13)
        )
    again = await submit_claim(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=_draft(world.distributor.id, lines[0].id, 10),
    )
    assert again.status is ClaimStatus.SUBMITTED


async def test_claim_ageing_counts_open_claims_by_days_since_submission(
    session: AsyncSession,
) -> None:
    world = await make_primary_world(session)
    _, lines = await make_invoice(session, world, quantity=10)
    await submit_claim(
        session,
        principal=world.admin,
        idempotency_key=None,
        draft=_draft(world.distributor.id, lines[0].id, 1),
    )
    assert await claim_ageing(session, principal=world.admin, as_of=date(2026, 12, 20)) == [
        0,
        1,
        0,
        0,
    ]


async def test_scheme_reimbursement_is_settled_to_scheme_expense(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    _, lines = await make_invoice(session, world, quantity=10)
    draft = ClaimDraft(
        world.distributor.id,
        ClaimType.SCHEME_REIMBURSEMENT,
        date(2026, 11, 10),
        [ClaimLineDraft(lines[0].id, "B1", 2, D("150.00"))],
    )
    claim = await submit_claim(session, principal=world.admin, idempotency_key=None, draft=draft)
    line = (
        await session.execute(select(ClaimLine).where(ClaimLine.claim_id == claim.id))
    ).scalar_one()
    await decide_claim(
        session,
        principal=world.admin,
        claim_id=claim.id,
        approved={line.id: 2},
        decided_on=date(2026, 11, 11),
        reason="",
    )
    await settle_claim(
        session, principal=world.admin, claim_id=claim.id, series="CN", on=date(2026, 11, 12)
    )
    note = (
        await session.execute(
            select(BillingDocument).where(BillingDocument.kind == DocumentKind.CREDIT_NOTE)
        )
    ).scalar_one()
    assert (note.reason, note.net) == (NoteReason.SCHEME_REIMBURSEMENT, D("300.00"))
    balances = dict(
        (
            await session.execute(
                select(LedgerAccount.key, LedgerAccount.balance).execution_options(
                    populate_existing=True
                )
            )
        ).all()
    )
    assert (balances["SCHEME_EXPENSE"], balances.get("CLAIMS_EXPENSE")) == (D("300.00"), None)
    await assert_ledger_invariants(session, world.tenant.id)


async def test_a_damage_claim_is_worth_at_most_the_invoiced_price(session: AsyncSession) -> None:
    world = await make_primary_world(session)
    _, lines = await make_invoice(session, world, quantity=10)
    draft = ClaimDraft(
        world.distributor.id,
        ClaimType.DAMAGE,
        date(2026, 11, 10),
        [ClaimLineDraft(lines[0].id, "B1", 1, D("1000.01"))],
    )
    with pytest.raises(OverClaimed) as refused:
        async with session.begin_nested():
            await submit_claim(session, principal=world.admin, idempotency_key=None, draft=draft)
    assert refused.value.field == "input.lines[0].unitAmount"
    assert await session.scalar(select(func.count()).select_from(Claim)) == 0


async def test_claim_input_errors_are_reported_together_and_save_nothing(
    session: AsyncSession,
) -> None:
    world = await make_primary_world(session)
    _, lines = await make_invoice(session, world, quantity=10)
    draft = ClaimDraft(
        world.distributor.id,
        ClaimType.EXPIRY,
        date(2026, 11, 10),
        [ClaimLineDraft(lines[0].id, " ", 1, D("10.00"))],
        [f"s3://e/{i}.jpg" for i in range(21)],
    )
    with pytest.raises(JalurError) as refused:
        await submit_claim(session, principal=world.admin, idempotency_key=None, draft=draft)
    assert isinstance(refused.value, InputErrors)
    assert [e.field for e in refused.value.flatten()] == ["input.evidence", "input.lines[0].batch"]
    assert await session.scalar(select(func.count()).select_from(Claim)) == 0
