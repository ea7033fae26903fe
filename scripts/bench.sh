#!/usr/bin/env bash
# Runs every benchmark (bench/<name>/run.ts) and prints their figures. BENCH=<name> runs one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-test-services.sh
status=0
for script in bench/*/run.ts; do
	[ -f "$script" ] || continue
	name=$(basename "$(dirname "$script")")
	[ -n "${BENCH:-}" ] && [ "$BENCH" != "$name" ] && continue
	printf '\n\033[1m== bench: %s ==\033[0m\n' "$name"
	pnpm exec tsx "$script" || { echo "✗ bench $name failed"; status=1; }
done
exit $status
