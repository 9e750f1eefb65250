"""Derived offtake takes returns off purchases: a `returned` column next to `purchased`.

Units a retailer gave back to its distributor between two stock counts (secondary credit notes
of sales returns) left the shelf without being sold to consumers. They are stored apart from
the invoiced units, both not negative, and the arithmetic check becomes
quantity = opening_count + purchased − returned − closing_count (net purchases may be negative;
each column keeps its own meaning). Existing rows had no returns taken off: `returned` = 0 keeps
them true to what was derived; rerunning the derivation recomputes them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-25 10:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "derived_offtake",
        sa.Column("returned", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.alter_column("derived_offtake", "returned", server_default=None)
    op.create_check_constraint(
        op.f("ck_derived_offtake_returned_not_negative"), "derived_offtake", "returned >= 0"
    )
    op.drop_constraint(op.f("ck_derived_offtake_arithmetic"), "derived_offtake", type_="check")
    op.create_check_constraint(
        op.f("ck_derived_offtake_arithmetic"),
        "derived_offtake",
        "quantity = opening_count + purchased - returned - closing_count",
    )


def downgrade() -> None:
    # Folding returns back into net purchases could break `purchased >= 0`; the derivation is
    # rerunnable, so rows with returns are dropped and rederived by the next nightly job.
    op.execute("DELETE FROM derived_offtake WHERE returned > 0")
    op.drop_constraint(op.f("ck_derived_offtake_arithmetic"), "derived_offtake", type_="check")
    op.create_check_constraint(
        op.f("ck_derived_offtake_arithmetic"),
        "derived_offtake",
        "quantity = opening_count + purchased - closing_count",
    )
    op.drop_constraint(
        op.f("ck_derived_offtake_returned_not_negative"), "derived_offtake", type_="check"
    )
    op.drop_column("derived_offtake", "returned")
