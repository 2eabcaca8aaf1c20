#!/usr/bin/env bash
# Bundles one function (or all) into dist/<name>/: main.mjs (the function's src/main.ts with
# @nudge/core, @hono/node-server and every other dependency inlined: `node main.mjs` serves it)
# and migrate.mjs (the migration CLI).
# Usage: scripts/bundle.sh [function ...]   (default: every function under functions/)
set -euo pipefail
cd "$(dirname "$0")/.."

esbuild=node_modules/.bin/esbuild
[ -x "$esbuild" ] || { echo "esbuild is missing: run npm install first" >&2; exit 1; }

if [ "$#" -eq 0 ]; then
  for dir in functions/*/; do
    dir=${dir%/}
    set -- "$@" "${dir#functions/}"
  done
fi

common=(
  --bundle --platform=node --format=esm --target=node24 --minify --sourcemap=linked
  --external:pg-native --external:embedded-postgres
  # CommonJS dependencies call require(): give the ESM bundle one.
  "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
  --log-level=warning
)

for name in "$@"; do
  entry="functions/$name/src/main.ts"
  [ -f "$entry" ] || { echo "no $entry" >&2; exit 1; }
  out="dist/$name"
  rm -rf "$out" && mkdir -p "$out"
  "$esbuild" "$entry" "${common[@]}" --outfile="$out/main.mjs"
  "$esbuild" packages/core/src/db/migrate-cli.ts "${common[@]}" --outfile="$out/migrate.mjs"
  echo "bundled $name: $(du -k "$out/main.mjs" | cut -f1) KiB"
done
