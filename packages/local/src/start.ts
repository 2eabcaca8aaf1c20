// `npm start`: Nudge on this machine, with nothing to install but npm packages.
import { ConfigError } from '@nudge/core';
import { loadLauncherConfig } from './config.ts';
import { signDevToken } from './dev-auth.ts';
import { type LocalStack, startLocalStack } from './stack.ts';

function banner(stack: LocalStack, dataDir: string, otherToken: string): string {
  const lines = [
    '',
    'Nudge is running',
    `  Open the app       ${stack.urls.web}/#token=${stack.demoToken}`,
    `  Another user       ${stack.urls.web}/#token=${otherToken}   (alice: try isolation in a private window)`,
    '',
    `  task-api           ${stack.urls['task-api']}   (API: /api/tasks, OpenAPI: /openapi.json)`,
    `  on-task-completed  ${stack.urls['on-task-completed']}`,
    `  on-reminder-due    ${stack.urls['on-reminder-due']}`,
    `  cron-scan          ${stack.urls['cron-scan']}`,
    `  Dapr sidecar       ${stack.urls.sidecar}   recent events: ${stack.urls.sidecar}/dev/events?topic=task-events`,
    `  PostgreSQL         ${stack.databaseUrl}`,
    stack.mailDir
      ? `  Mail               ${stack.mailUrl ?? ''} — .eml files in ${stack.mailDir} (SMTP ${stack.smtpUrl})`
      : `  Mail               sent through ${stack.smtpUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
    `  Data               ${dataDir} (kept across restarts)`,
  ];
  const api = stack.urls['task-api'];
  lines.push(
    '',
    'Demo user token (sub "demo", email demo@example.com, valid 30 days):',
    `  export TOKEN=${stack.demoToken}`,
    'Create a task due in 2 minutes with a reminder 1 minute before:',
    `  curl -s -X POST ${api}/api/tasks -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
    `    -d "{\\"title\\":\\"Try Nudge\\",\\"due_at\\":\\"$(node -p 'new Date(Date.now()+120e3).toISOString()')\\",\\"reminders\\":[{\\"before\\":\\"PT1M\\"}]}"`,
    `  curl -s ${api}/api/tasks -H "Authorization: Bearer $TOKEN"`,
    'Other users: npm run token -- --sub alice --email alice@example.com',
  );
  lines.push('', 'Ctrl-C stops everything.', '');
  return lines.join('\n');
}

let config: ReturnType<typeof loadLauncherConfig>;
try {
  config = loadLauncherConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const say = (text: string) => process.stdout.write(`[nudge] ${text}\n`);
// Handlers go in before anything starts, so Ctrl-C during startup also stops what was started.
let stack: LocalStack | undefined;
let stopping = false;
const abortStart = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      say('still stopping: processes that ignore SIGTERM get SIGKILL after 5 s');
      return;
    }
    stopping = true;
    if (!stack) {
      say(`${signal}: abandoning startup`);
      abortStart.abort();
      return;
    }
    say(`${signal}: stopping the functions and the sidecar, then PostgreSQL`);
    stack.stop().then(
      () => {
        say('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`[nudge] stop failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  });
}

say(`starting (data in ${config.DATA_DIR})`);
try {
  stack = await startLocalStack({
    dataDir: config.DATA_DIR,
    databaseUrl: config.DATABASE_URL,
    smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM,
    jwtSecret: config.AUTH_JWT_SECRET,
    // `npm run dev`: Vite with hot reload instead of the built app.
    webMode: process.argv.includes('--dev') ? 'dev' : 'built',
    logLevel: config.LOG_LEVEL,
    color: process.stdout.isTTY,
    ports: {
      'task-api': config.TASK_API_PORT,
      'on-task-completed': config.ON_TASK_COMPLETED_PORT,
      'on-reminder-due': config.ON_REMINDER_DUE_PORT,
      'cron-scan': config.CRON_SCAN_PORT,
      sidecar: config.DAPR_HTTP_PORT,
      web: config.WEB_PORT,
      smtp: config.SMTP_CAPTURE_PORT,
      mailHttp: config.MAIL_HTTP_PORT,
      postgres: config.POSTGRES_PORT,
    },
    onMail: (mail) => say(`mail to ${mail.to.join(', ')} "${mail.subject}" saved as ${mail.file}`),
    abort: abortStart.signal,
  });
} catch (error) {
  if (abortStart.signal.aborted) {
    say('stopped');
    process.exit(0);
  }
  console.error(`[nudge] could not start: ${(error as Error).message}`);
  if ((error as Error).cause) console.error((error as Error).cause);
  process.exit(1);
}
const alice = await signDevToken(stack.jwtSecret, {
  sub: 'alice',
  email: 'alice@example.com',
  ttlSeconds: 30 * 86_400,
});
process.stdout.write(banner(stack, config.DATA_DIR, alice));
