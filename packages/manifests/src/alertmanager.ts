// The Alertmanager configuration scripts/monitoring.sh installs: the fixed part from
// monitoring/values.yaml (routes, grouping, inhibit rules), completed with what differs per
// cluster. Credentials never enter the Helm values: the prometheus-operator mounts each Secret
// named in alertmanagerSpec.secrets at /etc/alertmanager/secrets/<name>/, and the config points
// at those files (smtp_auth_password_file, api_url_file, routing_key_file).
import { parse } from 'yaml';
import { readRepoFile } from './repo.ts';

/** Secrets in the monitoring namespace; Slack and PagerDuty are enabled by creating theirs. */
export const alertSecrets = {
  smtp: { name: 'nudge-alerts-smtp', key: 'password' },
  slack: { name: 'nudge-alerts-slack', key: 'webhook-url' },
  pagerduty: { name: 'nudge-alerts-pagerduty', key: 'routing-key' },
} as const;

const mounted = (secret: { name: string; key: string }) =>
  `/etc/alertmanager/secrets/${secret.name}/${secret.key}`;

export type AlertTargets = {
  /** The same relay the reminders use (nudge-smtp's url): smtp://user:pass@host:587. */
  smtpUrl: string;
  to: string;
  from?: string;
  slack?: boolean;
  pagerduty?: boolean;
};

type Route = { matchers: string[]; receiver: string; continue?: boolean };
type Config = {
  global: Record<string, unknown>;
  route: { routes: Route[] };
  receivers: { name: string; [key: string]: unknown }[];
};

/** The SMTP relay's URL, checked; throws naming what is wrong. */
export function parseSmtpUrl(smtpUrl: string): {
  host: string;
  port: string;
  user: string;
  password: string;
} {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('the SMTP URL is not a URL (expected smtp://user:password@host:587)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`the SMTP URL must start with smtp:// or smtps://, not ${url.protocol}//`);
  return {
    host: url.hostname,
    port: url.port || (url.protocol === 'smtps:' ? '465' : '587'),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** The Helm values that follow monitoring/values.yaml: the whole Alertmanager config and the Secrets it reads. */
export function alertmanagerValues(targets: AlertTargets) {
  const config = structuredClone(parse(readRepoFile('monitoring/values.yaml')).alertmanager.config) as Config;
  const smtp = parseSmtpUrl(targets.smtpUrl);
  config.global = {
    ...config.global,
    smtp_smarthost: `${smtp.host}:${smtp.port}`,
    smtp_from: targets.from ?? targets.to,
    ...(smtp.user && { smtp_auth_username: smtp.user, smtp_auth_password_file: mounted(alertSecrets.smtp) }),
  };
  const email = config.receivers.find((r) => r.name === 'email');
  if (!email) throw new Error('monitoring/values.yaml: no email receiver');
  email.email_configs = [{ to: targets.to, send_resolved: true }];

  const secrets: string[] = smtp.user ? [alertSecrets.smtp.name] : [];
  // Each optional receiver gets its own route in front of the email routes; `continue` lets the
  // alert go on to email as well.
  const extra: Route[] = [];
  if (targets.pagerduty) {
    secrets.push(alertSecrets.pagerduty.name);
    config.receivers.push({
      name: 'pagerduty',
      pagerduty_configs: [{ routing_key_file: mounted(alertSecrets.pagerduty), send_resolved: true }],
    });
    extra.push({ matchers: ['severity="critical"'], receiver: 'pagerduty', continue: true });
  }
  if (targets.slack) {
    secrets.push(alertSecrets.slack.name);
    config.receivers.push({
      name: 'slack',
      slack_configs: [{ api_url_file: mounted(alertSecrets.slack), send_resolved: true }],
    });
    extra.push({ matchers: ['severity=~"critical|warning"'], receiver: 'slack', continue: true });
  }
  config.route.routes = [...extra, ...config.route.routes];
  return { alertmanager: { config, alertmanagerSpec: { secrets } } };
}
