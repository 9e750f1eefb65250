"""Primary DMS completion: numbered invoice lines, tax components per line, primary-value goals, note reasons for
scheme reimbursements and cancellations, ordered stock movements.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.kit import rls

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GOAL_METRICS = (
    "SECONDARY_VALUE",
    "SKU_VOLUME",
    "BRAND_VOLUME",
    "CATEGORY_VOLUME",
    "PRODUCTIVE_CALLS",
    "CALLS",
    "ECO",
    "NEW_OUTLETS",
    "MUST_SELL_DISTRIBUTION",
)
NOTE_REASONS = ("RETURN", "PRICE_DIFFERENCE", "CLAIM_SETTLEMENT", "OTHER")
NEW_NOTE_REASONS = ("SCHEME_REIMBURSEMENT", "CANCELLATION")


def _note_reason_check(reasons: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_billing_document_note_reason"), "billing_document", type_="check")
    listed = ", ".join(f"'{r}'" for r in reasons)
    op.create_check_constraint(
        op.f("ck_billing_document_note_reason"), "billing_document", f"reason IN ({listed})"
    )


def _metric_check(metrics: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_goal_metric"), "goal", type_="check")
    listed = ", ".join(f"'{m}'" for m in metrics)
    op.create_check_constraint(op.f("ck_goal_metric"), "goal", f"metric IN ({listed})")


def _unforced(table: str, statement: str) -> None:
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(statement)
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def _number_billing_lines() -> None:
    # Existing lines are numbered in id order; FORCE is lifted so the owner sees every tenant.
    op.add_column("billing_line", sa.Column("line_no", sa.Integer(), nullable=True))
    _unforced(
        "billing_line",
        "UPDATE billing_line SET line_no = n.line_no FROM (SELECT id, row_number() OVER"
        " (PARTITION BY tenant_id, document_id ORDER BY id) AS line_no FROM billing_line) AS n"
        " WHERE billing_line.id = n.id",
    )
    op.alter_column("billing_line", "line_no", nullable=False)
    op.create_unique_constraint(
        op.f("uq_billing_line_tenant_id_document_id_line_no"),
        "billing_line",
        ["tenant_id", "document_id", "line_no"],
    )


def upgrade() -> None:
    """Apply this revision."""
    _number_billing_lines()
    op.create_table(
        "billing_line_tax",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=10), nullable=False),
        sa.Column("rate", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("base", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "rate > 0 AND base >= 0 AND amount >= 0",
            name=op.f("ck_billing_line_tax_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "document_id"],
            ["billing_document.tenant_id", "billing_document.id"],
            name=op.f("fk_billing_line_tax_tenant_id_document_id_billing_document"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "line_id"],
            ["billing_line.tenant_id", "billing_line.id"],
            name=op.f("fk_billing_line_tax_tenant_id_line_id_billing_line"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_billing_line_tax_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_line_tax")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_billing_line_tax_tenant_id_id")),
    )
    op.create_index(
        op.f("ix_billing_line_tax_tenant_id_document_id"),
        "billing_line_tax",
        ["tenant_id", "document_id"],
        unique=False,
    )
    for statement in rls.tenant_table_policy("billing_line_tax"):
        op.execute(statement)
    _metric_check((*GOAL_METRICS, "PRIMARY_VALUE"))
    _note_reason_check((*NOTE_REASONS, *NEW_NOTE_REASONS))
    op.alter_column("stock_movement", "at", server_default=sa.text("clock_timestamp()"))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_constraint(
        op.f("uq_billing_line_tenant_id_document_id_line_no"), "billing_line", type_="unique"
    )
    op.drop_column("billing_line", "line_no")
    op.alter_column("stock_movement", "at", server_default=sa.text("now()"))
    # Rows of every tenant: FORCE is lifted for the owner while they are rewritten.
    _unforced("goal", "DELETE FROM goal WHERE metric = 'PRIMARY_VALUE'")
    _metric_check(GOAL_METRICS)
    listed = ", ".join(f"'{r}'" for r in NEW_NOTE_REASONS)
    _unforced(
        "billing_document",
        f"UPDATE billing_document SET reason = 'OTHER' WHERE reason IN ({listed})",
    )
    _note_reason_check(NOTE_REASONS)
    for statement in rls.drop_policy("billing_line_tax"):
        op.execute(statement)
    op.drop_index(op.f("ix_billing_line_tax_tenant_id_document_id"), table_name="billing_line_tax")
    op.drop_table("billing_line_tax")
