#!/usr/bin/env bash
# Installs what the platform needs and is missing: Node check, pnpm, Debian packages, node_modules.
# Usage: scripts/bootstrap.sh [start|test]   (test also installs Chromium for browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-start}"
PNPM_VERSION="10.34.8"

say() { printf '\033[36m…\033[0m %s\n' "$*"; }
fail() { printf '\033[31m✗\033[0m %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || fail "Node.js 20.9+ is required (https://nodejs.org)."
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "Node.js 20.9+ is required; found $(node -v)."

if ! command -v pnpm >/dev/null || [ "$(pnpm -v 2>/dev/null)" != "$PNPM_VERSION" ]; then
	say "installing pnpm $PNPM_VERSION"
	if ! npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1; then
		command -v corepack >/dev/null && corepack enable && corepack prepare "pnpm@$PNPM_VERSION" --activate >/dev/null 2>&1 || true
	fi
	command -v pnpm >/dev/null || fail "Could not install pnpm; install pnpm $PNPM_VERSION and retry."
fi

# Debian packages: git (repos), bubblewrap (sandbox isolation), ripgrep (the agent's search tools),
# redis-server (when no Redis is reachable), chromium for browser tests.
packages=(git bubblewrap ripgrep)
commands=(git bwrap rg)
if [ "$purpose" = "test" ]; then packages+=(chromium redis-server); commands+=(chromium redis-server); fi
missing=()
for i in "${!packages[@]}"; do command -v "${commands[$i]}" >/dev/null || missing+=("${packages[$i]}"); done
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
		say "installing Debian packages: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
			|| { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
			|| fail "apt-get could not install: ${missing[*]}"
	else
		printf '\033[33m!\033[0m missing %s; install them (Debian: apt-get install %s)\n' "${missing[*]}" "${missing[*]}" >&2
		[ "$purpose" = "test" ] && fail "tests need: ${missing[*]}"
	fi
fi

if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ] || [ "${CI:-}" = "true" ]; then
	say "installing dependencies (pnpm install)"
	pnpm install --frozen-lockfile --prefer-offline --reporter=append-only 2>&1 | grep -vE '^(Progress|Packages:)' | tail -n 5
fi

# Build steps other packages rely on at run time (each is a no-op when up to date).
for package in packages/sandbox-mcp; do
	if [ -f "$package/package.json" ] && grep -q '"build"' "$package/package.json"; then
		pnpm --silent -C "$package" build >/dev/null || fail "build of $package failed"
	fi
done
