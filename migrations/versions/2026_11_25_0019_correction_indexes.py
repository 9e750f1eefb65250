"""Index the self-references of documents and lines: the notes correcting an invoice and the
lines correcting an invoice line (partial: only rows that correct something).

Without them every delete of a document or line (a tenant purge, a clean-up) checks its
foreign key by scanning the whole table for rows that reference it — quadratic in a bulk
delete of secondary lines — and "returned so far against this line" scans every line.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25 11:58:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("billing_document", "corrects_id"),
    ("secondary_document", "corrects_id"),
    ("secondary_line", "corrects_line_id"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(
            op.f(f"ix_{table}_tenant_id_{column}"),
            table,
            ["tenant_id", column],
            unique=False,
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )


def downgrade() -> None:
    for table, column in INDEXES:
        op.drop_index(op.f(f"ix_{table}_tenant_id_{column}"), table_name=table)
