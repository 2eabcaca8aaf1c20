import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';

export type ProxyMode = 'pass' | 'error' | 'refuse';

/**
 * Sits between the functions and the sidecar (LocalStackOptions.appSidecarPort) and fails on
 * command: `error` answers every call 500 like a sidecar whose broker is down, `refuse` stops
 * listening so connections are refused like a dead sidecar, `pass` forwards.
 */
export async function startBrokerProxy(targetPort: number, port = 0) {
  let mode: ProxyMode = 'pass';
  const sockets = new Set<Socket>();
  const makeServer = (): Server => {
    const server = createServer((req, res) => {
      if (mode === 'error') {
        req.resume();
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end('{"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE","message":"broker unavailable (fault test)"}');
        return;
      }
      const upstream = request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.statusCode = 502;
        res.end();
      });
      req.pipe(upstream);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  };
  let server = makeServer();
  const listen = (p: number) =>
    new Promise<number>((resolve) =>
      server.listen(p, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : p);
      }),
    );
  const boundPort = await listen(port);
  return {
    port: boundPort,
    get mode() {
      return mode;
    },
    async set(next: ProxyMode) {
      if (next === mode) return;
      if (next === 'refuse') {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      } else if (mode === 'refuse') {
        server = makeServer();
        await listen(boundPort);
      }
      mode = next;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      if (mode !== 'refuse') await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
