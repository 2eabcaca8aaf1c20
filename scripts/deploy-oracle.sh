#!/usr/bin/env bash
# `task deploy:oracle`: from an Oracle Cloud Always Free account to Nudge on a public HTTPS
# endpoint. Terraform creates the network and the Ampere VM (cloud-init installs k3s); this
# script then reaches the cluster through an SSH tunnel (the Kubernetes API is never exposed),
# installs the pinned platform with cert-manager + Let's Encrypt, applies
# knative/overlays/oracle with images from GHCR, and smoke-tests the API and the web app over HTTPS.
#
# Needs: DOMAIN (a domain whose wildcard *.DOMAIN you point at the VM), ACME_EMAIL, SMTP_URL,
# IMAGE_REGISTRY (e.g. ghcr.io/<you>/nudge, images pushed by the images workflow), and
# infra/oracle/terraform.tfvars. Optional: IMAGE_TAG (default: the current commit),
# NUDGE_OVERLAY (oracle or oracle-external-kafka), SSH_KEY (default ~/.ssh/id_ed25519),
# OIDC_ISSUER and OIDC_CLIENT_ID (the web app's OpenID Connect sign-in, docs/web.md).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

domain=${DOMAIN:?set DOMAIN, e.g. nudge.example.com (create a wildcard A record *.DOMAIN once the VM exists)}
acme_email=${ACME_EMAIL:?set ACME_EMAIL: Let\'s Encrypt sends certificate expiry notices there}
smtp_url=${SMTP_URL:?set SMTP_URL to your mail relay, e.g. smtp://user:pass@smtp.example.com:587}
registry=${IMAGE_REGISTRY:?set IMAGE_REGISTRY, e.g. ghcr.io/<github user>/nudge}
tag=${IMAGE_TAG:-$(git -C "$repo_root" rev-parse HEAD)}
overlay=${NUDGE_OVERLAY:-oracle}
ssh_key=${SSH_KEY:-$HOME/.ssh/id_ed25519}
tunnel_port=${NUDGE_TUNNEL_PORT:-16443}
tf_dir="$repo_root/infra/oracle"
kubeconfig="$tf_dir/.kubeconfig"

step "Prerequisites"
require_cmd terraform "Install it: https://developer.hashicorp.com/terraform/install"
require_cmd kubectl "Install it: https://kubernetes.io/docs/tasks/tools/"
require_cmd helm "Install it: https://helm.sh/docs/intro/install/"
require_cmd ssh "Install an OpenSSH client."
require_cmd node "Install Node 24 and run npm install (the smoke test signs its token with the repo's code)."
[ -f "$tf_dir/terraform.tfvars" ] || die "Create infra/oracle/terraform.tfvars from terraform.tfvars.example (docs/deploy.md, step 2)."
[ -f "$HOME/.oci/config" ] || die "No ~/.oci/config: add an API key in the OCI console (docs/deploy.md, step 1)."

step "Infrastructure (Terraform: VCN, subnet, security list, Ampere A1 4 OCPU / 24 GB)"
terraform -chdir="$tf_dir" init -input=false >/dev/null
terraform -chdir="$tf_dir" apply -input=false -auto-approve -var "k3s_version=$K3S_VERSION" >/dev/null
ip=$(terraform -chdir="$tf_dir" output -raw public_ip)
info "VM public IP: $ip"

step "k3s (cloud-init) and an SSH tunnel to its API on localhost:$tunnel_port"
ssh_opts=(-i "$ssh_key" -o StrictHostKeyChecking=accept-new -o ConnectTimeout=10 -o BatchMode=yes)
retry 60 10 ssh "${ssh_opts[@]}" "ubuntu@$ip" sudo test -f /etc/rancher/k3s/k3s.yaml ||
  die "k3s did not come up: ssh ubuntu@$ip sudo cat /var/log/cloud-init-output.log"
ssh "${ssh_opts[@]}" "ubuntu@$ip" sudo cat /etc/rancher/k3s/k3s.yaml |
  sed "s#https://127.0.0.1:6443#https://127.0.0.1:$tunnel_port#" >"$kubeconfig"
chmod 600 "$kubeconfig"
export KUBECONFIG="$kubeconfig"
if ! kubectl get --raw /readyz >/dev/null 2>&1; then
  ssh "${ssh_opts[@]}" -f -N -o ExitOnForwardFailure=yes -L "$tunnel_port:127.0.0.1:6443" "ubuntu@$ip"
fi
retry 30 2 kubectl get --raw /readyz >/dev/null || die "the Kubernetes API does not answer through the tunnel"
kubectl wait --for=condition=Ready node --all --timeout=300s >/dev/null

step "DNS: *.$domain must point at $ip"
probe="task-api.$namespace.$domain"
resolved=""
for attempt in $(seq 1 60); do
  resolved=$(getent hosts "$probe" | cut -d' ' -f1 || true)
  [ "$resolved" = "$ip" ] && break
  [ "$attempt" = 1 ] && info "create an A record *.$domain -> $ip at your DNS provider; waiting (10 min max)"
  sleep 10
done
[ "$resolved" = "$ip" ] || die "$probe resolves to '${resolved:-nothing}', not $ip"

step "cert-manager $CERT_MANAGER_VERSION"
apply_url "https://github.com/cert-manager/cert-manager/releases/download/$CERT_MANAGER_VERSION/cert-manager.yaml"
kubectl wait --for=condition=Available --timeout=300s deployment --all -n cert-manager >/dev/null
apply_partial "$repo_root/knative/platform/cert-manager-sizing.yaml"
retry 10 6 kubectl apply -f <(sed "s/__ACME_EMAIL__/$acme_email/" "$repo_root/knative/platform/oracle/cluster-issuer.yaml") >/dev/null

install_knative
step "Knative: $domain, HTTPS from Let's Encrypt (HTTP-01), HTTP redirected"
kubectl patch configmap/config-domain -n knative-serving --type merge -p "{\"data\":{\"$domain\":\"\"}}" >/dev/null
apply_partial "$repo_root/knative/platform/oracle/knative-tls.yaml"
# The controller reads external-domain-tls only when it starts (knative/serving
# cmd/controller/main.go; Knative docs, "Configure external domain encryption"): without a
# restart the routes stay CertificateNotReady behind the HTTP redirect.
kubectl rollout restart deployment/controller -n knative-serving >/dev/null
kubectl rollout status deployment/controller -n knative-serving --timeout=300s >/dev/null
install_dapr oracle

create_app_secrets "$smtp_url"
DOMAIN=$domain IMAGE_REGISTRY=$registry IMAGE_TAG=$tag NUDGE_OVERLAY=$overlay "$repo_root/scripts/release.sh"
info "kubectl: export KUBECONFIG=$kubeconfig  (tunnel: ssh -f -N -L $tunnel_port:127.0.0.1:6443 ubuntu@$ip)"
