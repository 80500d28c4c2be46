#!/usr/bin/env bash
# Reports what a browser downloads (release wasm, js, css; raw and brotli)
# and fails when what every page loads passes the 250 KB brotli budget
# (250,000 bytes). The build is split (`--split`): lazy islands (the
# composer, the social lists, the calendar grid, settings forms) are chunks
# of their own, fetched only by the pages that show them; each is listed
# with the chunks it needs, for the record.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=target/site/pkg
budget=250000
total_raw=0; total_br=0
brotli_size() { brotli -c -q 11 "$1" | wc -c; }
printf '%-44s %10s %10s\n' "every page" raw brotli
manifest="$pkg/__wasm_split_manifest.json"
for f in "$pkg/autopilot.wasm" "$pkg/autopilot.js" "$pkg/autopilot.css" "$manifest"; do
  [ -f "$f" ] || { echo "missing $f: run cargo leptos build --release --split first" >&2; exit 1; }
done
for f in "$pkg/autopilot.wasm" "$pkg/autopilot.js" "$pkg/autopilot.css" "$pkg"/__wasm_split.*.js; do
  raw=$(stat -c %s "$f")
  br=$(brotli_size "$f")
  total_raw=$((total_raw + raw)); total_br=$((total_br + br))
  printf '%-44s %10d %10d\n' "$(basename "$f")" "$raw" "$br"
done
printf '%-44s %10d %10d  (budget %d brotli)\n' total "$total_raw" "$total_br" "$budget"

printf '\n%-44s %10s %10s\n' "lazy island (with its chunks)" raw brotli
node -e '
  const m = require(process.argv[1]);
  for (const [name, files] of Object.entries(m)) console.log(name.replace(/_loader_\d+$/, ""), files.join(" "));
' "$(realpath "$manifest")" | while read -r name files; do
  raw=0; br=0
  for chunk in $files; do
    raw=$((raw + $(stat -c %s "$pkg/$chunk.wasm")))
    br=$((br + $(brotli_size "$pkg/$chunk.wasm")))
  done
  printf '%-44s %10d %10d\n' "$name" "$raw" "$br"
done

if [ "$total_br" -gt "$budget" ]; then
  echo "size budget exceeded" >&2
  exit 1
fi
