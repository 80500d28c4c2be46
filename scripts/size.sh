#!/usr/bin/env bash
# Reports what a browser downloads (release wasm, js, css; raw and brotli)
# and fails when the total passes the 250 KB brotli budget (250,000 bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=target/site/pkg
budget=250000
total_raw=0; total_br=0
printf '%-16s %10s %10s\n' file raw brotli
for f in "$pkg/autopilot.wasm" "$pkg/autopilot.js" "$pkg/autopilot.css"; do
  raw=$(stat -c %s "$f")
  br=$(brotli -c -q 11 "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_br=$((total_br + br))
  printf '%-16s %10d %10d\n' "$(basename "$f")" "$raw" "$br"
done
printf '%-16s %10d %10d  (budget %d brotli)\n' total "$total_raw" "$total_br" "$budget"
if [ "$total_br" -gt "$budget" ]; then
  echo "size budget exceeded" >&2
  exit 1
fi
