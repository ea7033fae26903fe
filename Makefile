SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help start test demo test-unit services dev-web dev-gateway dev-llm-proxy dev-worker dev-scripted-model \
	bench lint lint-fix check-structure typecheck build db-migrate db-generate secrets-reseal clean-data

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

start: ## Install what is missing, start PostgreSQL/Redis, migrate, seed the demo org and run every app
	@scripts/bootstrap.sh start
	@pnpm --silent -C scripts start-platform

test: ## Install what is missing, make sure PostgreSQL/Redis are up, run every test (unit, integration, e2e)
	@scripts/bootstrap.sh test
	@scripts/ensure-test-services.sh
	@pnpm --silent test

demo: ## With `make start` running: start a session on the demo repo and stream it here (PROMPT="…")
	@pnpm --silent -C scripts demo $${PROMPT:-}

test-unit: ## Run only the unit tests (no services needed)
	@pnpm --silent test:unit

services: ## Start only PostgreSQL + Redis, migrate and seed (for the dev-* targets)
	@scripts/bootstrap.sh start
	@pnpm --silent -C scripts services

dev-web: ## Run the web app in dev mode (needs `make services`)
	@scripts/with-platform-env.sh pnpm -C apps/web dev

dev-gateway: ## Run the gateway with reload (needs `make services`)
	@scripts/with-platform-env.sh pnpm -C apps/gateway dev

dev-llm-proxy: ## Run the LLM proxy with reload (needs `make services`)
	@scripts/with-platform-env.sh pnpm -C apps/llm-proxy dev

dev-worker: ## Run the BullMQ workers with reload (needs `make services`)
	@scripts/with-platform-env.sh pnpm -C apps/worker dev

dev-scripted-model: ## Run the scripted demo model server
	@scripts/with-platform-env.sh pnpm -C packages/scripted-model dev

bench: ## Run the benchmarks in bench/ and print their figures (BENCH=<name> for one)
	@scripts/bootstrap.sh test
	@scripts/bench.sh

lint: ## Biome (format + lint + import order), then the structure check
	@pnpm --silent lint

lint-fix: ## Biome with fixes applied
	@pnpm --silent lint:fix

check-structure: ## Fail on source files over 600 lines or any import cycle (also part of `make lint`)
	@pnpm --silent check:structure

typecheck: ## TypeScript in every workspace
	@pnpm --silent typecheck

build: ## Build every workspace that has a build step
	@pnpm --silent build

db-migrate: ## Apply migrations to DATABASE_URL (or the one `make services` uses)
	@scripts/with-platform-env.sh pnpm --silent -C packages/db db:migrate

db-generate: ## Generate a migration from schema changes (NAME=<short_name>)
	@pnpm -C packages/db exec drizzle-kit generate --name $${NAME:-change}

secrets-reseal: ## Re-seal every stored secret with SECRETS_ENCRYPTION_KEY after a rotation (batches, idempotent)
	@if [ -n "$${DATABASE_URL:-}" ]; then pnpm --silent -C scripts secrets-reseal; else scripts/with-platform-env.sh pnpm --silent -C scripts secrets-reseal; fi

clean-data: ## Delete local state (.proliferate/: embedded database, sandboxes, snapshots)
	@read -r -p "Delete .proliferate/ (embedded database, sandboxes, snapshots)? [y/N] " answer; [ "$$answer" = "y" ] && rm -rf .proliferate && echo "deleted" || echo "kept"
