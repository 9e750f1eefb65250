"""On-account credit notes: a scheme claim settled by one credit note from the brand to the
distributor, a QPS scheme settled by one secondary credit note per retailer.

- `billing_document.claim_id` (unique): the claim an on-account note settles. The check
  `note_corrects_something` becomes `note_corrects_or_on_account`: a note corrects an invoice,
  or is a CREDIT_NOTE without tax (on account); a trigger refuses SKU lines on such a note.
- `secondary_document`'s `credit_note_corrects_invoice` becomes
  `credit_note_corrects_or_on_account` in the same way (no discount, no tax, no lines).
- `note_allocation` / `secondary_note_allocation`: what an on-account note paid of which open
  invoice (oldest first); the rest stays on the note as credit on account.
- `qps_settlement`: one row per (scheme, retailer) settled, with its credit note.
- `scheme_accrual.credit_note_id`: a brand-funded QPS credit accrues for the scheme claim by
  its credit note (an accrual names an invoice line or a credit note, never both).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.kit import rls

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = ("note_allocation", "secondary_note_allocation", "qps_settlement")

NO_LINES_FUNCTION = """
CREATE OR REPLACE FUNCTION jalur_no_lines_on_account() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  on_account boolean;
BEGIN
  IF TG_TABLE_NAME = 'billing_line' THEN
    SELECT kind = 'CREDIT_NOTE' AND corrects_id IS NULL INTO on_account
      FROM billing_document WHERE tenant_id = NEW.tenant_id AND id = NEW.document_id;
  ELSE
    SELECT kind = 'CREDIT_NOTE' AND corrects_id IS NULL INTO on_account
      FROM secondary_document WHERE tenant_id = NEW.tenant_id AND id = NEW.document_id;
  END IF;
  IF on_account THEN
    RAISE EXCEPTION 'an on-account credit note has no lines'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$
