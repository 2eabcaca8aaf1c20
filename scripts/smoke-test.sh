#!/usr/bin/env bash
# smoke-test.sh <base url> <bearer token>: proves the deployed system works end to end.
# Creates a daily recurring task through the public URL, completes it, and waits until the
# next occurrence appears, which needs task-api -> outbox -> Dapr -> Kafka -> on-task-completed
# -> PostgreSQL all working. Exits non-zero (and says which step failed) otherwise.
set -euo pipefail

base=${1:?usage: smoke-test.sh <base url> <bearer token>}
token=${2:?usage: smoke-test.sh <base url> <bearer token>}
timeout_seconds=${SMOKE_TIMEOUT_SECONDS:-120}
auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")

fail() {
  printf '\033[31msmoke test failed:\033[0m %s\n' "$*" >&2
  exit 1
}
# json <expression on `b`>: evaluates against the JSON read from stdin.
json() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const b=JSON.parse(s);console.log($1)})"; }

curl -fsS --max-time 30 -o /dev/null "$base/healthz" || fail "GET $base/healthz"
echo "ok  task-api answers at $base"

due=$(node -e 'console.log(new Date(Date.now() + 3600e3).toISOString())')
title="smoke test $(date -u +%Y%m%dT%H%M%SZ)"
created=$(curl -fsS --max-time 30 "${auth[@]}" -X POST "$base/api/tasks" \
  -d "{\"title\":\"$title\",\"due_at\":\"$due\",\"timezone\":\"UTC\",\"recurrence\":{\"rule\":\"daily\"}}") ||
  fail "POST /api/tasks"
id=$(printf '%s' "$created" | json 'b.id')
series=$(printf '%s' "$created" | json 'b.series_id')
echo "ok  created recurring task $id"

curl -fsS --max-time 30 -o /dev/null "${auth[@]}" -X POST "$base/api/tasks/$id/complete" ||
  fail "POST /api/tasks/$id/complete"
echo "ok  completed it"

deadline=$((SECONDS + timeout_seconds))
while [ "$SECONDS" -lt "$deadline" ]; do
  next=$(curl -fsS --max-time 30 "${auth[@]}" "$base/api/tasks?limit=100" |
    json "(Array.isArray(b) ? b : b.items ?? b.tasks ?? b.data ?? []).filter(t => t.series_id === '$series' && t.id !== '$id').map(t => t.id).join(' ')") ||
    true
  if [ -n "$next" ]; then
    echo "ok  next occurrence $next appeared (event pipeline works)"
    curl -fsS --max-time 30 -o /dev/null "${auth[@]}" -X DELETE "$base/api/tasks/$next" || true
    exit 0
  fi
  sleep 3
done
fail "no next occurrence of $id within ${timeout_seconds}s: check on-task-completed, its daprd and Redpanda (task logs)"
