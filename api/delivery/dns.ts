import { lookup as osLookup, promises as dnsPromises } from 'node:dns';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';

/**
 * Name resolution for deliveries, bounded so that no destination's DNS can hold up another's:
 * - HostResolver gives every lookup its own timeout, shares one lookup between the attempts that ask for the
 *   same name at once, caches answers for their TTL and failures briefly (so an unresolvable name fails fast
 *   after its first lookup);
 * - systemResolver asks without Node's dns.lookup, whose getaddrinfo calls run on libuv's thread pool (4
 *   threads shared with file system and crypto work): a few hanging lookups there stall every connect. It reads
 *   the hosts file itself, asks the configured DNS servers through c-ares (asynchronous, with TTLs), and only
 *   when DNS says a name does not exist asks the operating system (search domains, other NSS sources), at most
 *   OS_LOOKUPS at a time.
 */

export interface ResolvedAddress {
  address: string;
  family: number;
  /** Seconds the answer may be cached (the DNS TTL); absent or 0: not cached. */
  ttl?: number;
}

/** A source of addresses for a host name (the system's, or a stand-in in tests). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** A lookup that failed; `message` names the host and why, never anything secret. */
export class DnsLookupError extends Error {
  constructor(
    readonly hostname: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DnsLookupError';
  }
}

export interface HostResolverOptions {
  source: Resolver;
  /** Longest a lookup may take, ms (CF_WEBHOOK_DNS_TIMEOUT_MS). */
  timeoutMs: number;
  /** How long a failed lookup is remembered, ms. Default 10000. */
  negativeTtlMs?: number;
  /** Longest an answer is cached whatever its TTL, ms. Default one hour. */
  maxTtlMs?: number;
  /** Names cached at most (the oldest entries go first). Default 10000. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  expires: number;
  addresses?: ResolvedAddress[];
  error?: DnsLookupError;
}

export class HostResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<ResolvedAddress[]>>();
  private readonly negativeTtlMs: number;
  private readonly maxTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: HostResolverOptions) {
    this.negativeTtlMs = options.negativeTtlMs ?? 10_000;
    this.maxTtlMs = options.maxTtlMs ?? 60 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Addresses of `hostname`, from the cache, a lookup already under way, or a new one; see the top of the file. */
  readonly lookup: Resolver = (hostname) => {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    const hit = this.cache.get(name);
    if (hit && hit.expires > this.now()) {
      if (hit.error) {
        const ago = Math.round((this.now() - (hit.expires - this.negativeTtlMs)) / 1000);
        return Promise.reject(new DnsLookupError(name, hit.error.code, `${hit.error.message} (${ago} s ago; retried after ${this.negativeTtlMs / 1000} s)`));
      }
      return Promise.resolve(hit.addresses!);
    }
    const underWay = this.pending.get(name);
    if (underWay) return underWay;
    const lookup = this.resolve(name).finally(() => this.pending.delete(name));
    this.pending.set(name, lookup);
    return lookup;
  };

