"""Column helpers for tenant-owned tables.

Every tenant-owned table has `tenant_id` and a unique `(tenant_id, id)` so that children point at
their parents with composite foreign keys: a row can never reference another tenant's row, even
through a bug that bypasses row-level security.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Uuid


class TenantOwned:
    """Mixin: the `tenant_id` column (pair it with `tenant_key()` in `__table_args__`)."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("tenant.id", ondelete="RESTRICT"), nullable=False
    )


def tenant_key() -> UniqueConstraint:
    """The unique `(tenant_id, id)` that children's composite foreign keys reference."""
    return UniqueConstraint("tenant_id", "id")


def tenant_fk(
    column: str, target_table: str, *, ondelete: str = "RESTRICT"
) -> ForeignKeyConstraint:
    """A composite foreign key `(tenant_id, column)` → `target_table(tenant_id, id)`."""
    return ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{target_table}.tenant_id", f"{target_table}.id"],
        ondelete=ondelete,
    )
