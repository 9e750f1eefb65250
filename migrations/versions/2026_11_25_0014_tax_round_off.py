"""Invoice-level tax rounding: a round-off amount on primary and secondary documents (GST: the
total rounded to the rupee) and a ROUND_OFF ledger account kind it posts to.

Revision ID: 0014
Revises: 0006
Create Date: 2026-11-25 08:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCOUNT_KINDS = (
    "RECEIVABLE",
    "REVENUE",
    "TAX_PAYABLE",
    "SCHEME_EXPENSE",
    "CLAIMS_EXPENSE",
    "SALES_RETURNS",
    "CASH",
    "BANK",
    "CHEQUES_IN_HAND",
)
PRIMARY_TOTALS = "net >= 0 AND tax >= 0 AND total = net + tax"
SECONDARY_TOTALS = (
    "gross >= 0 AND discount >= 0 AND net = gross - discount AND net >= 0 AND tax >= 0"
    " AND total = net + tax"
)
ROUND_OFF = " + round_off"


def _account_kinds(kinds: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_ledger_account_account_kind"), "ledger_account", type_="check")
    listed = ", ".join(f"'{k}'" for k in kinds)
    op.create_check_constraint(
        op.f("ck_ledger_account_account_kind"), "ledger_account", f"kind IN ({listed})"
    )


def _totals(table: str, check: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_totals"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_totals"), table, check)


def upgrade() -> None:
    for table in ("billing_document", "secondary_document"):
        op.add_column(
            table,
            sa.Column(
                "round_off",
                sa.Numeric(precision=18, scale=2),
                nullable=False,
                server_default=sa.text("0"),
            ),
        )
        op.alter_column(table, "round_off", server_default=None)
    _totals("billing_document", PRIMARY_TOTALS + ROUND_OFF)
    _totals("secondary_document", SECONDARY_TOTALS + ROUND_OFF)
    _account_kinds((*ACCOUNT_KINDS, "ROUND_OFF"))


def downgrade() -> None:
    _account_kinds(ACCOUNT_KINDS)
    _totals("secondary_document", SECONDARY_TOTALS)
    _totals("billing_document", PRIMARY_TOTALS)
    for table in ("secondary_document", "billing_document"):
        op.drop_column(table, "round_off")
