"""GraphQL types, queries and mutations of claims."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.api.context import Context
from backend.api.loaders import register_node
from backend.api.mutations import run_mutation
from backend.api.types import (
    Connection,
    Money,
    Node,
    UserError,
    connection_page,
)
from backend.auth.principal import Principal
from backend.claims import service
from backend.claims.models import Claim, ClaimLine, ClaimStatus, ClaimType
from backend.kit.errors import ValidationFailed
from backend.kit.ids import decode_global_id, decode_typed_id, encode_global_id
from backend.orders.graphql_types import grouped_loader, money

if TYPE_CHECKING:
    from backend.schemes.graphql_claims import SchemeAccrualType

SchemeAccrualRef = Annotated["SchemeAccrualType", strawberry.lazy("backend.schemes.graphql_claims")]
IDEMPOTENCY = "Client-generated key: a retry with it returns the first result."
ClaimTypeEnum = strawberry.enum(ClaimType, description="What is claimed for.")
ClaimStatusEnum = strawberry.enum(ClaimStatus, description="Where a claim stands.")


@strawberry.type(description="Units of one invoice line and batch claimed.")
class ClaimLineType:
    line_id: strawberry.ID = strawberry.field(description="Global id (for decisions).")
    batch: str = strawberry.field(description="Batch.")
    quantity: int = strawberry.field(description="Units claimed.")
    approved_quantity: int = strawberry.field(description="Units approved.")
    unit_amount: Money = strawberry.field(description="Amount claimed per unit, before tax.")
    invoice_id: strawberry.ID = strawberry.field(description="The invoice claimed against.")


@strawberry.type(name="Claim", description="A distributor's claim on the brand.")
class ClaimNode(Node):
    reference: str = strawberry.field(description="Claim reference.")
    claim_type: ClaimType = strawberry.field(description="Type.")
    status: ClaimStatus = strawberry.field(description="State.")
    submitted_on: date = strawberry.field(description="Submission date.")
    decided_on: date | None = strawberry.field(description="Decision date.")
    settled_on: date | None = strawberry.field(description="Settlement date.")
    decision_reason: str | None = strawberry.field(description="Why (rejections, partial).")
    evidence: list[str] = strawberry.field(description="Evidence file references.")
    claimed: Money = strawberry.field(description="Value claimed.")
    approved: Money = strawberry.field(description="Value approved.")
    age_days: int = strawberry.field(description="Days since submission (until settled).")
    row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The lines.")
    async def lines(self, info: strawberry.Info[Context, None]) -> list[ClaimLineType]:
        rows = await grouped_loader(info.context, "claim.lines", service.claim_lines_of).load(
            self.row_id
        )
        return [_line(r, self.claimed.currency) for r in rows]

    @strawberry.field(
        description="Credit notes (BillingDocument ids) that settled the claim: one per claimed"
        " invoice, or for a scheme claim one on-account note."
    )
    async def credit_note_ids(self, info: strawberry.Info[Context, None]) -> list[strawberry.ID]:
        ids = await grouped_loader(
            info.context, "claim.creditNotes", service.settlement_notes_of
        ).load(self.row_id)
        return [strawberry.ID(encode_global_id("BillingDocument", i)) for i in ids]

    @strawberry.field(
        description="Scheme claims: the scheme accruals claimed (evidence lines, decided whole)."
    )
    async def scheme_accruals(self, info: strawberry.Info[Context, None]) -> list[SchemeAccrualRef]:
        from backend.schemes.graphql_claims import scheme_accruals_of_claim

        return await scheme_accruals_of_claim(info.context, self.row_id)


def _line(row: ClaimLine, currency: str) -> ClaimLineType:
    return ClaimLineType(
        line_id=strawberry.ID(encode_global_id("ClaimLine", row.id)),
        batch=row.batch,
        quantity=row.quantity,
        approved_quantity=row.approved_quantity,
        unit_amount=money(row.unit_amount, currency),
        invoice_id=strawberry.ID(encode_global_id("BillingDocument", row.invoice_id)),
    )


def claim_node(row: Claim) -> ClaimNode:
    """Map a claim row."""
    until = row.settled_on or date.today()
    return ClaimNode(
        id=strawberry.ID(encode_global_id("Claim", row.id)),
        reference=row.reference,
        claim_type=row.claim_type,
        status=row.status,
        submitted_on=row.submitted_on,
        decided_on=row.decided_on,
        settled_on=row.settled_on,
        decision_reason=row.decision_reason,
        evidence=list(row.evidence),
        claimed=money(row.claimed_amount, row.currency),
        approved=money(row.approved_amount, row.currency),
        age_days=max((until - row.submitted_on).days, 0),
        row_id=row.id,
    )


register_node("Claim", service.claims_by_ids, claim_node)


@strawberry.input(description="Units of one invoice line claimed.")
class ClaimLineInput:
    billing_line_id: strawberry.ID = strawberry.field(description="The invoice line (BillingLine).")
    batch: str = strawberry.field(description="Batch.")
    quantity: int = strawberry.field(description="Units.")
    unit_amount: Decimal = strawberry.field(description="Amount per unit, before tax.")


@strawberry.input(description="A claim to submit.")
class SubmitClaimInput:
    distributor_id: strawberry.ID = strawberry.field(description="The claiming distributor.")
    claim_type: ClaimType = strawberry.field(description="Type.")
    submitted_on: date = strawberry.field(description="Date.")
    lines: list[ClaimLineInput] = strawberry.field(description="What is claimed.")
    evidence: list[str] = strawberry.field(default_factory=list, description="File references.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.input(description="Approved units of one claim line.")
class ClaimApprovalInput:
    line_id: strawberry.ID = strawberry.field(
        description="The claim line (a SchemeAccrual for a scheme claim)."
    )
    approved_quantity: int = strawberry.field(
        description="Units approved (scheme accruals: 1 approves it whole, 0 rejects it)."
    )


@strawberry.input(description="A step of the claim workflow.")
class ClaimActionInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")
    on: date = strawberry.field(description="Business date of the step.")
    approvals: list[ClaimApprovalInput] = strawberry.field(
        default_factory=list, description="Decision only: approved units per line (none: reject)."
    )
    reason: str = strawberry.field(default="", description="Why (required to reject).")
    series: str = strawberry.field(default="CN", description="Settlement only: note series.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.type(description="Result of a claim mutation.")
class ClaimPayload:
    claim: ClaimNode | None = strawberry.field(description="The claim.")
    errors: list[UserError] = strawberry.field(description="Why it failed; empty on success.")


async def _claim(
    info: strawberry.Info[Context, None], work: Callable[[Principal], Awaitable[Claim]]
) -> ClaimPayload:
    row, errors = await run_mutation(info.context, work)
    return ClaimPayload(claim=claim_node(row) if row else None, errors=errors)


def _approval_line_id(global_id: str, path: str) -> uuid.UUID:
    # a claim line, or a scheme claim's evidence accrual (approved 1 = whole, 0 = rejected)
    type_name, local_id = decode_global_id(global_id, field=path)
    if type_name not in ("ClaimLine", "SchemeAccrual"):
        raise ValidationFailed("expected the id of a ClaimLine or a SchemeAccrual", field=path)
    return local_id


def _claim_id(data: ClaimActionInput) -> uuid.UUID:
    return decode_typed_id(data.claim_id, "Claim", field="input.claimId")


@strawberry.type(description="Open claims (not settled, not rejected) by days since submission.")
class ClaimAgeingType:
    days_0_30: int = strawberry.field(name="days0To30", description="0–30 days.")
    days_31_60: int = strawberry.field(name="days31To60", description="31–60 days.")
    days_61_90: int = strawberry.field(name="days61To90", description="61–90 days.")
    days_over_90: int = strawberry.field(name="daysOver90", description="More than 90 days.")


@strawberry.type
class ClaimsQuery:
    @strawberry.field(description="Claims you may see, by reference.")
    async def claims(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[int, strawberry.argument(description="Page size, 1 to 100.")],
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
        distributor_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Of this distributor.")
        ] = None,
        status: Annotated[
            ClaimStatus | None, strawberry.argument(description="In this state.")
        ] = None,
    ) -> Connection[ClaimNode]:
        context = info.context
        principal = await context.principal()
        dist = (
            decode_typed_id(distributor_id, "Distributor", field="distributorId")
            if distributor_id
            else None
        )
        stmt = service.claims_query(principal, distributor_id=dist)
        if status is not None:
            stmt = stmt.where(Claim.status == status)
        return await connection_page(
            context,
            stmt,
            sort_column=Claim.reference,
            first=first,
            after=after,
            to_node=claim_node,
        )

    @strawberry.field(description="How long open claims you may see have waited, in buckets.")
    async def claim_ageing(
        self,
        info: strawberry.Info[Context, None],
        as_of: Annotated[
            date | None, strawberry.argument(description="Day to age from (default today).")
        ] = None,
    ) -> ClaimAgeingType:
        principal = await info.context.principal()
        buckets = await service.claim_ageing(
            info.context.session, principal=principal, as_of=as_of or date.today()
        )
        return ClaimAgeingType(
            days_0_30=buckets[0],
            days_31_60=buckets[1],
            days_61_90=buckets[2],
            days_over_90=buckets[3],
        )


@strawberry.type
class ClaimsMutation:
    @strawberry.mutation(description="Submit a claim; over-claiming is refused.")
    async def submit_claim(
        self, info: strawberry.Info[Context, None], input: SubmitClaimInput
    ) -> ClaimPayload:
        async def work(principal: Principal) -> Claim:
            draft = service.ClaimDraft(
                distributor_id=decode_typed_id(
                    input.distributor_id, "Distributor", field="input.distributorId"
                ),
                claim_type=input.claim_type,
                submitted_on=input.submitted_on,
                evidence=tuple(input.evidence),
                lines=[
                    service.ClaimLineDraft(
                        decode_typed_id(
                            ln.billing_line_id,
                            "BillingLine",
                            field=f"input.lines[{i}].billingLineId",
                        ),
                        ln.batch,
                        ln.quantity,
                        ln.unit_amount,
                    )
                    for i, ln in enumerate(input.lines)
                ],
            )
            return await service.submit_claim(
                info.context.session,
                principal=principal,
                draft=draft,
                idempotency_key=input.idempotency_key,
            )

        return await _claim(info, work)

    @strawberry.mutation(description="Start reviewing a submitted claim.")
    async def review_claim(
        self, info: strawberry.Info[Context, None], input: ClaimActionInput
    ) -> ClaimPayload:
        return await _claim(
            info,
            lambda p: service.start_review(
                info.context.session,
                principal=p,
                claim_id=_claim_id(input),
                idempotency_key=input.idempotency_key,
            ),
        )

    @strawberry.mutation(description="Decide a claim: approve all, part, or none (reject).")
    async def decide_claim(
        self, info: strawberry.Info[Context, None], input: ClaimActionInput
    ) -> ClaimPayload:
        async def work(principal: Principal) -> Claim:
            approvals = {
                _approval_line_id(a.line_id, f"input.approvals[{i}].lineId"): a.approved_quantity
                for i, a in enumerate(input.approvals)
            }
            return await service.decide_claim(
                info.context.session,
                principal=principal,
                claim_id=_claim_id(input),
                approved=approvals,
                decided_on=input.on,
                reason=input.reason,
                idempotency_key=input.idempotency_key,
            )

        return await _claim(info, work)

    @strawberry.mutation(
        description="Settle an approved claim (ADMIN): a credit note per claimed invoice, or for"
        " a scheme claim one on-account credit note applied to open invoices oldest first."
    )
    async def settle_claim(
        self, info: strawberry.Info[Context, None], input: ClaimActionInput
    ) -> ClaimPayload:
        return await _claim(
            info,
            lambda p: service.settle_claim(
                info.context.session,
                principal=p,
                claim_id=_claim_id(input),
                series=input.series,
                on=input.on,
                idempotency_key=input.idempotency_key,
            ),
        )
