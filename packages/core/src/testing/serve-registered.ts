import type { AddressInfo } from 'node:net';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { type FetchApp, requestListener } from '../runtime/serve.ts';

export interface RegisteredServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Registers an app with functions-framework under `name` (as an entry's index.ts does) and
 * serves it the framework's way on a free loopback port: real HTTP through the framework's body
 * parsing, in this process — what `functions-framework --target` and `func` run.
 */
export async function serveRegistered(name: string, app: FetchApp): Promise<RegisteredServer> {
  http(name, requestListener(app));
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
