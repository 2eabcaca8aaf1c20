// `node scripts/with-node24.mjs <command> [args...]`: runs a command on Node 24, whichever Node
// started it. The npm scripts go through it, so the README's `npm start` and `npm test` work on a
// machine whose Node is older (Debian and many laptops still ship 20, which cannot run the .ts
// sources): the first time, Node 24 comes from the npm registry (packages node-<os>-<arch>, the
// official binaries) into .tools/node24 (git-ignored), and the command runs with it first on
// PATH, so `node`, `vitest` and `tsc` inside it all use it.
// Plain JavaScript that every Node since 12 can run: it must start on the old one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const required = 24;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-node24.mjs <command> [args...]');
  process.exit(2);
}

const major = (version) => Number(String(version).replace(/^v/, '').split('.')[0]);

/** The directory holding a Node 24 `node` binary: the running one, or one from .tools/node24. */
function node24Bin() {
  if (major(process.versions.node) >= required) return dirname(process.execPath);
  const supported = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];
  const platform = `${process.platform}-${process.arch}`;
  if (!supported.includes(platform)) {
    console.error(
      `Nudge needs Node ${required}; this is ${process.version} on ${platform}. Install Node ${required} (https://nodejs.org) and re-run.`,
    );
    process.exit(1);
  }
  const prefix = join(root, '.tools', 'node24');
  const bin = join(prefix, 'node_modules', `node-${platform}`, 'bin');
  const installed = () =>
    existsSync(join(bin, 'node')) &&
    major(spawnSync(join(bin, 'node'), ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout) ===
      required;
  if (!installed()) {
    console.error(
      `Node ${process.version} is older than ${required}: fetching node-${platform}@${required} into .tools/node24 (once).`,
    );
    const npm = spawnSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `node-${platform}@${required}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (npm.status !== 0 || !installed()) {
      console.error(
        `Could not fetch Node ${required} from the npm registry. Install Node ${required} (https://nodejs.org) and re-run.`,
      );
      process.exit(1);
    }
  }
  return bin;
}

const bin = node24Bin();
const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
const child = spawn(command === 'node' ? join(bin, 'node') : command, args, { stdio: 'inherit', env });
// Ctrl-C reaches the whole process group: the child decides how to stop, this waits for it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (error) => {
  console.error(`${command}: ${error.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
