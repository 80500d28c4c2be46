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

step "Rust tests (SQLite and PostgreSQL)"
cargo test --features ssr
scripts/postgres.sh --drop-test-databases

step "release build"
cargo leptos build --release

step "end-to-end (Playwright, Chromium)"
(cd end2end && npx playwright test)

step "size budget"
scripts/size.sh
