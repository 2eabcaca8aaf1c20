#!/usr/bin/env bash
# Shared helpers for the deploy scripts: sourced, never run. Every step is idempotent: it
# checks before it creates, applies declaratively, and upgrades Helm releases in place.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../knative/platform/versions.env
. "$repo_root/knative/platform/versions.env"
export KNATIVE_SERVING_VERSION KNATIVE_KOURIER_VERSION DAPR_CHART_VERSION CERT_MANAGER_VERSION K3S_VERSION \
  MINIKUBE_KUBERNETES_VERSION KUBE_PROMETHEUS_STACK_VERSION
readonly functions=(task-api on-task-completed on-reminder-due cron-scan)
# Every Knative Service: the functions and the web app (web/, no Dapr sidecar; the Dockerfile's
# `web` target).
readonly services=("${functions[@]}" web)
readonly namespace=nudge
# Every Job the overlays render. A Job's pod template is immutable, so a changed image or
# ConfigMap hash makes `kubectl apply` fail on it: deploy_overlay deletes them first, and each
# re-run does only what is missing (topics that exist, migrations already applied).
readonly jobs=(redpanda-topics nudge-migrate)

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() {
  printf '\033[31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# require_cmd <command> <how to install it>
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required but not installed. $2"
}

# retry <attempts> <seconds between> <command...>
retry() {
  local attempts=$1 pause=$2
  shift 2
  local n=1
  until "$@"; do
    [ "$n" -ge "$attempts" ] && return 1
    n=$((n + 1))
    sleep "$pause"
  done
}

apply_url() {
  info "kubectl apply -f $1"
  kubectl apply -f "$1" >/dev/null
}

# Server-side apply of partial objects (sizing): only the fields the file names change.
apply_partial() {
  kubectl apply --server-side --force-conflicts --field-manager=nudge-sizing -f "$1" >/dev/null
}

install_knative() {
  step "Knative Serving $KNATIVE_SERVING_VERSION with Kourier $KNATIVE_KOURIER_VERSION"
  local serving="https://github.com/knative/serving/releases/download/knative-$KNATIVE_SERVING_VERSION"
  local kourier="https://github.com/knative-extensions/net-kourier/releases/download/knative-$KNATIVE_KOURIER_VERSION"
  apply_url "$serving/serving-crds.yaml"
  kubectl wait --for=condition=Established --timeout=120s crd/services.serving.knative.dev >/dev/null
  apply_url "$serving/serving-core.yaml"
  apply_url "$kourier/kourier.yaml"
  kubectl patch configmap/config-network -n knative-serving --type merge \
    -p '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}' >/dev/null
  apply_partial "$repo_root/knative/platform/control-plane-sizing.yaml"
  kubectl wait --for=condition=Available --timeout=300s deployment --all -n knative-serving >/dev/null
  kubectl wait --for=condition=Available --timeout=300s deployment --all -n kourier-system >/dev/null
}

# install_dapr <local|oracle>: the Ampere VM is arm64, Minikube on a laptop usually not.
install_dapr() {
  local extra=()
  [ "$1" = oracle ] && extra=(-f "$repo_root/knative/platform/dapr-values-arm64.yaml")
  step "Dapr $DAPR_CHART_VERSION (Helm)"
  helm repo add dapr https://dapr.github.io/helm-charts/ >/dev/null 2>&1 || true
  helm repo update dapr >/dev/null
  helm upgrade --install dapr dapr/dapr --version "$DAPR_CHART_VERSION" \
    --namespace dapr-system --create-namespace \
    -f "$repo_root/knative/platform/dapr-values.yaml" "${extra[@]}" --wait --timeout 5m >/dev/null
}

# ensure_secret <name> <key=value>...: creates the Secret once; a re-run keeps existing values.
ensure_secret() {
  local name=$1
  shift
  if kubectl get secret "$name" -n "$namespace" >/dev/null 2>&1; then
    info "secret $name exists (kept)"
    return
  fi
  local args=()
  local pair
  for pair in "$@"; do args+=(--from-literal="$pair"); done
  kubectl create secret generic "$name" -n "$namespace" "${args[@]}" >/dev/null
  info "secret $name created"
}

random_secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

secret_value() {
  kubectl get secret "$1" -n "$namespace" -o "jsonpath={.data.$2}" | base64 -d
}

