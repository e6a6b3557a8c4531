import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

/**
 * Destinations that fail in the ordinary ways, all on loopback, for isolation tests:
 * - `hang`: accepts the request and never answers (until the test ends);
 * - `slow-500`: answers 500 after `slowMs` (5 s by default);
 * - `reset`: reads the request, then resets the connection;
 * - `refused`: nothing listens on the port;
 * - `unresolvable`: a host name the test resolver answers NXDOMAIN for;
 * - `dns-hang`: a host name whose lookup never answers.
 * The two DNS kinds need the service to use `TestResolver` (ServiceParts.resolver): a stand-in for the DNS
 * servers, which are outside the product, so no test traffic or lookup ever leaves the machine.
 */
export type FailureKind = 'hang' | 'slow-500' | 'reset' | 'refused' | 'unresolvable' | 'dns-hang';

export const FAILURE_KINDS: readonly FailureKind[] = ['hang', 'slow-500', 'reset', 'refused', 'unresolvable', 'dns-hang'];

/** Names ending in these suffixes answer NXDOMAIN / never answer; `*.ok.test` resolves to 127.0.0.1. */
export const NXDOMAIN_SUFFIX = '.nx.test';
export const HANGING_SUFFIX = '.hang.test';
export const LOOPBACK_SUFFIX = '.ok.test';

/** A fake DNS for `.test` names (see above), counting lookups per name. Anything else is refused. */
export class TestResolver {
  readonly lookups = new Map<string, number>();
  private readonly hung: Array<() => void> = [];

  readonly resolve = (hostname: string): Promise<Array<{ address: string; family: number; ttl?: number }>> => {
    this.lookups.set(hostname, (this.lookups.get(hostname) ?? 0) + 1);
    if (hostname.endsWith(LOOPBACK_SUFFIX)) return Promise.resolve([{ address: '127.0.0.1', family: 4, ttl: 60 }]);
    if (hostname.endsWith(HANGING_SUFFIX)) return new Promise((_ok, fail) => this.hung.push(() => fail(new Error('test over'))));
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    return Promise.reject(err);
  };

  /** Lookups made for names ending in `suffix`. */
  count(suffix: string): number {
    let n = 0;
    for (const [name, c] of this.lookups) if (name.endsWith(suffix)) n += c;
    return n;
  }

  /** Ends the hanging lookups (so nothing outlives the test). */
  release(): void {
    this.hung.splice(0).forEach((f) => f());
  }
}

/** A set of failing destinations; `urls` has one URL per destination, in the order of `kinds`. */
export class FailingDestinations {
  readonly urls: string[] = [];
  /** Requests that reached a listening failing destination, by kind and by URL. */
  readonly requests = new Map<FailureKind, number>();
  readonly requestsTo = new Map<string, number>();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: { slowMs?: number } = {}) {}

  async start(kinds: readonly FailureKind[]): Promise<this> {
    for (const [i, kind] of kinds.entries()) this.urls.push(await this.one(kind, i));
    return this;
  }

  private count(kind: FailureKind, url: string): void {
    this.requests.set(kind, (this.requests.get(kind) ?? 0) + 1);
    this.requestsTo.set(url, (this.requestsTo.get(url) ?? 0) + 1);
  }

  private async one(kind: FailureKind, i: number): Promise<string> {
    switch (kind) {
      case 'unresolvable':
        return `http://dest-${i}${NXDOMAIN_SUFFIX}/hook`;
      case 'dns-hang':
        return `http://dest-${i}${HANGING_SUFFIX}/hook`;
      case 'refused': {
        // Bind a port and close it again: nothing listens there afterwards.
        const probe = createTcpServer();
        await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
        const { port } = probe.address() as AddressInfo;
        await new Promise((r) => probe.close(r));
        return `http://127.0.0.1:${port}/hook`;
      }
      default: {
        let url = '';
        const server = createServer((req, res) => {
          this.count(kind, url);
          req.resume();
          req.on('end', () => {
            if (kind === 'hang') this.held.add(res);
            else if (kind === 'reset') req.socket.resetAndDestroy();
            else {
              const t = setTimeout(() => {
                this.timers.delete(t);
                res.writeHead(500).end('overloaded');
              }, this.options.slowMs ?? 5000);
              this.timers.add(t);
            }
          });
        });
        server.on('connection', (s) => {
          this.sockets.add(s);
          s.on('close', () => this.sockets.delete(s));
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
        this.servers.push(server);
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
        return url;
      }
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    this.held.clear();
    await Promise.all(this.servers.map((s) => new Promise((r) => s.close(r))));
  }
}
