#!/usr/bin/env bash
# Bundles one function (or all) into dist/<name>/: index.mjs (the function, @nudge/core and
# every dependency inlined) and migrate.mjs (the migration CLI), plus a package.json that tells
# functions-framework to load index.mjs. functions-framework itself stays external: it is the
# process's main and owns the registry the bundle registers its handler into.
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
  --external:@google-cloud/functions-framework --external:pg-native --external:embedded-postgres
  # CommonJS dependencies call require(): give the ESM bundle one.
  "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
  --log-level=warning
)

for name in "$@"; do
  entry="functions/$name/src/index.ts"
  [ -f "$entry" ] || { echo "no $entry" >&2; exit 1; }
  out="dist/$name"
  rm -rf "$out" && mkdir -p "$out"
  "$esbuild" "$entry" "${common[@]}" --outfile="$out/index.mjs"
  "$esbuild" packages/core/src/db/migrate-cli.ts "${common[@]}" --outfile="$out/migrate.mjs"
  printf '{ "name": "%s", "private": true, "type": "module", "main": "index.mjs" }\n' "$name" >"$out/package.json"
  echo "bundled $name: $(du -k "$out/index.mjs" | cut -f1) KiB"
done
