#!/usr/bin/env bash
# `task undeploy`: removes Nudge from the current cluster (namespace nudge, with its data
# volumes). The platform (Knative, Dapr, cert-manager) stays; `minikube delete -p nudge` or
# `terraform -chdir=infra/oracle destroy` removes everything.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

context=$(kubectl config current-context)
if [ "${NUDGE_YES:-}" != 1 ]; then
  read -r -p "Delete namespace $namespace and all its data in context $context? [y/N] " answer
  [ "$answer" = y ] || die "aborted"
fi
step "Deleting namespace $namespace"
kubectl delete namespace "$namespace" --ignore-not-found --wait=true
