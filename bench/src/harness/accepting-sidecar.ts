import { createServer, type Server } from 'node:http';

/**
 * A stand-in for the Dapr sidecar that accepts every publish (204) and counts it: for benchmarks
 * that measure one function, so its after-commit relay kick costs what a real publish costs.
 */
export async function startAcceptingSidecar(): Promise<{
  port: number;
  published(): number;
  stop(): Promise<void>;
}> {
  let published = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/v1.0/publish/')) published += 1;
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    published: () => published,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