# create_app_secrets <smtp url>: database, auth and SMTP Secrets, generated once.
create_app_secrets() {
  step "Secrets"
  kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace" >/dev/null
  ensure_secret nudge-postgres "password=$(random_secret)"
  local password
  password=$(secret_value nudge-postgres password)
  ensure_secret nudge-database "url=postgres://nudge:$password@postgres.$namespace.svc.cluster.local:5432/nudge"
  ensure_secret nudge-auth "jwt-secret=${AUTH_JWT_SECRET:-$(random_secret)}"
  ensure_secret nudge-smtp "url=$1"
}

# deploy_overlay <kustomize dir>
deploy_overlay() {
  step "Nudge ($1)"
  local job
  for job in "${jobs[@]}"; do
    kubectl delete job "$job" -n "$namespace" --ignore-not-found >/dev/null
  done
  kubectl apply -k "$1" >/dev/null
  info "waiting for Redpanda, topics and migrations"
  kubectl rollout status statefulset/postgres -n "$namespace" --timeout=300s >/dev/null
  if kubectl get statefulset/redpanda -n "$namespace" >/dev/null 2>&1; then
    kubectl rollout status statefulset/redpanda -n "$namespace" --timeout=300s >/dev/null
    kubectl wait --for=condition=Complete job/redpanda-topics -n "$namespace" --timeout=300s >/dev/null
  fi
  kubectl wait --for=condition=Complete job/nudge-migrate -n "$namespace" --timeout=300s >/dev/null
  info "waiting for the Knative Services to be Ready"
  local fn
  for fn in "${services[@]}"; do
    kubectl wait --for=condition=Ready "ksvc/$fn" -n "$namespace" --timeout=300s >/dev/null ||
      die "ksvc/$fn is not Ready: kubectl describe ksvc/$fn -n $namespace"
    info "$fn Ready"
  done
}

# traffic_patch [revision]: the merge patch for a Knative Service's spec.traffic: 100% to one
# revision (rollback), or with no argument to the latest Ready revision (roll forward, the
# same block the manifests carry).
traffic_patch() {
  if [ -n "${1:-}" ]; then
    printf '{"spec":{"traffic":[{"revisionName":"%s","percent":100}]}}' "$1"
  else
    printf '{"spec":{"traffic":[{"latestRevision":true,"percent":100}]}}'
  fi
}

# image_tag: the commit, plus a hash of uncommitted changes, so a re-run without changes
# reuses the revision and a changed tree rolls a new one.
image_tag() {
  local tag
  tag=$(git -C "$repo_root" rev-parse --short=12 HEAD)
  if [ -n "$(git -C "$repo_root" status --porcelain -- functions packages/core web)" ]; then
    tag="$tag-$(git -C "$repo_root" diff HEAD -- functions packages/core web | sha256sum | cut -c1-8)"
  fi
  echo "$tag"
}

# pinned_overlay <overlay> <image prefix in that overlay> <new prefix> <tag> <web origin> <api url>:
# a throwaway overlay (git-ignored) on top of knative/overlays/<overlay> that pins every image
# to a registry and tag, and sets the public URLs in the nudge-web ConfigMap (task-api's
# CORS_ORIGINS, the web app's API_URL; OIDC_ISSUER and OIDC_CLIENT_ID when set); prints its directory.
pinned_overlay() {
  local dir="$repo_root/knative/overlays/.deploy-$1"
  mkdir -p "$dir"
  {
    echo "# Generated by scripts/lib.sh pinned_overlay; not committed."
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources:"
    echo "  - ../$1"
    echo "images:"
    local fn
    for fn in "${services[@]}"; do
      echo "  - name: $2/$fn"
      echo "    newName: $3/$fn"
      echo "    newTag: \"$4\""
    done
    echo "configMapGenerator:"
    echo "  - name: nudge-web"
    echo "    behavior: merge"
    echo "    literals:"
    echo "      - \"origin=$5\""
    echo "      - \"api-url=$6\""
    echo "      - \"oidc-issuer=${OIDC_ISSUER:-}\""
    echo "      - \"oidc-client-id=${OIDC_CLIENT_ID:-}\""
  } >"$dir/kustomization.yaml"
  echo "$dir"
}

# smoke_token: a JWT for the smoke-test user, signed with the cluster's secret.
smoke_token() {
  AUTH_JWT_SECRET=$(secret_value nudge-auth jwt-secret) \
    npm --prefix "$repo_root" run --silent token -- --sub "smoke-test" --ttl 600
}
