import type { Pool } from 'pg';
import { generateKey, Keyring } from '../api/secrets/keyring';
import { IntegrationSecrets } from '../api/webhook-integrations/secrets';
import { TargetCache, type SealedTarget } from '../api/webhook-integrations/target-cache';
import { measureLatency, measureThroughput, now, setIntegrations, type Receivers } from './delivery-support';
import { median } from './support';

/**
 * The "secrets sealed" part of `npm run bench:delivery` (BENCH_PARTS=secrets): the same throughput and latency
 * runs with the integrations' header value and signing secret stored in plain text (as before encryption: the
 * worker has nothing to decrypt) and sealed (as the API stores them: the worker opens them through its
 * TargetCache), in ABBA order (plain, sealed, sealed, plain…) so that load on the shared machine falls on both alike.
 * Beside it, what opening one target costs in this process, with and without the cache.
 */

export interface SecretsRun {
  rounds: number;
  /** Events per throughput run to 1 destination; a tenth of them to 10 destinations (same deliveries). */
  events: number;
}

interface Round {
  one: number;
  ten: number;
  p50: number;
  p99: number;
  /** Deliveries made, and values decrypted meanwhile (by anyone using the service's keyring: here, the worker). */
  deliveries: number;
  opens: number;
}

/** Counts the keyring's decryptions (the worker shares the service's keyring): what the cache is meant to spare. */
function countOpens(secrets: IntegrationSecrets): () => number {
  const keyring = secrets.keyring;
  const open = keyring.open.bind(keyring);
  let n = 0;
  keyring.open = (sealed, context) => (n++, open(sealed, context));
  return () => n;
}

async function round(pool: Pool, rx: Receivers, run: SecretsRun, opens: () => number, secrets?: IntegrationSecrets): Promise<Round> {
  const before = opens();
  const one = await measureThroughput(pool, rx, await setIntegrations(pool, rx.ports.slice(0, 1), secrets), run.events);
  const ten = await measureThroughput(pool, rx, await setIntegrations(pool, rx.ports.slice(0, 10), secrets), run.events / 10);
  const lat = await measureLatency(pool, rx, await setIntegrations(pool, rx.ports.slice(0, 1), secrets), 500, 5);
  return { one: one.perSecond, ten: ten.perSecond, p50: lat.p50, p99: lat.p99, deliveries: one.deliveries + ten.deliveries + lat.received, opens: opens() - before };
}

/** µs per open of one target (one header, current and previous signing secret): every time, and through the cache. */
function openCost(secrets: IntegrationSecrets): { miss: number; hit: number } {
  const sealedTarget = (id: string): SealedTarget => ({
    url: 'https://example.test/hook',
    headers: secrets.sealHeaders(id, [{ key: 'X-Bench', value: '1' }], true).writes as SealedTarget['headers'],
    signingSecret: secrets.sealSigningSecret(id, 'whsec_' + generateKey()),
    previousSecret: secrets.sealSigningSecret(id, 'whsec_' + generateKey()),
  });
  const n = 20_000;
  const targets = Array.from({ length: 100 }, (_x, i) => ({ id: `whk_bench${i}`, version: 1, sealed: sealedTarget(`whk_bench${i}`) }));
  const time = (cache: () => TargetCache) => {
    let c = cache();
    const started = now();
    for (let i = 0; i < n; i++) {
      const t = targets[i % targets.length];
      if (i % targets.length === 0) c = cache();
      c.open(t.id, t.version, t.sealed);
    }
    return ((now() - started) * 1000) / n;
  };
  const fresh = () => new TargetCache(secrets, 1);
  const shared = new TargetCache(secrets);
  for (const t of targets) shared.open(t.id, t.version, t.sealed);
  time(fresh); // warm-up
  // A cache of one entry over 100 integrations misses every time: each open decrypts three values.
  return { miss: time(fresh), hit: time(() => shared) };
}

export async function secretsTable(pool: Pool, rx: Receivers, secrets: IntegrationSecrets, run: SecretsRun): Promise<string> {
  const plain: Round[] = [];
  const sealed: Round[] = [];
  const opens = countOpens(secrets);
  await round(pool, rx, { ...run, events: 500 }, opens, secrets); // warm-up, discarded
  for (let i = 0; i < run.rounds; i++) {
    // ABBA: plain first in even rounds, sealed first in odd ones, so a load that rises or falls during the run
    // does not always favour the same side.
    if (i % 2 === 0) {
      plain.push(await round(pool, rx, run, opens));
      sealed.push(await round(pool, rx, run, opens, secrets));
    } else {
      sealed.push(await round(pool, rx, run, opens, secrets));
      plain.push(await round(pool, rx, run, opens));
    }
    process.stdout.write(`secrets round ${i + 1}: plain ${plain[i].ten.toFixed(0)}/s, sealed ${sealed[i].ten.toFixed(0)}/s (10 destinations)\n`);
  }
  const rows: Array<[string, keyof Round, string, (x: number) => string]> = [
    [`durable deliveries/s, 1 destination (${run.events} events)`, 'one', '', (x) => x.toFixed(0)],
    [`durable deliveries/s, 10 destinations (${run.events / 10} events)`, 'ten', '', (x) => x.toFixed(0)],
    ['event→receipt p50 at 500 events/s, 1 destination', 'p50', ' ms', (x) => x.toFixed(1)],
    ['event→receipt p99 at 500 events/s, 1 destination', 'p99', ' ms', (x) => x.toFixed(1)],
  ];
  const lines = [
    `| measure | plain text (${run.rounds} runs) | median | sealed (${run.rounds} runs) | median | sealed / plain |`,
    '|---|---|---|---|---|---|',
  ];
  for (const [label, key, unit, fmt] of rows) {
    const [p, s] = [plain.map((r) => r[key]), sealed.map((r) => r[key])];
    const [mp, ms] = [median(p), median(s)];
    lines.push(`| ${label} | ${p.map(fmt).join(', ')} | ${fmt(mp)}${unit} | ${s.map(fmt).join(', ')} | ${fmt(ms)}${unit} | ${(ms / mp).toFixed(2)}× |`);
  }
  const sum = (list: Round[], k: 'deliveries' | 'opens') => list.reduce((n, r) => n + r[k], 0);
  lines.push('');
  lines.push(
    `Values decrypted by the worker: ${sum(sealed, 'opens')} for ${sum(sealed, 'deliveries')} deliveries in the sealed runs ` +
      `(its header value and its signing secret, once per integration: each run makes new ones), ${sum(plain, 'opens')} in the plain ones.`,
  );
  const cost = openCost(new IntegrationSecrets(new Keyring([Buffer.from(generateKey(), 'base64')])));
  lines.push('');
  lines.push(
    `Opening one target (one header value, current and previous signing secret) in this process: ${cost.miss.toFixed(1)} µs decrypting, ` +
      `${cost.hit.toFixed(2)} µs from the cache (its integration unchanged).`,
  );
  return lines.join('\n');
}
