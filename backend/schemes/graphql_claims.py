"""GraphQL of scheme claims: the evidence accruals of a claim, and generating a period's claim."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from backend.api.context import Context
from backend.api.mutations import run_mutation
from backend.api.types import Money
from backend.auth.principal import Principal
from backend.claims.graphql import ClaimPayload, claim_node
from backend.claims.models import Claim
from backend.kit.ids import decode_typed_id, encode_global_id
from backend.orders.graphql_types import grouped_loader, money
from backend.schemes import claims
from backend.schemes.models import SchemeAccrual

IDEMPOTENCY = "Client-generated key: a retry with it returns the first result."


@strawberry.type(
    description="What a distributor gave under a scheme: on one invoice line, or a QPS credit."
)
class SchemeAccrualType:
    accrual_id: strawberry.ID = strawberry.field(description="Global id (for claim decisions).")
    scheme_code: str = strawberry.field(description="The scheme.")
    invoice_line_id: strawberry.ID | None = strawberry.field(
        description="The secondary invoice line (null: a QPS credit, see creditNoteId)."
    )
    credit_note_id: strawberry.ID | None = strawberry.field(
        description="A QPS credit: the on-account secondary credit note (SecondaryDocument)."
    )
    reference: str = strawberry.field(description="Invoice or credit note number.")
    accrued_on: date = strawberry.field(description="Invoice or credit note date.")
    discount: Money = strawberry.field(description="Discount given on the line.")
    free_quantity: int = strawberry.field(description="Units given free.")
    free_value: Money = strawberry.field(description="Value of the free units.")
    amount: Money = strawberry.field(description="Discount plus free-goods value.")
    approved: bool | None = strawberry.field(description="The decision (none: undecided).")


async def _accruals_with_codes(
    session: AsyncSession, claim_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[SchemeAccrual, str]]]:
    grouped = await claims.accruals_of(session, claim_ids)
    ids = sorted({a.scheme_id for rows in grouped.values() for a in rows})
    codes = await claims.scheme_codes_of(session, ids)
    return {k: [(a, codes[a.scheme_id]) for a in rows] for k, rows in grouped.items()}


async def scheme_accruals_of_claim(
    context: Context, claim_id: uuid.UUID
) -> list[SchemeAccrualType]:
    """A claim's evidence accruals, through one batched loader per request."""
    rows = await grouped_loader(context, "claim.schemeAccruals", _accruals_with_codes).load(
        claim_id
    )
    return [_accrual(a, code) for a, code in rows]


def _accrual(row: SchemeAccrual, code: str) -> SchemeAccrualType:
    c = row.currency
    return SchemeAccrualType(
        accrual_id=strawberry.ID(encode_global_id("SchemeAccrual", row.id)),
        scheme_code=code,
        invoice_line_id=None
        if row.invoice_line_id is None
        else strawberry.ID(encode_global_id("SecondaryInvoiceLine", row.invoice_line_id)),
        credit_note_id=None
        if row.credit_note_id is None
        else strawberry.ID(encode_global_id("SecondaryDocument", row.credit_note_id)),
        reference=row.reference,
        accrued_on=row.accrued_on,
        discount=money(row.discount, c),
        free_quantity=row.free_quantity,
        free_value=money(row.free_value, c),
        amount=money(row.amount, c),
        approved=row.approved,
    )


@strawberry.input(description="A distributor's period to claim scheme accruals for.")
class GenerateSchemeClaimInput:
    distributor_id: strawberry.ID = strawberry.field(description="The distributor.")
    period_from: date = strawberry.field(description="First invoice date (inclusive).")
    period_to: date = strawberry.field(description="Last invoice date (inclusive).")
    submitted_on: date = strawberry.field(description="The claim's submission date.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY)


@strawberry.type
class SchemeClaimsMutation:
    @strawberry.mutation(
        description=(
            "Claim a distributor's unclaimed scheme accruals of a period as one "
            "SCHEME_REIMBURSEMENT claim (ADMIN, or the distributor itself); never claims twice."
        )
    )
    async def generate_scheme_claim(
        self, info: strawberry.Info[Context, None], input: GenerateSchemeClaimInput
    ) -> ClaimPayload:
        async def work(principal: Principal) -> Claim:
            return await claims.generate_scheme_claims(
                info.context.session,
                principal=principal,
                distributor_id=decode_typed_id(
                    input.distributor_id, "Distributor", field="input.distributorId"
                ),
                period_from=input.period_from,
                period_to=input.period_to,
                submitted_on=input.submitted_on,
                idempotency_key=input.idempotency_key,
            )

        row, errors = await run_mutation(info.context, work)
        return ClaimPayload(claim=claim_node(row) if row else None, errors=errors)
