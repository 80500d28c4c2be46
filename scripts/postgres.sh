#!/usr/bin/env bash
# Makes sure the local PostgreSQL answers (starting the cluster if it is
# installed but down). Under CI=true a missing PostgreSQL fails the run;
# elsewhere the PostgreSQL half of the tests is skipped with a notice.
# --drop-test-databases removes the ap_test_* databases the tests created.
set -uo pipefail
url="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

up() { psql "$url" -Atqc 'select 1' >/dev/null 2>&1; }

if [ "${1:-}" = "--drop-test-databases" ]; then
  up || exit 0
  psql "$url" -Atqc "select datname from pg_database where datname like 'ap\_test\_%'" |
    while read -r db; do psql "$url" -qc "drop database if exists \"$db\" with (force)" >/dev/null; done
  exit 0
fi

if ! up && command -v pg_ctlcluster >/dev/null; then
  version=$(ls /etc/postgresql 2>/dev/null | head -n1)
  [ -n "$version" ] && pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null
  for _ in $(seq 1 20); do up && break; sleep 0.5; done
fi
if up; then
  echo "PostgreSQL is up at ${url%%/postgres}"
  "$0" --drop-test-databases
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not reachable at $url, and CI=true: failing." >&2
  exit 1
else
  echo "PostgreSQL is not reachable at $url: its tests will be skipped." >&2
fi
