#!/usr/bin/env bash
# rollback.sh record <file> | restore <file> | forward
#   record:  writes each Service's current Ready revision to <file> (before a deploy).
#   restore: routes 100% of each Service's traffic to the recorded revision. Knative keeps old
#            revisions, so this is instant. The pin stays until something replaces it.
#   forward: routes 100% back to each Service's latest Ready revision. release.sh runs it after
#            every deploy, so a release after a rollback is served by the new revision: a
#            client-side `kubectl apply` would only reset spec.traffic if the last applied
#            manifest had differed, and the smoke test would pass against the pinned old one.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage="usage: rollback.sh record <file> | restore <file> | forward"
action=${1:?$usage}

# route <function> [revision]: patches spec.traffic and waits until the Service is Ready.
route() {
  kubectl patch ksvc "$1" -n "$namespace" --type merge -p "$(traffic_patch "${2:-}")" >/dev/null
  kubectl wait --for=condition=Ready "ksvc/$1" -n "$namespace" --timeout=180s >/dev/null
}

case "$action" in
record)
  file=${2:?$usage}
  : >"$file"
  for fn in "${services[@]}"; do
    revision=$(kubectl get ksvc "$fn" -n "$namespace" -o jsonpath='{.status.latestReadyRevisionName}' 2>/dev/null || true)
    [ -n "$revision" ] && echo "$fn $revision" >>"$file"
  done
  info "recorded $(wc -l <"$file") revisions in $file"
  ;;
restore)
  file=${2:?$usage}
  [ -s "$file" ] || die "no recorded revisions in $file: nothing to roll back to"
  while read -r fn revision; do
    step "$fn -> $revision"
    route "$fn" "$revision"
  done <"$file"
  ;;
forward)
  for fn in "${services[@]}"; do
    step "$fn -> latest revision"
    route "$fn"
  done
  ;;
*) die "unknown action $action ($usage)" ;;
esac
