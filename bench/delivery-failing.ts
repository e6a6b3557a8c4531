import { createServer, type ServerResponse } from 'node:http';

/**
 * Failing destinations for the delivery benchmark's isolation table, in a process of their own: one loopback
 * port per kind — `hang` (reads the request, never answers), `slow-500` (answers 500 after 5 s), `reset`
 * (reads the request, then resets the connection). Each failing integration has its own path on its kind's
 * port, so many integrations share an origin. Reports {ports: {kind: port}} over IPC; exits when the parent goes.
 */
const held: ServerResponse[] = [];
const ports: Record<string, number> = {};
const kinds = ['hang', 'slow-500', 'reset'] as const;
let listening = 0;
for (const kind of kinds) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (kind === 'hang') held.push(res);
      else if (kind === 'reset') req.socket.resetAndDestroy();
      else setTimeout(() => res.writeHead(500).end('overloaded'), 5000);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    ports[kind] = (server.address() as { port: number }).port;
    if (++listening === kinds.length) process.send!({ ports });
  });
}
process.on('disconnect', () => process.exit(0));
