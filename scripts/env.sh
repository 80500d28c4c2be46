# Shared settings for the scripts (sourced, not run).
# One build cache outside the clone, so fresh clones (CI) reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/autopilot/target}"
# Incremental data is kept per source path, so every fresh clone (CI) would
# add tens of GB to the shared cache; whole-crate builds are what CI needs.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_LEPTOS_VERSION=0.3.10
# npm's tailwindcss and wasm-opt (binaryen 132) ahead of anything in /usr/bin:
# Debian's wasm-opt 108 produces a wasm that fails to hydrate.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
