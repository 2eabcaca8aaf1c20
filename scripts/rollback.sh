#!/usr/bin/env bash
# rollback.sh record <file> | restore <file>
#   record:  writes each function's current Ready revision to <file> (before a deploy).
#   restore: routes 100% of each Service's traffic back to the recorded revision. Knative keeps
#            old revisions, so this is instant; the next apply of the manifests replaces the
#            traffic block again (roll forward by redeploying a fixed commit).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

action=${1:?usage: rollback.sh record|restore <file>}
file=${2:?usage: rollback.sh record|restore <file>}

case "$action" in
record)
  : >"$file"
  for fn in "${functions[@]}"; do
    revision=$(kubectl get ksvc "$fn" -n "$namespace" -o jsonpath='{.status.latestReadyRevisionName}' 2>/dev/null || true)
    [ -n "$revision" ] && echo "$fn $revision" >>"$file"
  done
  info "recorded $(wc -l <"$file") revisions in $file"
  ;;
restore)
  [ -s "$file" ] || die "no recorded revisions in $file: nothing to roll back to"
  while read -r fn revision; do
    step "$fn -> $revision"
    kubectl patch ksvc "$fn" -n "$namespace" --type merge \
      -p "{\"spec\":{\"traffic\":[{\"revisionName\":\"$revision\",\"percent\":100}]}}" >/dev/null
    kubectl wait --for=condition=Ready "ksvc/$fn" -n "$namespace" --timeout=180s >/dev/null
  done <"$file"
  ;;
*) die "unknown action $action (record or restore)" ;;
esac
