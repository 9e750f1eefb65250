-- Jalur database bootstrap: roles, one database, PostGIS, schema ownership and grants.
-- Run as a superuser with psql, once per database, e.g.
--   psql -X -v ON_ERROR_STOP=1 -v dbname=jalur -f scripts/sql/bootstrap.sql
-- Variables: dbname (required); owner_password and app_password (optional: empty means
-- no password, for clusters with trust authentication). Idempotent: safe to run again.
-- Used by scripts/services (local cluster) and scripts/sql/compose-init.sh (compose image).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?owner_password}
\else
\set owner_password ''
\endif
\if :{?app_password}
\else
\set app_password ''
\endif

-- Roles. The owner runs migrations and owns the tables; the app role is what the API
-- uses, so it must not be able to bypass row-level security in any way.
SELECT 'CREATE ROLE jalur_owner'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jalur_owner') \gexec
SELECT 'CREATE ROLE jalur_app'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jalur_app') \gexec
ALTER ROLE jalur_owner LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
ALTER ROLE jalur_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;

SELECT format('ALTER ROLE jalur_owner PASSWORD %L', :'owner_password')
 WHERE :'owner_password' <> '' \gexec
SELECT format('ALTER ROLE jalur_app PASSWORD %L', :'app_password')
 WHERE :'app_password' <> '' \gexec

-- The database, owned by the owner role.
SELECT format('CREATE DATABASE %I OWNER jalur_owner', :'dbname')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'dbname') \gexec
SELECT format('ALTER DATABASE %I OWNER TO jalur_owner', :'dbname')
  FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
 WHERE d.datname = :'dbname' AND r.rolname <> 'jalur_owner' \gexec

\connect :"dbname"
SET client_min_messages = warning;

-- PostGIS is not a trusted extension: only a superuser can create it.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Since PostgreSQL 15 nobody but the schema owner may create in public; give it to the
-- owner role (and make older versions behave the same way).
SELECT 'ALTER SCHEMA public OWNER TO jalur_owner'
  FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
 WHERE n.nspname = 'public' AND r.rolname <> 'jalur_owner' \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO jalur_app;

-- Tables, sequences and functions the owner creates later are usable by the app role.
ALTER DEFAULT PRIVILEGES FOR ROLE jalur_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO jalur_app;
ALTER DEFAULT PRIVILEGES FOR ROLE jalur_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO jalur_app;
ALTER DEFAULT PRIVILEGES FOR ROLE jalur_owner IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO jalur_app;
