"""Row-level security DDL, used by migrations: one policy shape for every tenant-owned table.

`jalur_current_tenant()` reads the transaction-local `jalur.tenant_id`; when it is unset (or
reset to '' at the end of a transaction) it is NULL and every policy compares false, so a
connection with no tenant sees nothing and can write nothing.
"""

from __future__ import annotations

CURRENT_TENANT_FUNCTION = """
CREATE OR REPLACE FUNCTION jalur_current_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT NULLIF(current_setting('jalur.tenant_id', true), '')::uuid $$
"""

# The tenant registry is not FORCE'd: its owner may read it through these two narrow
# SECURITY DEFINER functions (sign-in by tenant code; jobs that run for every tenant).
TENANT_DIRECTORY_FUNCTIONS = (
    """
CREATE OR REPLACE FUNCTION jalur_tenant_id(tenant_code text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT id FROM tenant WHERE code = tenant_code $$
""",
    """
CREATE OR REPLACE FUNCTION jalur_tenants() RETURNS TABLE (id uuid, code text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
$$ SELECT id, code::text FROM tenant ORDER BY code $$
""",
)

DROP_FUNCTIONS = (
    "DROP FUNCTION IF EXISTS jalur_tenants()",
    "DROP FUNCTION IF EXISTS jalur_tenant_id(text)",
    "DROP FUNCTION IF EXISTS jalur_current_tenant()",
)


def tenant_table_policy(table: str) -> list[str]:
    """Statements that confine `table` to the current tenant, for every role including its owner."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING (tenant_id = jalur_current_tenant())"
        " WITH CHECK (tenant_id = jalur_current_tenant())",
    ]


def tenant_registry_policy() -> list[str]:
    """Statements that let a session see only its own tenant row."""
    return [
        "ALTER TABLE tenant ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY tenant_isolation ON tenant USING (id = jalur_current_tenant())"
        " WITH CHECK (id = jalur_current_tenant())",
    ]


def drop_policy(table: str) -> list[str]:
    """Statements that undo `tenant_table_policy` / `tenant_registry_policy`."""
    return [
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
