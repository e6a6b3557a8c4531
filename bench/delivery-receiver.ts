import { createServer } from 'node:http';

/**
 * Receivers for the delivery benchmark, in a process of their own so they don't share the event loop with
 * what is measured. Listens on `count` loopback ports, answers 204 at once, and records each receipt's time
 * (epoch ms, sub-ms precision) by webhook-id (or a counter for the raw baseline). Talks over IPC:
 * parent -> {type:'collect'} ; child -> {type:'receipts', receipts:[[id, ms]…]} and clears.
 */
const count = Number(process.argv[2] ?? 1);
let receipts: Array<[string, number]> = [];
let n = 0;
const ports: number[] = [];
let listening = 0;
for (let i = 0; i < count; i++) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const at = performance.timeOrigin + performance.now();
      receipts.push([String(req.headers['webhook-id'] ?? `raw-${n++}`), at]);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    ports[i] = (server.address() as { port: number }).port;
    if (++listening === count) process.send!({ type: 'ready', ports });
  });
}
process.on('message', (msg: { type: string }) => {
  if (msg.type === 'collect') {
    process.send!({ type: 'receipts', receipts });
    receipts = [];
  }
});
process.on('disconnect', () => process.exit(0));
