import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hasCommand } from '../src/kustomize.ts';
import { exportedMetricNames, metricNamesIn, metricSource } from '../src/metrics.ts';
import { isK8sObject, listFiles, readRepoFile, repoRoot } from '../src/repo.ts';

type Rule = { alert?: string; record?: string; expr: string };
const ruleExprs = (file: string) =>
  (parse(readRepoFile(file)).groups as { rules: Rule[] }[]).flatMap((g) =>
    g.rules.map((r) => ({ name: r.alert ?? r.record ?? '?', expr: r.expr })),
  );
const dashboards = listFiles('monitoring/dashboards', (n) => n.endsWith('.json'));
const dashboardExprs = (file: string) =>
  (JSON.parse(readRepoFile(file)).panels as { title: string; targets?: { expr: string }[] }[]).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ name: p.title, expr: t.expr })),
  );

let exported: Set<string>;
beforeAll(async () => {
  exported = await exportedMetricNames();
});

const unknownMetrics = (exprs: { name: string; expr: string }[]) =>
  exprs.flatMap(({ name, expr }) =>
    metricNamesIn(expr)
      .filter((metric) => !metricSource(metric, exported))
      .map((metric) => `${name}: ${metric}`),
  );

describe('monitoring', () => {
  it('reads the metric names from the code, including histogram series and default process metrics', () => {
    expect(exported.has('reminder_delivery_latency_seconds_bucket')).toBe(true);
    expect(exported.has('outbox_oldest_pending_age_seconds')).toBe(true);
    expect(exported.has('process_resident_memory_bytes')).toBe(true);
  });

  it('extracts metric names from PromQL, not functions, labels or durations', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le) (rate(foo_bucket{status=~"5.."}[5m]))) > 60 offset 1h',
      ).sort(),
    ).toEqual(['foo_bucket']);
    expect(metricNamesIn('sum(a_total) / on (x) group_left b').sort()).toEqual(['a_total', 'b']);
  });

  it('alerts only on metrics that something exports', () => {
    expect(unknownMetrics(ruleExprs('monitoring/alerts/nudge.rules.yaml'))).toEqual([]);
  });

  it('covers the alerts the issue asks for', () => {
    const text = readRepoFile('monitoring/alerts/nudge.rules.yaml');
    for (const metric of [
      'http_request_duration_seconds_count',
      'reminder_delivery_latency_seconds_bucket',
      'outbox_oldest_pending_age_seconds',
      'events_dead_lettered_total',
      'dapr_component_pubsub_ingress_count',
      'kube_pod_container_status_restarts_total',
    ])
      expect(text).toContain(metric);
  });

  it.each(dashboards)('dashboard %s queries only metrics that something exports', (file) => {
    const exprs = dashboardExprs(file);
    expect(exprs.length).toBeGreaterThan(0);
    expect(unknownMetrics(exprs)).toEqual([]);
  });

  it('provisions every dashboard through a ConfigMap', () => {
    const generated = (
      parse(readRepoFile('monitoring/kustomization.yaml')).configMapGenerator as { files: string[] }[]
    )
      .flatMap((g) => g.files)
      .map((f) => `monitoring/${f}`);
    expect(generated.sort()).toEqual(dashboards);
  });

  it('scrapes the functions and the Dapr sidecars on the moved metrics port', () => {
    const jobs = parse(readRepoFile('monitoring/values.yaml')).prometheus.prometheusSpec
      .additionalScrapeConfigs;
    expect(jobs.map((j: { job_name: string }) => j.job_name)).toEqual(['nudge-functions', 'dapr-sidecars']);
  });

  it('flags a rule that names a metric nobody exports', () => {
    expect(unknownMetrics(ruleExprs('packages/manifests/test/fixtures/broken/rules.yaml'))).toEqual([
      'ReminderEmailsSlow: reminder_latency_seconds_bucket',
    ]);
  });

  const promtool = hasCommand('promtool');
  const promtoolNote = promtool ? '' : ' (skipped: promtool is not installed)';

  it.skipIf(!promtool)(`promtool check rules accepts the alert rules${promtoolNote}`, () => {
    execFileSync('promtool', ['check', 'rules', join(repoRoot, 'monitoring/alerts/nudge.rules.yaml')], {
      stdio: 'pipe',
    });
  });

  it.skipIf(!promtool)(`promtool rejects a broken rule file${promtoolNote}`, () => {
    expect(() =>
      execFileSync(
        'promtool',
        ['check', 'rules', join(repoRoot, 'packages/manifests/test/fixtures/broken/rules-syntax.yaml')],
        {
          stdio: 'pipe',
        },
      ),
    ).toThrow();
  });

  it('keeps the monitoring manifests well-formed Kubernetes objects', () => {
    const jaeger = readRepoFile('monitoring/tracing/jaeger.yaml');
    expect(jaeger).toContain('4317');
    expect(isK8sObject(parse(jaeger.split('---')[0]!))).toBe(true);
  });
});
