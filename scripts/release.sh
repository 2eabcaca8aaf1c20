#!/usr/bin/env bash
# release.sh: rolls the images of one commit out to an already provisioned Oracle cluster and
# proves it over HTTPS (the API's smoke test, then the web app's); on failure, routes traffic back to the revisions that served before.
# Used by deploy-oracle.sh (last step) and by .github/workflows/deploy-oracle.yml.
# Needs DOMAIN, IMAGE_REGISTRY and IMAGE_TAG; NUDGE_OVERLAY defaults to oracle. OIDC_ISSUER and
# OIDC_CLIENT_ID (optional, together) turn on the web app's OpenID Connect sign-in (docs/web.md).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

domain=${DOMAIN:?set DOMAIN}
registry=${IMAGE_REGISTRY:?set IMAGE_REGISTRY, e.g. ghcr.io/<github user>/nudge}
tag=${IMAGE_TAG:?set IMAGE_TAG (the commit the images workflow built)}
overlay=${NUDGE_OVERLAY:-oracle}
url="https://task-api.$namespace.$domain"
web_url="https://web.$namespace.$domain"
revisions="$repo_root/knative/overlays/.deploy-$overlay.revisions"

"$repo_root/scripts/rollback.sh" record "$revisions"
deploy_overlay "$(pinned_overlay "$overlay" ghcr.io/nudge-app/nudge "$registry" "$tag" "$web_url" "$url")"
# Explicit roll forward: undoes a pin left by an earlier rollback (rollback.sh explains why).
"$repo_root/scripts/rollback.sh" forward

step "Smoke test over HTTPS at $url and $web_url"
# Each Service gets its own certificate: wait until both answer over HTTPS.
if retry 30 10 curl -fsS -o /dev/null "$url/healthz" &&
  retry 30 10 curl -fsS -o /dev/null "$web_url/healthz" &&
  "$repo_root/scripts/smoke-test.sh" "$url" "$(smoke_token)" &&
  "$repo_root/scripts/smoke-web.sh" "$web_url" "$url"; then
  step "Released $tag: app $web_url, API $url"
  exit 0
fi
if [ -s "$revisions" ]; then
  step "Smoke test failed: routing traffic back to the previous revisions"
  "$repo_root/scripts/rollback.sh" restore "$revisions"
fi
die "release of $tag failed its smoke test (kubectl get ksvc,certificate -n $namespace)"
