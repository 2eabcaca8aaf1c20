#!/usr/bin/env bash
# `task monitoring`: kube-prometheus-stack (Prometheus, Alertmanager, Grafana, kube-state-metrics)
# with Nudge's scrape jobs, alert rules and dashboards, plus Jaeger for the sidecars' traces.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# ALERT_EMAIL: who receives warning and critical alerts (docs/operations.md, "Alerts").
alert_email=${ALERT_EMAIL:?set ALERT_EMAIL to the inbox that receives alerts}
require_cmd helm "Install it: https://helm.sh/docs/intro/install/"

step "Alertmanager receivers: email to $alert_email through the nudge-smtp relay"
kubectl get namespace monitoring >/dev/null 2>&1 || kubectl create namespace monitoring >/dev/null
smtp_url=$(secret_value nudge-smtp url)
alerts() { printf '%s' "$smtp_url" | npm --prefix "$repo_root" run --silent alertmanager -- "$@"; }
# The relay's password, re-read on every run so a rotated nudge-smtp reaches Alertmanager too.
alerts smtp-password | kubectl create secret generic nudge-alerts-smtp -n monitoring \
  --from-file=password=/dev/stdin --dry-run=client -o yaml | kubectl apply -f - >/dev/null
optional=()
for receiver in slack pagerduty; do
  if kubectl get secret "nudge-alerts-$receiver" -n monitoring >/dev/null 2>&1; then
    optional+=("--$receiver")
    info "$receiver: enabled (secret nudge-alerts-$receiver)"
  fi
done
alert_values="$repo_root/.tools/alertmanager-values.yaml"
mkdir -p "$repo_root/.tools"
alerts values --to "$alert_email" ${ALERT_FROM:+--from "$ALERT_FROM"} "${optional[@]}" >"$alert_values"

step "kube-prometheus-stack $KUBE_PROMETHEUS_STACK_VERSION"
helm repo add prometheus-community https://prometheus-community.github.io/helm-charts >/dev/null 2>&1 || true
helm repo update prometheus-community >/dev/null
helm upgrade --install monitoring prometheus-community/kube-prometheus-stack \
  --version "$KUBE_PROMETHEUS_STACK_VERSION" --namespace monitoring --create-namespace \
  -f "$repo_root/monitoring/values.yaml" -f "$alert_values" --wait --timeout 10m >/dev/null

step "Dashboards, Jaeger and alert rules"
kubectl apply -k "$repo_root/monitoring" >/dev/null
{
  printf 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: nudge\n  namespace: monitoring\nspec:\n'
  grep -v '^#' "$repo_root/monitoring/alerts/nudge.rules.yaml" | sed 's/^/  /'
} | kubectl apply -f - >/dev/null

info "Grafana:    kubectl port-forward -n monitoring service/monitoring-grafana 3000:80"
info "            user admin, password: kubectl get secret -n monitoring monitoring-grafana -o jsonpath='{.data.admin-password}' | base64 -d"
info "Prometheus: kubectl port-forward -n monitoring service/monitoring-kube-prometheus-prometheus 9090"
info "Jaeger:     kubectl port-forward -n monitoring service/jaeger 16686"
