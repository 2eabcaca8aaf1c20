import { describe, expect, it } from 'vitest';
import { formatLine } from '../src/log-format.ts';
import { Supervisor } from '../src/supervisor.ts';

const until = async (predicate: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the process supervisor', () => {
  it('prefixes output, restarts a crashed process with growing delays and a log line, and stops it', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      output: (line) => lines.push(line),
      color: false,
      restartDelayMs: 50,
    });
    supervisor.start({
      name: 'flaky',
      args: ['-e', 'console.log("up"); setTimeout(() => process.exit(3), 20)'],
      env: process.env,
      cwd: process.cwd(),
    });
    await until(() => lines.filter((line) => line.includes('restarting')).length >= 3);
    await supervisor.stop();
    const restarts = lines.filter((line) => line.includes('restarting'));
    expect(restarts[0]).toBe('[flaky]             process exited with code 3; restarting in 0.1 s');
    expect(restarts[1]).toContain('restarting in 0.1 s');
    expect(restarts[2]).toContain('restarting in 0.2 s');
    expect(lines).toContain('[flaky]             up');
    const count = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines.length).toBe(count); // nothing restarted after stop
  });

  it('stops with SIGTERM, and SIGKILLs a process that ignores it after the timeout', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      output: (line) => lines.push(line),
      color: false,
      stopTimeoutMs: 300,
    });
    const keepAlive = 'setInterval(() => {}, 1000); console.log("ready")';
    supervisor.start({ name: 'polite', args: ['-e', keepAlive], env: process.env, cwd: process.cwd() });
    supervisor.start({
      name: 'stubborn',
      args: ['-e', `process.on("SIGTERM", () => {}); ${keepAlive}`],
      env: process.env,
      cwd: process.cwd(),
    });
    // "ready" is printed after the SIGTERM handler is installed.
    await until(() => lines.filter((line) => line.endsWith('ready')).length === 2);
    const pids = [supervisor.pid('polite')!, supervisor.pid('stubborn')!];
    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(pids.map(alive)).toEqual([false, false]);
  });
});

describe('log formatting', () => {
  it('turns pino JSON into time, level, message and fields, and leaves other lines alone', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: '2026-11-22T10:00:01.234Z',
      service: 'sidecar',
      msg: 'retrying task-events#3',
      attempt: 2,
      reason: 'HTTP 503',
    });
    expect(formatLine(line)).toBe('10:00:01.234 WARN  retrying task-events#3  attempt=2 reason="HTTP 503"');
    expect(formatLine('Serving function...')).toBe('Serving function...');
    expect(formatLine('{not json')).toBe('{not json');
  });
});
