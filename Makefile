# Jalur: the two set-up commands are `make demo` and `make test`; the rest are shortcuts.
# Every target that needs the database first runs scripts/bootstrap (.venv from the lock)
# and scripts/services (PostgreSQL + PostGIS and Redis reachable, .jalur/env written).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
# The steps depend on each other's side effects (.venv, .jalur/env): never run them at once.
.NOTPARALLEL:

BIN := .venv/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help demo test bootstrap services lint format typecheck pytest migrate seed info \
	serve worker schema compose-config

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

demo: bootstrap services ## Set up, migrate, seed the demo tenant, print tokens, serve on 127.0.0.1:8000.
	$(BIN)/jalur migrate
	$(BIN)/jalur demo seed
	$(BIN)/jalur demo info
	$(BIN)/jalur serve --host $(HOST) --port $(PORT)

test: bootstrap services lint typecheck pytest ## Set up, then ruff, mypy and pytest (what CI runs).

bootstrap: ## Create .venv from requirements.lock and install Jalur (skipped when up to date).
	scripts/bootstrap

services: ## Make PostgreSQL + PostGIS and Redis reachable and write .jalur/env.
	scripts/services

lint: bootstrap ## ruff check and ruff format --check.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: bootstrap ## Apply ruff's fixes and formatting.
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: bootstrap ## mypy on the whole tree, tests included.
	$(BIN)/mypy .

pytest: bootstrap services ## Run the test suite (pass options with ARGS="-k name").
	$(BIN)/pytest $(ARGS)

migrate: bootstrap services ## Upgrade the database to the latest migration (as the owner role).
	$(BIN)/jalur migrate

seed: migrate ## Seed the demo tenant (idempotent).
	$(BIN)/jalur demo seed

info: bootstrap services ## Print the demo tokens, the GraphiQL address and an example query.
	$(BIN)/jalur demo info

serve: bootstrap services ## Serve the API on HOST:PORT (default 127.0.0.1:8000) without migrating or seeding.
	$(BIN)/jalur serve --host $(HOST) --port $(PORT)

worker: bootstrap services ## Run an RQ worker.
	$(BIN)/jalur worker

schema: bootstrap ## Export the GraphQL schema to graphql/schema.graphql.
	$(BIN)/jalur schema export

compose-config: ## Validate docker-compose.yml (Debian's docker-compose, no engine needed).
	docker-compose -f docker-compose.yml config -q
