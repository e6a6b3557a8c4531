import { pbkdf2 } from 'node:crypto';
import { lookup as osLookup } from 'node:dns';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gate, HostResolver, systemResolver } from '../../api/delivery/dns';
import { FakeDnsServer } from './dns-server';
import { TestResolver } from './failing';
import { createIntegration, Receiver, startDeliveryService, waitUntil, type DeliveryTestService } from './harness';

/** Name resolution for deliveries: bounded, cached, and never in the way of other destinations. */
describe('name resolution for deliveries', () => {
  describe('the system resolver, against a stand-in DNS server on loopback', () => {
    let dns: FakeDnsServer;
    const hostsPath = join(mkdtempSync(join(tmpdir(), 'cf-hosts-')), 'hosts');
    const osAsked: string[] = [];
    const notFound = (name: string) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });

    beforeAll(async () => {
      dns = await new FakeDnsServer().start();
      dns.zone.set('short.test', { address: '127.0.0.2', ttl: 1 });
      dns.zone.set('long.test', { address: '127.0.0.3', ttl: 300 });
      dns.zone.set('other.test', { address: '127.0.0.4', ttl: 60 });
      writeFileSync(hostsPath, '# comment\n127.0.0.9   from-hosts.test  alias.test\n');
    });
    afterAll(() => dns.stop());

    /** The real source (hosts file, c-ares, OS fallback) behind the cache, on a clock the test moves. */
    function resolver(timeoutMs = 600) {
      const clock = { now: 0 };
      const source = systemResolver({
        timeoutMs,
        servers: [dns.server],
        hostsPath,
        // The OS would ask the machine's real DNS: a stand-in that knows one name.
        osLookup: async (name) => {
          osAsked.push(name);
          if (name === 'search-domain.test') return [{ address: '127.0.0.5', family: 4 }];
          throw notFound(name);
        },
      });
      return { clock, names: new HostResolver({ source, timeoutMs, now: () => clock.now }) };
    }

    test('answers are cached for their TTL, and asked again once it has passed', async () => {
      const { clock, names } = resolver();
      expect(await names.lookup('short.test')).toEqual([{ address: '127.0.0.2', family: 4, ttl: 1 }]);
      expect(await names.lookup('long.test')).toEqual([{ address: '127.0.0.3', family: 4, ttl: 300 }]);
      const asked = { short: dns.count('short.test'), long: dns.count('long.test') };
      await names.lookup('short.test');
      clock.now = 1500;
      await names.lookup('short.test');
      await names.lookup('long.test');
      // short.test: cached once, asked again after its 1 s; long.test: still cached. (A and AAAA: 2 queries.)
      expect({ short: dns.count('short.test') - asked.short, long: dns.count('long.test') - asked.long }).toEqual({ short: 2, long: 0 });
    });

    test('the hosts file answers without DNS', async () => {
      const { names } = resolver();
      expect(await names.lookup('ALIAS.test')).toEqual([{ address: '127.0.0.9', family: 4, ttl: 5 }]);
      expect(dns.count('alias.test')).toBe(0);
    });

    test('a name DNS does not know is asked of the OS (search domains), and a failure is remembered briefly', async () => {
      const { clock, names } = resolver();
      expect(await names.lookup('search-domain.test')).toEqual([{ address: '127.0.0.5', family: 4, ttl: 30 }]);
      await expect(names.lookup('missing.test')).rejects.toThrow('DNS lookup of missing.test failed: ENOTFOUND');
      const asked = dns.count('missing.test');
      // Within 10 s: from the cache, neither DNS nor the OS asked again, and it says so.
      await expect(names.lookup('missing.test')).rejects.toThrow(/ENOTFOUND \(0 s ago; retried after 10 s\)/);
      expect(dns.count('missing.test')).toBe(asked);
      expect(osAsked.filter((n) => n === 'missing.test')).toHaveLength(1);
      clock.now = 10_001;
      await expect(names.lookup('missing.test')).rejects.toThrow('ENOTFOUND');
      expect(osAsked.filter((n) => n === 'missing.test')).toHaveLength(2);
    });

    test('a DNS server that never answers times out on its own; other names resolve meanwhile', async () => {
      const { names } = resolver(600);
      const started = Date.now();
      const hanging = names.lookup('x.hang.test').catch((err: Error) => ({ err, ms: Date.now() - started }));
      const meanwhile = await names.lookup('other.test').then(() => Date.now() - started);
      const { err, ms } = (await hanging) as { err: Error; ms: number };
      expect(err.message).toBe('DNS lookup of x.hang.test timed out after 600 ms');
      expect(ms).toBeGreaterThanOrEqual(590);
      expect(meanwhile).toBeLessThan(ms);
      // Attempts that ask for the same name at once share one lookup.
      const asked = dns.count('y.hang.test');
      await Promise.all(Array.from({ length: 10 }, () => names.lookup('y.hang.test').catch(() => undefined)));
      expect(dns.count('y.hang.test') - asked).toBeLessThanOrEqual(4); // A + AAAA, each tried twice
    });

    test("lookups do not wait for libuv's thread pool, which dns.lookup does", async () => {
      const { names } = resolver();
      const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
      const order: string[] = [];
      // Fill every thread of the pool with work that takes a while.
      const done = (what: string, r: () => void) => () => {
        order.push(what);
        r();
      };
      const busy = Array.from({ length: threads }, (_x, i) => new Promise<void>((r) => pbkdf2('x', 'salt', 400_000, 64, 'sha512', done(`pool ${i}`, r))));
      const viaOs = new Promise<void>((r) => osLookup('localhost', done('dns.lookup', r)));
      await names.lookup('other.test').then(() => order.push('c-ares'));
      await Promise.all([...busy, viaOs]);
      // c-ares answered while every thread was busy; dns.lookup had to wait for one of them to finish.
      expect(order[0]).toBe('c-ares');
      expect(order.indexOf('dns.lookup')).toBeGreaterThan(order.findIndex((x) => x.startsWith('pool')));
    });

    test('the OS fallback runs at most two lookups at a time', async () => {
      const gate = new Gate(2);
      let running = 0;
      let most = 0;
      const job = () =>
        gate.run(Date.now() + 5000, async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 20));
          running--;
        });
      await Promise.all(Array.from({ length: 8 }, job));
      expect(most).toBe(2);
      // A caller whose deadline passed while it waited is dropped unrun.
      let ran = false;
      const slow = gate.run(Date.now() + 5000, () => new Promise((r) => setTimeout(r, 50)));
      const slow2 = gate.run(Date.now() + 5000, () => new Promise((r) => setTimeout(r, 50)));
      await expect(gate.run(Date.now() + 10, async () => (ran = true))).rejects.toThrow(/gave up waiting/);
      await Promise.all([slow, slow2]);
      expect(ran).toBe(false);
    });
  });

  describe('through the service, with a stand-in for DNS', () => {
    let svc: DeliveryTestService;
    let healthy: Receiver;
    const resolver = new TestResolver();
    const DNS_TIMEOUT_MS = 4000;

    beforeAll(async () => {
      svc = await startDeliveryService({
        env: { CF_WEBHOOK_DNS_TIMEOUT_MS: String(DNS_TIMEOUT_MS), CF_WEBHOOK_TIMEOUT_MS: '8000', CF_WEBHOOK_RETRY_SCHEDULE: '0.2,0.4,0.8' },
        parts: { resolver: resolver.resolve },
      });
      healthy = await new Receiver().start();
    });
    afterAll(async () => {
      resolver.release();
      await svc.stop();
      await healthy.stop();
    });

    const attempts = async (iid: string) => {
      const { rows } = await svc.service.db.pool.query<{ error: string; duration_ms: number }>(
        `SELECT a.error, a.duration_ms FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.integration_id = $1 ORDER BY a.attempted_at`,
        [iid],
      );
      return rows;
    };

    test('hanging lookups delay nobody else; an unresolvable name fails fast after its first lookup', async () => {
      const subscribe = { send_audit_log_events: false, send_authorization_events: true };
      const hanging: string[] = [];
      for (let i = 0; i < 6; i++) hanging.push((await createIntegration(svc, { url: `http://dest-${i}.hang.test/hook`, secrets: [] }, subscribe)).id);
      const { id: unresolvable } = await createIntegration(svc, { url: 'http://only.nx.test/hook', secrets: [] }, subscribe);
      await waitUntil(async () => resolver.count('.hang.test') >= 6);

      // While six lookups hang, a destination reached by name gets every event, promptly.
      // (Timed from the last call's answer: how long the API calls take depends on the machine.)
      const port = new URL(healthy.url).port;
      await createIntegration(svc, { url: `http://healthy.ok.test:${port}/hook`, secrets: healthy.secrets }, subscribe);
      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: 20 }, async () => ids.push((await svc.api('GET', '/v1/webhook-integrations?page_size=1')).headers.get('cf-authorization-evaluation')!)),
      );
      const answered = Date.now();
      await healthy.waitFor((all) => ids.every((id) => all.some((r) => r.id === id)));
      expect(Date.now() - answered).toBeLessThan(DNS_TIMEOUT_MS / 2);
      expect(healthy.received.every((r) => r.verified)).toBe(true);

      // The unresolvable name: looked up once, every attempt failing at once with the lookup's answer.
      const nx = await waitUntil(async () => {
        const list = await attempts(unresolvable);
        return list.length >= 3 && list;
      });
      expect(resolver.lookups.get('only.nx.test')).toBe(1);
      expect(nx[0].error).toBe('DNS lookup of only.nx.test failed: ENOTFOUND');
      expect(nx[1].error).toMatch(/^DNS lookup of only\.nx\.test failed: ENOTFOUND \(\d+ s ago; retried after 10 s\)$/);
      expect(Math.max(...nx.map((a) => a.duration_ms))).toBeLessThan(DNS_TIMEOUT_MS / 4);

      // A hanging lookup ends at the DNS timeout, recorded as such; the next attempt fails at once from the cache.
      const hung = await waitUntil(async () => {
        const list = await attempts(hanging[0]);
        return list.length >= 2 && list;
      }, 20_000);
      expect(hung[0].error).toBe(`DNS lookup of dest-0.hang.test timed out after ${DNS_TIMEOUT_MS} ms`);
      expect(hung[0].duration_ms).toBeGreaterThanOrEqual(DNS_TIMEOUT_MS - 10);
      expect(hung[0].duration_ms).toBeLessThan(8000);
      expect(hung[1].error).toMatch(/timed out after 4000 ms \(\d+ s ago; retried after 10 s\)$/);
      expect(hung[1].duration_ms).toBeLessThan(DNS_TIMEOUT_MS / 4);
    });
  });
});
