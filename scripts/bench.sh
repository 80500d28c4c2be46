#!/usr/bin/env bash
# Benchmarks, each printing its figures: queue throughput (no-op jobs per
# second through the worker's claim/complete path, 2 workers) on SQLite and
# on PostgreSQL (TEST_POSTGRES_URL, default the local one), and page rates
# over one keep-alive connection.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench --features ssr --bench jobs
# Every public page within 2x of the signed-in dashboard over one keep-alive
# connection (fails otherwise).
cargo bench --features ssr --bench pages
# Dashboard and analytics with 1,000 workspaces and 100,000 posts, against a
# bare axum handler answering the same bytes (prints the ratio and p50/p99).
cargo bench --features ssr --bench analytics
# 10,000 social posts due in the same minute across 1,000 workspaces, one
# worker process, against the Meta stand-in: start delays p50/p99 (all must
# start within 60 s).
cargo bench --features ssr --bench social
# One pricing run of a store with 20,000 products and 3 competitors each
# (prices already read): must finish in under 10 s on each engine.
cargo bench --features ssr --bench stores
