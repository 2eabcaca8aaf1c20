// `npm run invoke -- <function> --type <event type> --data '<json>' [--structured]`:
// sends one CloudEvent to a locally running function, like `func invoke`, and prints the answer.
import { parseArgs } from 'node:util';
import { buildInvokeRequest } from './invoke-event.ts';
import { functionNames } from './stack.ts';

const defaultPorts: Record<string, number> = {
  'task-api': 8080,
  'on-task-completed': 8081,
  'on-reminder-due': 8082,
  'cron-scan': 8083,
};

const usage = `usage: npm run invoke -- <function> --type <event type> [--data '<json>'] [options]

  <function>        ${functionNames.join(' | ')}
  --type, -t        CloudEvent type, e.g. task.completed
  --data, -d        JSON: the payload (wrapped in Nudge's data envelope) or a whole envelope
  --structured      send application/cloudevents+json instead of binary mode (ce-* headers)
  --user            user id for the envelope and partitionkey (default: demo)
  --subject         CloudEvent subject (default: payload.task_id)
  --source          CloudEvent source (default: /nudge/invoke-cli)
  --path            request path (default: /)
  --url             function base URL (default: http://localhost:<its port>)

example:
  npm run invoke -- on-task-completed --type task.completed \\
    --data '{"task_id":"6f1c…","completed_at":"2026-11-22T09:00:00Z"}'`;

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      type: { type: 'string', short: 't' },
      data: { type: 'string', short: 'd' },
      structured: { type: 'boolean', default: false },
      user: { type: 'string' },
      subject: { type: 'string' },
      source: { type: 'string' },
      path: { type: 'string', default: '/' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
try {
  parsed = parse();
} catch (error) {
  console.error(`${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}
const { values, positionals } = parsed;
const target = positionals[0];
if (values.help || !target || !values.type) {
  console.error(usage);
  process.exit(values.help ? 0 : 2);
}
const base = values.url ?? (defaultPorts[target] ? `http://localhost:${defaultPorts[target]}` : undefined);
if (!base) {
  console.error(`unknown function "${target}" (and no --url)\n\n${usage}`);
  process.exit(2);
}
let data: unknown = {};
if (values.data !== undefined) {
  try {
    data = JSON.parse(values.data);
  } catch (error) {
    console.error(`--data is not JSON: ${(error as Error).message}`);
    process.exit(2);
  }
}

const request = buildInvokeRequest(
  { type: values.type, data, userId: values.user, subject: values.subject, source: values.source },
  values.structured ? 'structured' : 'binary',
);
const url = new URL(values.path, base).toString();
console.error(`POST ${url} (${values.structured ? 'structured' : 'binary'} mode)`);
for (const [name, value] of Object.entries(request.headers)) console.error(`  ${name}: ${value}`);
console.error(`  ${request.body}\n`);
try {
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  console.error(`HTTP ${response.status} ${response.statusText}`);
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: print as is
  }
  console.log(pretty);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  const cause = (error as { cause?: { code?: string } }).cause;
  console.error(
    `could not reach ${url}: ${cause?.code ?? (error as Error).message} — is \`npm start\` running?`,
  );
  process.exit(1);
}
