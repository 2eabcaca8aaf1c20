// Which metric names a PromQL expression may use: what packages/core's createMetrics registers
// (read from the live registry, so a renamed metric breaks this test), prom-client's default
// process_*/nodejs_* metrics (registered by the same call), Dapr sidecar metrics (dapr_*),
// kube-state-metrics (kube_*) and Prometheus's own `up`.
import { createMetrics } from '@nudge/core';

const promqlWords = new Set(
  `sum min max avg group stddev stdvar count count_values bottomk topk quantile by without on ignoring
   group_left group_right bool and or unless offset rate irate increase delta idelta deriv predict_linear
   histogram_quantile abs absent absent_over_time ceil floor round clamp clamp_max clamp_min changes resets
   label_replace label_join vector scalar time timestamp sort sort_desc avg_over_time max_over_time
   min_over_time sum_over_time count_over_time last_over_time quantile_over_time present_over_time sgn exp ln
   log2 log10 sqrt day_of_month day_of_week hour minute month year days_in_month inf nan`.split(/\s+/),
);

/** Metric names an expression refers to (label names, functions, keywords and durations removed). */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const after = stripped.slice(match.index + word.length).trimStart();
    if (after.startsWith('(') || promqlWords.has(word)) continue;
    if (/^\d/.test(stripped[match.index - 1] ?? '')) continue; // the unit of a number like 5m or 1e3
    names.add(word);
  }
  return [...names];
}

/** Every series name the functions expose: histograms add _bucket, _sum and _count. */
export async function exportedMetricNames(): Promise<Set<string>> {
  const { registry } = createMetrics('manifests-test');
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram' || String(metric.type) === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

/** Why a metric name is allowed, or undefined when nothing exports it. */
export function metricSource(name: string, exported: Set<string>): string | undefined {
  if (exported.has(name)) return 'packages/core createMetrics';
  if (name.startsWith('dapr_')) return 'Dapr sidecar';
  if (name.startsWith('kube_')) return 'kube-state-metrics';
  if (name === 'up') return 'Prometheus';
  return undefined;
}
