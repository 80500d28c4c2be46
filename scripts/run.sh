#!/usr/bin/env bash
# Installs what is missing, then serves Autopilot at http://127.0.0.1:3000 on
# the embedded SQLite database (./data/autopilot.db, created and migrated on
# start). No accounts or keys needed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
exec cargo leptos serve --release --split
