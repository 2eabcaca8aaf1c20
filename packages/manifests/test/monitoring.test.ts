import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { alertmanagerValues, parseSmtpUrl } from '../src/alertmanager.ts';
import { externalTool } from '../src/kustomize.ts';
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

  const promtool = externalTool('promtool', 'apt-get install prometheus (.ci/run does)');

  it.skipIf(promtool.skip)(`promtool check rules accepts the alert rules${promtool.note}`, () => {
    promtool.require();
    execFileSync('promtool', ['check', 'rules', join(repoRoot, 'monitoring/alerts/nudge.rules.yaml')], {
      stdio: 'pipe',
    });
  });

  it.skipIf(promtool.skip)(`promtool rejects a broken rule file${promtool.note}`, () => {
    promtool.require();
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

  const amtool = externalTool('amtool', 'apt-get install prometheus-alertmanager (.ci/run does)');
  const smtpUrl = 'smtp://alerts%40example.com:s3cr%2Ft@smtp.example.com:587';
  /** Writes the Alertmanager config monitoring.sh would install to a file amtool can read. */
  const renderConfig = (optional: { slack?: boolean; pagerduty?: boolean }) => {
    const values = alertmanagerValues({ smtpUrl, to: 'ops@example.com', ...optional });
    const file = join(mkdtempSync(join(tmpdir(), 'nudge-am-')), 'alertmanager.yaml');
    writeFileSync(file, stringify(values.alertmanager.config));
    return { file, values };
  };
  const receiversFor = (file: string, ...labels: string[]) =>
    execFileSync('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...labels], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split(',')
      .sort();

  it.skipIf(amtool.skip).each([
    { slack: false, pagerduty: false, critical: ['email'], warning: ['email'] },
    { slack: true, pagerduty: false, critical: ['email', 'slack'], warning: ['email', 'slack'] },
    { slack: false, pagerduty: true, critical: ['email', 'pagerduty'], warning: ['email'] },
    { slack: true, pagerduty: true, critical: ['email', 'pagerduty', 'slack'], warning: ['email', 'slack'] },
  ])(
    `amtool accepts the Alertmanager config and routes warning and critical alerts to email (slack $slack, pagerduty $pagerduty)${amtool.note}`,
    ({ slack, pagerduty, critical, warning }) => {
      amtool.require();
      const { file, values } = renderConfig({ slack, pagerduty });
      execFileSync('amtool', ['check-config', file], { stdio: 'pipe' });
      expect(receiversFor(file, 'severity=critical', 'alertname=NudgeOutboxStuck')).toEqual(critical);
      expect(receiversFor(file, 'severity=warning', 'alertname=NudgePodRestarting')).toEqual(warning);
      expect(receiversFor(file, 'severity=info', 'alertname=Watchdog')).toEqual(['none']);
      // Each receiver's credentials come from a mounted Secret, never from the values.
      expect(values.alertmanager.alertmanagerSpec.secrets).toEqual(
        ['nudge-alerts-smtp', pagerduty && 'nudge-alerts-pagerduty', slack && 'nudge-alerts-slack'].filter(
          Boolean,
        ),
      );
    },
  );

  it('takes the relay and user from the SMTP URL and keeps its password out of the values', () => {
    const { values } = renderConfig({ slack: true, pagerduty: true });
    const text = stringify(values);
    expect(text).not.toContain('s3cr');
    expect(values.alertmanager.config.global).toMatchObject({
      smtp_smarthost: 'smtp.example.com:587',
      smtp_auth_username: 'alerts@example.com',
      smtp_auth_password_file: '/etc/alertmanager/secrets/nudge-alerts-smtp/password',
    });
    expect(parseSmtpUrl(smtpUrl).password).toBe('s3cr/t');
    expect(() => parseSmtpUrl('https://smtp.example.com')).toThrow('must start with smtp://');
  });

  it('inhibits the alerts a database outage causes while NudgeDatabaseDown fires', () => {
    const config = parse(readRepoFile('monitoring/values.yaml')).alertmanager.config;
    const rules = (
      parse(readRepoFile('monitoring/alerts/nudge.rules.yaml')).groups as { rules: any[] }[]
    ).flatMap((g) => g.rules);
    const inhibit = config.inhibit_rules.find((r: { source_matchers: string[] }) =>
      r.source_matchers.includes('alertname="NudgeDatabaseDown"'),
    );
    expect(inhibit.target_matchers).toEqual(['depends_on="database"']);
    const source = rules.find((r) => r.alert === 'NudgeDatabaseDown');
    expect(source?.labels.severity).toBe('critical');
    expect(source?.labels.depends_on).toBeUndefined();
    const dependents = rules.filter((r) => r.labels?.depends_on === 'database').map((r) => r.alert);
    expect(dependents).toEqual(
      expect.arrayContaining(['NudgeApiErrorRate', 'NudgeOutboxStuck', 'NudgeCronScanSilent']),
    );
    // Every rule carries a severity the routes send somewhere.
    for (const r of rules) expect(['critical', 'warning'], r.alert).toContain(r.labels.severity);
  });
});
