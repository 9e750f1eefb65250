"""Cached account balances move once per account per INSERT statement, not once per entry.

The row trigger updated `ledger_account.balance` for every journal entry. A transaction that
posts many entries to the same account (a bulk load: the demo's twelve weeks of invoices, an
import) then builds a chain of row versions it cannot prune, and every later update and
foreign-key check walks that chain: quadratic in the entries per account. The statement
trigger sums the statement's new entries per account (a transition table) and updates each
account once, in account order, so concurrent multi-row posts lock accounts in one order.
A one-row INSERT behaves exactly as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 10:05:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPLY_ENTRIES_FUNCTION = """
CREATE OR REPLACE FUNCTION jalur_apply_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  moved record;
BEGIN
  FOR moved IN
    SELECT tenant_id, account_id, sum(amount) AS amount FROM new_entries
     GROUP BY tenant_id, account_id
     ORDER BY tenant_id, account_id
  LOOP
    IF moved.amount <> 0 THEN
      UPDATE ledger_account SET balance = balance + moved.amount
       WHERE tenant_id = moved.tenant_id AND id = moved.account_id;
    END IF;
  END LOOP;
  RETURN NULL;
END $$
"""
APPLY_ENTRIES_TRIGGER = """
CREATE TRIGGER journal_entry_apply AFTER INSERT ON journal_entry
REFERENCING NEW TABLE AS new_entries
FOR EACH STATEMENT EXECUTE FUNCTION jalur_apply_entries()
"""
# Revision 0002's row trigger, restored on downgrade.
APPLY_ENTRY_FUNCTION = """
CREATE OR REPLACE FUNCTION jalur_apply_entry() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ledger_account SET balance = balance + NEW.amount
   WHERE tenant_id = NEW.tenant_id AND id = NEW.account_id;
  RETURN NULL;
END $$
"""
APPLY_ENTRY_TRIGGER = """
CREATE TRIGGER journal_entry_apply AFTER INSERT ON journal_entry
FOR EACH ROW EXECUTE FUNCTION jalur_apply_entry()
"""


def upgrade() -> None:
    op.execute("DROP TRIGGER journal_entry_apply ON journal_entry")
    op.execute("DROP FUNCTION jalur_apply_entry()")
    op.execute(APPLY_ENTRIES_FUNCTION)
    op.execute(APPLY_ENTRIES_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER journal_entry_apply ON journal_entry")
    op.execute("DROP FUNCTION jalur_apply_entries()")
    op.execute(APPLY_ENTRY_FUNCTION)
    op.execute(APPLY_ENTRY_TRIGGER)
