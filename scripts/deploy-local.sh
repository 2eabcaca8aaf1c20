#!/usr/bin/env bash
# `task deploy:local`: from a laptop with Docker to Nudge running on Minikube, in one command.
# Creates (or reuses) the `nudge` Minikube profile, installs the pinned platform, builds the
# four function images and the web app's inside Minikube, applies dapr/ + knative/overlays/local,
# waits until every Service is Ready, runs the smoke tests (API and web app) and prints the URLs.
# A second run changes nothing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

profile=${MINIKUBE_PROFILE:-nudge}
local_port=${NUDGE_LOCAL_PORT:-8081}

step "Prerequisites"
require_cmd docker "Install Docker Desktop or Docker Engine: https://docs.docker.com/get-docker/"
require_cmd minikube "Install it: https://minikube.sigs.k8s.io/docs/start/"
require_cmd kubectl "Install it: https://kubernetes.io/docs/tasks/tools/"
require_cmd helm "Install it: https://helm.sh/docs/intro/install/"
require_cmd node "Install Node 24 (the repository's .nvmrc) and run npm install."
docker info >/dev/null 2>&1 || die "Docker is installed but not running: start it and retry."
[ -d "$repo_root/node_modules" ] || die "Run npm install first (the smoke test signs its token with the repo's code)."

step "Minikube profile $profile (4 CPUs, 8 GB)"
if minikube status -p "$profile" >/dev/null 2>&1; then
  info "running, reused"
else
  minikube start -p "$profile" --cpus=4 --memory=8g --disk-size=20g \
    --kubernetes-version="$MINIKUBE_KUBERNETES_VERSION"
fi
kubectl config use-context "$profile" >/dev/null

install_knative
# Services get http://<name>.nudge.localhost URLs: *.localhost resolves to loopback, where the
# port-forward to Kourier listens.
kubectl patch configmap/config-domain -n knative-serving --type merge -p '{"data":{"localhost":""}}' >/dev/null
install_dapr local

tag=$(image_tag)
step "Images (built inside Minikube as dev.local/nudge/<service>:$tag)"
for fn in "${services[@]}"; do
  if minikube -p "$profile" image ls 2>/dev/null | grep -q "dev.local/nudge/$fn:$tag"; then
    info "$fn:$tag exists (kept)"
    continue
  fi
  info "building $fn:$tag"
  # The Dockerfile's `web` target for the web app, its `function` target for the rest.
  target=function
  [ "$fn" = web ] && target=web
  minikube -p "$profile" image build "$repo_root" -t "dev.local/nudge/$fn:$tag" \
    --build-opt="target=$target" --build-opt="build-arg=FUNCTION=$fn" >/dev/null
done

api_url="http://task-api.$namespace.localhost:$local_port"
web_url="http://web.$namespace.localhost:$local_port"
create_app_secrets "smtp://mailpit.$namespace.svc.cluster.local:1025"
deploy_overlay "$(pinned_overlay local dev.local/nudge dev.local/nudge "$tag" "$web_url" "$api_url")"

step "Port-forward to Kourier on localhost:$local_port"
if ! curl -fsS -o /dev/null "$api_url/healthz" 2>/dev/null; then
  kubectl port-forward -n kourier-system service/kourier "$local_port:80" >/dev/null 2>&1 &
  retry 30 1 curl -fsS -o /dev/null "$api_url/healthz" ||
    die "task-api does not answer through Kourier on localhost:$local_port"
fi

step "Smoke test"
"$repo_root/scripts/smoke-test.sh" "$api_url" "$(smoke_token)"
"$repo_root/scripts/smoke-web.sh" "$web_url" "$api_url"

step "Nudge is running"
# Signed in as "demo" for a day: the token travels in the URL fragment, never to a server.
demo_token=$(AUTH_JWT_SECRET=$(secret_value nudge-auth jwt-secret) npm --prefix "$repo_root" run --silent token -- --sub demo --email demo@example.com)
info "App:   $web_url/#token=$demo_token"
info "API:   $api_url  (port-forward runs in the background)"
info "Mail:  kubectl port-forward -n $namespace service/mailpit 8025  then http://localhost:8025"
info "Token: AUTH_JWT_SECRET=\$(kubectl get secret nudge-auth -n $namespace -o jsonpath='{.data.jwt-secret}' | base64 -d) npm run token -- --sub you"