"""


def _allocation_table(name: str, documents: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f(f"ck_{name}_amount_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "note_id"],
            [f"{documents}.tenant_id", f"{documents}.id"],
            name=op.f(f"fk_{name}_tenant_id_note_id_{documents}"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "document_id"],
            [f"{documents}.tenant_id", f"{documents}.id"],
            name=op.f(f"fk_{name}_tenant_id_document_id_{documents}"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f(f"fk_{name}_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{name}_tenant_id_id")),
    )
    op.create_index(op.f(f"ix_{name}_tenant_id_document_id"), name, ["tenant_id", "document_id"])
    op.create_index(op.f(f"ix_{name}_tenant_id_note_id"), name, ["tenant_id", "note_id"])


def upgrade() -> None:
    op.add_column("billing_document", sa.Column("claim_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_billing_document_tenant_id_claim_id_claim"),
        "billing_document",
        "claim",
        ["tenant_id", "claim_id"],
        ["tenant_id", "id"],
        ondelete="RESTRICT",
    )
    op.create_unique_constraint(
        op.f("uq_billing_document_tenant_id_claim_id"),
        "billing_document",
        ["tenant_id", "claim_id"],
    )
    op.drop_constraint(
        op.f("ck_billing_document_note_corrects_something"), "billing_document", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_billing_document_note_corrects_or_on_account"),
        "billing_document",
        "kind = 'INVOICE' OR corrects_id IS NOT NULL"
        " OR (kind = 'CREDIT_NOTE' AND tax = 0 AND round_off = 0)",
    )
    op.drop_constraint(
        op.f("ck_secondary_document_credit_note_corrects_invoice"),
        "secondary_document",
        type_="check",
    )
    op.create_check_constraint(
        op.f("ck_secondary_document_credit_note_corrects_or_on_account"),
        "secondary_document",
        "(kind = 'INVOICE' AND corrects_id IS NULL) OR (kind = 'CREDIT_NOTE'"
        " AND (corrects_id IS NOT NULL OR (discount = 0 AND tax = 0 AND round_off = 0)))",
    )
    _allocation_table("note_allocation", "billing_document")
    _allocation_table("secondary_note_allocation", "secondary_document")
    op.create_table(
        "qps_settlement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column("distributor_id", sa.Uuid(), nullable=False),
        sa.Column("retailer_id", sa.Uuid(), nullable=False),
        sa.Column("credit_note_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("percent", sa.Numeric(precision=7, scale=4), nullable=False),
        sa.Column("credit", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "quantity > 0 AND value > 0 AND credit > 0", name=op.f("ck_qps_settlement_positive")
        ),
        sa.CheckConstraint(
            "percent > 0 AND percent <= 100", name=op.f("ck_qps_settlement_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "scheme_id"],
            ["scheme.tenant_id", "scheme.id"],
            name=op.f("fk_qps_settlement_tenant_id_scheme_id_scheme"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "distributor_id"],
            ["distributor.tenant_id", "distributor.id"],
            name=op.f("fk_qps_settlement_tenant_id_distributor_id_distributor"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "retailer_id"],
            ["retailer.tenant_id", "retailer.id"],
            name=op.f("fk_qps_settlement_tenant_id_retailer_id_retailer"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "credit_note_id"],
            ["secondary_document.tenant_id", "secondary_document.id"],
            name=op.f("fk_qps_settlement_tenant_id_credit_note_id_secondary_document"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_qps_settlement_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qps_settlement")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_qps_settlement_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "scheme_id",
            "retailer_id",
            name=op.f("uq_qps_settlement_tenant_id_scheme_id_retailer_id"),
        ),
    )
    op.create_index(
        op.f("ix_qps_settlement_tenant_id_scheme_id"), "qps_settlement", ["tenant_id", "scheme_id"]
    )
    op.alter_column("scheme_accrual", "invoice_line_id", existing_type=sa.Uuid(), nullable=True)
    op.add_column("scheme_accrual", sa.Column("credit_note_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_scheme_accrual_tenant_id_credit_note_id_secondary_document"),
        "scheme_accrual",
        "secondary_document",
        ["tenant_id", "credit_note_id"],
        ["tenant_id", "id"],
        ondelete="RESTRICT",
    )
    op.create_unique_constraint(
        op.f("uq_scheme_accrual_tenant_id_scheme_id_credit_note_id"),
        "scheme_accrual",
        ["tenant_id", "scheme_id", "credit_note_id"],
    )
    op.create_check_constraint(
        op.f("ck_scheme_accrual_line_or_credit_note"),
        "scheme_accrual",
        "(invoice_line_id IS NULL) <> (credit_note_id IS NULL)",
    )
    for table in NEW_TABLES:
        for statement in rls.tenant_table_policy(table):
            op.execute(statement)
    op.execute(NO_LINES_FUNCTION)
    for table in ("billing_line", "secondary_line"):
        op.execute(
            f"CREATE TRIGGER {table}_not_on_account BEFORE INSERT ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION jalur_no_lines_on_account()"
        )


def downgrade() -> None:
    for table in ("billing_line", "secondary_line"):
        op.execute(f"DROP TRIGGER {table}_not_on_account ON {table}")
    op.execute("DROP FUNCTION jalur_no_lines_on_account()")
    for table in NEW_TABLES:
        for statement in rls.drop_policy(table):
            op.execute(statement)
    op.execute("DELETE FROM scheme_accrual WHERE credit_note_id IS NOT NULL")
    op.drop_constraint(
        op.f("ck_scheme_accrual_line_or_credit_note"), "scheme_accrual", type_="check"
    )
    op.drop_constraint(
        op.f("uq_scheme_accrual_tenant_id_scheme_id_credit_note_id"),
        "scheme_accrual",
        type_="unique",
    )
    op.drop_constraint(
        op.f("fk_scheme_accrual_tenant_id_credit_note_id_secondary_document"),
        "scheme_accrual",
        type_="foreignkey",
    )
    op.drop_column("scheme_accrual", "credit_note_id")
    op.alter_column("scheme_accrual", "invoice_line_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_table("qps_settlement")
    op.drop_table("secondary_note_allocation")
    op.drop_table("note_allocation")
    op.drop_constraint(
        op.f("ck_secondary_document_credit_note_corrects_or_on_account"),
        "secondary_document",
        type_="check",
    )
    op.create_check_constraint(
        op.f("ck_secondary_document_credit_note_corrects_invoice"),
        "secondary_document",
        "(kind = 'INVOICE') = (corrects_id IS NULL)",
    )
    op.drop_constraint(
        op.f("ck_billing_document_note_corrects_or_on_account"), "billing_document", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_billing_document_note_corrects_something"),
        "billing_document",
        "kind = 'INVOICE' OR corrects_id IS NOT NULL",
    )
    op.drop_constraint(
        op.f("uq_billing_document_tenant_id_claim_id"), "billing_document", type_="unique"
    )
    op.drop_constraint(
        op.f("fk_billing_document_tenant_id_claim_id_claim"), "billing_document", type_="foreignkey"
    )
    op.drop_column("billing_document", "claim_id")
