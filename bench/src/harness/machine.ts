import { cpus, freemem, totalmem } from 'node:os';
import pg from 'pg';

/** What a figure was measured on: quoted with every result so numbers from different machines are not compared blindly. */
export interface Machine {
  cpu: string;
  cores: number;
  memory_gib: number;
  free_memory_gib: number;
  platform: string;
  arch: string;
  node: string;
  postgres: string;
}

/** Describes this machine and the PostgreSQL server at `databaseUrl`. */
export async function describeMachine(databaseUrl: string): Promise<Machine> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let postgres: string;
  try {
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    postgres = rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memory_gib: gib(totalmem()),
    free_memory_gib: gib(freemem()),
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    postgres,
  };
}

export function formatMachine(machine: Machine): string {
  return `${machine.cores} cores (${machine.cpu}), ${machine.memory_gib} GiB RAM, ${machine.platform}/${machine.arch}, Node ${machine.node}, PostgreSQL ${machine.postgres}`;
}
