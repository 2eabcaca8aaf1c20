// Used by scripts/monitoring.sh; reads the SMTP URL on stdin so that it never shows in `ps`.
//   alertmanager-cli.ts values --to <address> [--from <address>] [--slack] [--pagerduty]
//     prints the Helm values overlay (src/alertmanager.ts);
//   alertmanager-cli.ts smtp-password   prints the relay's password, for the Secret.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { alertmanagerValues, parseSmtpUrl } from './alertmanager.ts';

const usage =
  'usage: alertmanager-cli.ts values --to <address> [--from <address>] [--slack] [--pagerduty] | smtp-password  (SMTP URL on stdin)';
const { values, positionals } = parseArgs({
  options: {
    to: { type: 'string' },
    from: { type: 'string' },
    slack: { type: 'boolean', default: false },
    pagerduty: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
try {
  const smtpUrl = readFileSync(0, 'utf8').trim();
  if (positionals[0] === 'smtp-password') process.stdout.write(parseSmtpUrl(smtpUrl).password);
  else if (positionals[0] === 'values' && values.to)
    process.stdout.write(stringify(alertmanagerValues({ smtpUrl, ...values, to: values.to })));
  else throw new Error(usage);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
