#!/usr/bin/env bash
# Runs a command with the environment `make services` wrote to .proliferate/platform.env.
set -euo pipefail
cd "$(dirname "$0")/.."
env_file="${PROLIFERATE_DATA_DIR:-.proliferate}/platform.env"
[ -f "$env_file" ] || { echo "✗ $env_file not found: run 'make services' in another terminal first." >&2; exit 1; }
set -a
# shellcheck disable=SC1090
source "$env_file"
set +a
exec "$@"
