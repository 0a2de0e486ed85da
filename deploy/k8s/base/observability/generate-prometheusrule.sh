#!/usr/bin/env bash
# Writes courier-prometheusrule.yaml, the Prometheus Operator's PrometheusRule (monitoring.coreos.com/v1) holding the
# rule groups of courier-alerts.yaml, which stays the one source of truth: promtool checks and tests that file, the
# base ships it as the ConfigMap courier-prometheus-rules too (for a Prometheus without the operator). The groups are
# copied as they are, every line indented under spec:, so the two cannot differ in anything but the indentation;
# ObservabilityFilesTest compares them structurally and fails when the PrometheusRule was not regenerated.
#
# Usage: deploy/k8s/base/observability/generate-prometheusrule.sh   (after every change to courier-alerts.yaml)
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RULES="$DIR/courier-alerts.yaml"
OUT="$DIR/courier-prometheusrule.yaml"

grep -q '^groups:$' "$RULES" || {
    echo "generate-prometheusrule.sh: no top-level 'groups:' line in $RULES" >&2
    exit 1
}
# Everything but the groups at the top level would be lost in the copy: refuse it.
if grep -v -E '^(groups:$|#|[[:space:]]|$)' "$RULES" >/dev/null; then
    echo "generate-prometheusrule.sh: $RULES has top-level keys besides 'groups:'" >&2
    exit 1
fi

{
    cat <<'HEADER'
# GENERATED from courier-alerts.yaml by generate-prometheusrule.sh: do not edit, edit courier-alerts.yaml and run the
# script. Courier's alerting rules for the Prometheus Operator, which loads every PrometheusRule its Prometheus's
# ruleSelector selects (add the label your selector wants, e.g. kube-prometheus-stack's release: <release>, in an
# overlay). A Prometheus without the operator reads the same groups from the ConfigMap courier-prometheus-rules
# instead; give one Prometheus only one of the two, or every alert fires twice.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: courier-alerts
  labels:
    app.kubernetes.io/component: observability
spec:
HEADER
    # From the groups: line on, each non-empty line two spaces deeper (block scalars keep their relative indentation).
    sed -n '/^groups:$/,$p' "$RULES" | sed -e 's/^\(.\)/  \1/'
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "wrote ${OUT#"$PWD"/}"