  private async resolve(name: string): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_ok, fail) => {
      timer = setTimeout(
        () => fail(new DnsLookupError(name, 'ETIMEOUT', `DNS lookup of ${name} timed out after ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
    });
    try {
      const addresses = await Promise.race([this.options.source(name), timeout]);
      if (addresses.length === 0) throw new DnsLookupError(name, 'ENODATA', `${name} did not resolve to any address`);
      const ttlMs = Math.min(this.maxTtlMs, 1000 * Math.min(...addresses.map((a) => a.ttl ?? 0)));
      if (ttlMs > 0) this.remember(name, { expires: this.now() + ttlMs, addresses });
      return addresses;
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const error = err instanceof DnsLookupError ? err : new DnsLookupError(name, e.code ?? 'EAI_FAIL', `DNS lookup of ${name} failed: ${e.code ?? e.message}`);
      this.remember(name, { expires: this.now() + this.negativeTtlMs, error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(name: string, entry: Entry): void {
    this.cache.delete(name);
    this.cache.set(name, entry);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
  }
}

/** Operating-system lookups (on libuv's thread pool) in flight at most: half its default 4 threads. */
const OS_LOOKUPS = 2;
/** How long an operating-system answer is cached (it carries no TTL), seconds. */
const OS_TTL_S = 30;
/** How often the hosts file is checked for changes, ms. */
const HOSTS_RECHECK_MS = 5000;

export interface SystemResolverOptions {
  /** The lookup timeout, ms (CF_WEBHOOK_DNS_TIMEOUT_MS): c-ares tries twice within it. */
  timeoutMs: number;
  /** DNS servers (`host` or `host:port`) instead of the system's (tests point this at a local server). */
  servers?: string[];
  /** Default /etc/hosts. */
  hostsPath?: string;
  /** The operating system's lookup, asked only when DNS says a name does not exist. Default dns.lookup. */
  osLookup?: (name: string) => Promise<Array<{ address: string; family: number }>>;
}

const systemLookup = (name: string) =>
  new Promise<Array<{ address: string; family: number }>>((ok, fail) =>
    osLookup(name, { all: true, verbatim: true }, (err, list) => (err ? fail(err) : ok(list))),
  );

/** The system's names: the hosts file, then DNS via c-ares, then (NXDOMAIN only) the OS, bounded. */
export function systemResolver(options: SystemResolverOptions): Resolver {
  // c-ares doubles the timeout for its second try: 1/3 + 2/3 of the budget.
  const dns = new dnsPromises.Resolver({ timeout: Math.max(50, Math.floor(options.timeoutMs / 3)), tries: 2 });
  if (options.servers) dns.setServers(options.servers);
  const hosts = new HostsFile(options.hostsPath ?? '/etc/hosts');
  const gate = new Gate(OS_LOOKUPS);
  return async (name) => {
    const deadline = Date.now() + options.timeoutMs;
    const listed = hosts.get(name);
    if (listed) return listed;
    const [v4, v6] = await Promise.allSettled([dns.resolve4(name, { ttl: true }), dns.resolve6(name, { ttl: true })]);
    const found: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((r) => ({ address: r.address, family: 4, ttl: r.ttl })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((r) => ({ address: r.address, family: 6, ttl: r.ttl })) : []),
    ];
    if (found.length > 0) return found;
    const codes = [v4, v6].map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ENODATA'));
    if (!codes.every((c) => c === 'ENOTFOUND' || c === 'ENODATA')) {
      const code = codes.find((c) => c !== 'ENOTFOUND' && c !== 'ENODATA') ?? 'EAI_FAIL';
      throw new DnsLookupError(name, code, `DNS lookup of ${name} failed: ${code}`);
    }
    // DNS says no such name: the OS may still know it (search domains, NSS), through a bounded gate.
    const addresses = await gate.run(deadline, () => (options.osLookup ?? systemLookup)(name));
    return addresses.map((a) => ({ ...a, ttl: OS_TTL_S }));
  };
}

/**
 * At most `limit` calls of `fn` at a time; the others wait their turn in order, and one whose `deadline`
 * (epoch ms) has passed by then is dropped unrun: its caller has given up.
 */
export class Gate {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
    // A finishing call hands its slot straight to the next in line, so `running` never exceeds the limit.
    if (this.running >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    else this.running++;
    try {
      if (Date.now() > deadline) throw new DnsLookupError('', 'ETIMEOUT', 'gave up waiting for an operating-system lookup');
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }

  get waiting(): number {
    return this.queue.length;
  }
}

/** The hosts file, re-read when it changes (checked at most every HOSTS_RECHECK_MS). */
class HostsFile {
  private names = new Map<string, ResolvedAddress[]>();
  private mtimeMs = -1;
  private checkedAt = -Infinity;

  constructor(private readonly path: string) {}

  get(name: string): ResolvedAddress[] | undefined {
    if (Date.now() - this.checkedAt > HOSTS_RECHECK_MS) this.reload();
    return this.names.get(name);
  }

  private reload(): void {
    this.checkedAt = Date.now();
    let text: string;
    try {
      const mtimeMs = statSync(this.path).mtimeMs;
      if (mtimeMs === this.mtimeMs) return;
      this.mtimeMs = mtimeMs;
      text = readFileSync(this.path, 'utf8');
    } catch {
      this.names = new Map();
      return;
    }
    const names = new Map<string, ResolvedAddress[]>();
    for (const line of text.split('\n')) {
      const [address, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
      const family = isIP(address ?? '');
      if (!family) continue;
      for (const alias of aliases) {
        const key = alias.toLowerCase();
        names.set(key, [...(names.get(key) ?? []), { address, family, ttl: HOSTS_RECHECK_MS / 1000 }]);
      }
    }
    this.names = names;
  }
}
