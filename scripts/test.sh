#!/usr/bin/env bash
# Installs what is missing, then runs every check: formatting, clippy for the
# server and the browser builds, the Rust tests on SQLite and PostgreSQL, the
# Playwright journeys in Chromium against the release build, and the size
# budget of what the browser downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
step() { printf '\n== %s\n' "$*"; }

step "formatting"
cargo fmt --check

step "clippy (server build)"
cargo clippy --features ssr --all-targets -- -D warnings
step "clippy (browser build)"
cargo clippy --features hydrate --lib --target wasm32-unknown-unknown -- -D warnings

step "PostgreSQL"
scripts/postgres.sh
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

log=$(mktemp -d)

step "Rust tests (SQLite and PostgreSQL)"
cargo test --features ssr --lib --tests 2>&1 | tee "$log/rust.txt"
scripts/postgres.sh --drop-test-databases

step "release build"
cargo leptos build --release --split
# The fake WordPress that the Playwright automation journey publishes to.
cargo build --release --features ssr --example fake_wordpress

step "end-to-end (Playwright, Chromium)"
(cd end2end && npx playwright test) 2>&1 | tee "$log/e2e.txt"

step "size budget"
scripts/size.sh

# One closing line over every runner (all failures have stopped the run).
rust=$(grep -o 'test result: ok\. [0-9]* passed' "$log/rust.txt" | awk '{ n += $4 } END { print n + 0 }')
e2e=$(grep -Eo '^ *[0-9]+ passed' "$log/e2e.txt" | awk '{ n += $1 } END { print n + 0 }')
printf '\nrust %d, end2end %d\n' "$rust" "$e2e"
echo "total: $((rust + e2e)) passed, 0 failed"
