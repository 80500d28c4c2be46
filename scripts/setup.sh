#!/usr/bin/env bash
# Installs whatever is missing to build, run and test Autopilot on a Debian
# machine. Idempotent: each step checks first, so a second run takes seconds.
# Every tool comes from a package registry (crates.io, npm, Debian): the
# usual GitHub downloads of cargo-leptos are switched off (no_downloads).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

step() { printf '\n== %s\n' "$*"; }
# Non-interactive: CI has no terminal to answer a prompt.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once per machine)"
  cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version Cargo.lock pins.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  step "installing wasm-bindgen-cli $wb_version"
  # Not --locked: one of its locked dependencies is not on the registry mirror.
  cargo install wasm-bindgen-cli --version "$wb_version"
fi

if ! command -v chromium >/dev/null || ! command -v brotli >/dev/null; then
  step "installing Chromium and brotli from Debian"
  as_root apt-get update -qq
  as_root apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends chromium brotli
fi

# `npm install --no-save` rather than `npm ci`: npm 11 leaves tailwind's
# optional per-platform packages out of the lock file and `npm ci` then
# refuses it. Versions are pinned exactly in package.json, the lock holds
# the rest, and --no-save keeps both files untouched.
npm_install_if_stale() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package.json" -nt "$dir/node_modules/.package-lock.json" ] ||
     [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    step "installing npm packages in $dir"
    (cd "$dir" && npm install --no-save --no-audit --no-fund)
  fi
}
npm_install_if_stale .
npm_install_if_stale end2end
