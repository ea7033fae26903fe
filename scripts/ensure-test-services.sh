#!/usr/bin/env bash
# Makes sure the machine's PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are up for tests.
set -euo pipefail

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
	if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
		echo "… starting PostgreSQL"
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
	fi
	for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
	pg_isready -q -h 127.0.0.1 -p 5432 || { echo "✗ PostgreSQL is not reachable on 127.0.0.1:5432 (set TEST_DATABASE_ADMIN_URL)" >&2; exit 1; }
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
	echo "… starting Redis"
	redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
	for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
	redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "✗ Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
fi
