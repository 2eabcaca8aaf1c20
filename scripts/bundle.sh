#!/usr/bin/env bash
# Bundles one function (or all) into dist/<name>/: main.mjs (the function's src/main.ts with
# @nudge/core, @hono/node-server and every other dependency inlined: `node main.mjs` serves it)
# and migrate.mjs (the migration CLI).
# `web` bundles the web app instead: dist/web/dist/ (vite build) and dist/web/server/main.mjs
# (web/server/serve.ts with its dependencies; `node server/main.mjs` serves ../dist).
# Usage: scripts/bundle.sh [function ... | web]   (default: every function under functions/)
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
  --external:pg-native
  # CommonJS dependencies call require(): give the ESM bundle one.
  "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
  --log-level=warning
)

# The web image: the built app beside its server, laid out as serve.ts expects (DIST_DIR
# defaults to ../dist from the server file).
bundle_web() {
  local out=dist/web
  rm -rf "$out" && mkdir -p "$out/server"
  npm run --silent build -w web >/dev/null
  cp -R web/dist "$out/dist"
  # The server needs only the config loader from @nudge/core (zod): aliasing the package to that
  # one module keeps pg, pino and prom-client out (half the idle memory, a third of the start-up
  # CPU). esbuild fails on an import that module does not export, so this cannot go stale quietly.
  "$esbuild" web/server/serve.ts "${common[@]}" \
    --alias:@nudge/core=./packages/core/src/config/load-config.ts --outfile="$out/server/main.mjs"
  echo "bundled web: $(du -k "$out/server/main.mjs" | cut -f1) KiB server, $(du -sk "$out/dist" | cut -f1) KiB app"
}

for name in "$@"; do
  if [ "$name" = web ]; then
    bundle_web
    continue
  fi
  entry="functions/$name/src/main.ts"
  [ -f "$entry" ] || { echo "no $entry" >&2; exit 1; }
  out="dist/$name"
  rm -rf "$out" && mkdir -p "$out"
  "$esbuild" "$entry" "${common[@]}" --outfile="$out/main.mjs"
  "$esbuild" packages/core/src/db/migrate-cli.ts "${common[@]}" --outfile="$out/migrate.mjs"
  echo "bundled $name: $(du -k "$out/main.mjs" | cut -f1) KiB"
done
