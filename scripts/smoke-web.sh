#!/usr/bin/env bash
# smoke-web.sh <web url> <api url>: proves the deployed web app loads as a browser would get it.
# GET / answers the app's HTML with a strict Content-Security-Policy that lets it reach the API;
# its script loads (content-hashed, cached for good); GET /config.json is JSON pointing at
# <api url>; a deep link gets the HTML (SPA fallback); and task-api answers a CORS preflight from
# the web origin (its CORS_ORIGINS). Exits non-zero, saying which check failed, otherwise.
set -euo pipefail

web=${1:?usage: smoke-web.sh <web url> <api url>}
api=${2:?usage: smoke-web.sh <web url> <api url>}
web=${web%/}
api=${api%/}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
  printf '\033[31mweb smoke test failed:\033[0m %s\n' "$*" >&2
  exit 1
}
# header <file> <name>: a header's value from a `curl -D` dump (case-insensitive, CR stripped).
header() { tr -d '\r' <"$1" | awk -v name="$2" 'tolower($0) ~ "^" tolower(name) ":" { sub(/^[^:]*: */, ""); print; exit }'; }
# get <path> <name>: GET <web><path> into $tmp/<name>.body and $tmp/<name>.headers.
get() { curl -fsS --max-time 30 -D "$tmp/$2.headers" -o "$tmp/$2.body" "$web$1" || fail "GET $web$1"; }

get / index
grep -qi '^text/html' <<<"$(header "$tmp/index.headers" content-type)" || fail "GET / is not text/html"
grep -q '<script type="module"' "$tmp/index.body" || fail "GET / has no module script: not the app's index.html"
csp=$(header "$tmp/index.headers" content-security-policy)
[ -n "$csp" ] || fail "GET / has no Content-Security-Policy header"
for directive in "default-src 'none'" "script-src 'self'" "frame-ancestors 'none'"; do
  grep -qF "$directive" <<<"$csp" || fail "the Content-Security-Policy lacks \"$directive\": $csp"
done
api_origin=$(grep -oE '^https?://[^/]+' <<<"$api")
grep -qE "connect-src [^;]*$api_origin( |;|$)" <<<"$csp" || fail "connect-src does not allow $api_origin: $csp"
[ "$(header "$tmp/index.headers" cache-control)" = no-cache ] || fail "index.html must be sent with Cache-Control: no-cache"
echo "ok  GET $web/ is the app, with its Content-Security-Policy"

script=$(grep -oE 'src="/assets/[^"]+\.js"' "$tmp/index.body" | head -1 | cut -d'"' -f2)
[ -n "$script" ] || fail "index.html names no /assets/*.js script"
get "$script" script
grep -q immutable <<<"$(header "$tmp/script.headers" cache-control)" || fail "$script is not cached as immutable"
echo "ok  GET $script (immutable)"

get /config.json config
node -e "const c = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
  if (c.api_url !== process.argv[2]) { console.error('api_url is ' + c.api_url + ', not ' + process.argv[2]); process.exit(1); }" \
  "$tmp/config.body" "$api" || fail "GET /config.json is not the JSON for $api"
echo "ok  GET $web/config.json points the app at $api"

get /upcoming deep-link
cmp -s "$tmp/index.body" "$tmp/deep-link.body" || fail "GET /upcoming is not index.html (SPA fallback)"
echo "ok  GET $web/upcoming answers the app (SPA fallback)"

origin=$(grep -oE '^https?://[^/]+' <<<"$web")
# No -f: task-api answers a preflight from an origin it does not allow like any unknown request.
curl -sS --max-time 30 -D "$tmp/cors.headers" -o /dev/null -X OPTIONS "$api/api/tasks" \
  -H "Origin: $origin" -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: authorization, content-type' || fail "CORS preflight to $api/api/tasks"
allowed=$(header "$tmp/cors.headers" access-control-allow-origin)
[ "$allowed" = "$origin" ] || fail "task-api does not allow the origin $origin (Access-Control-Allow-Origin: '${allowed}'): check its CORS_ORIGINS"
echo "ok  task-api accepts requests from $origin (CORS)"
