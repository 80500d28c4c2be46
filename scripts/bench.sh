#!/usr/bin/env bash
# Benchmarks, each printing its figures: queue throughput (no-op jobs per
# second through the worker's claim/complete path, 2 workers) on SQLite and
# on PostgreSQL (TEST_POSTGRES_URL, default the local one).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench --features ssr --bench jobs
