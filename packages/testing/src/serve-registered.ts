import type { AddressInfo } from 'node:net';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';

export interface RegisteredServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Registers a handler with functions-framework under `name` (as an entry's index.ts does) and
 * serves it the framework's way on a free loopback port: real HTTP, in this process.
 */
export async function serveRegistered(
  name: string,
  handler: Parameters<typeof http>[1],
): Promise<RegisteredServer> {
  http(name, handler);
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
