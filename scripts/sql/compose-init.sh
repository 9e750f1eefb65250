#!/usr/bin/env bash
# Compose database init (mounted into /docker-entrypoint-initdb.d): run the same bootstrap
# SQL as scripts/services, with the role passwords from the container's environment.
set -euo pipefail
for dbname in jalur jalur_test; do
  echo "jalur init: roles, database $dbname, PostGIS and grants"
  psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v "dbname=$dbname" \
    -v "owner_password=${JALUR_OWNER_PASSWORD:?set JALUR_OWNER_PASSWORD}" \
    -v "app_password=${JALUR_APP_PASSWORD:?set JALUR_APP_PASSWORD}" \
    -f /jalur/bootstrap.sql
done
