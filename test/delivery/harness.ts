import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { createApiKey } from '../../api/auth/api-keys';
import { loadConfig } from '../../api/config';
import { startService, type RunningService, type ServiceParts } from '../../api/service';
import type { Provisioner } from '../../api/grants/provisioner';
import { createTestDatabase } from '../support/database';
import { TEST_ENCRYPTION_KEY } from '../support/encryption';
import { webhookSchemaProblems } from '../support/event-schemas';

/** A webhook receiver on loopback that verifies every delivery with the `standardwebhooks` package. */
export interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
  /** Whether the signature verified with the secrets known at the time (or, before any was known, since). */
  verified: boolean;
  at: number;
}

export type Behaviour = (r: Received, res: ServerResponse, n: number) => void;

// Every event any delivery test receives (a request carrying webhook-id; some tests post raw bodies through the
// outbound client) must match the JSON Schema /openapi.json publishes for its kind.
const receivers: Receiver[] = [];
afterAll(() => {
  const events = receivers.splice(0).flatMap((r) => r.received.filter((d) => d.headers['webhook-id'] !== undefined));
  const problems = events.flatMap((d) => webhookSchemaProblems(d.json));
  expect(problems).toEqual([]);
});

export class Receiver {
  readonly received: Received[] = [];
  private server!: Server;
  private waiters: Array<() => void> = [];
  secrets: string[] = [];
  url = '';
  private count = 0;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(private behaviour: Behaviour = (_r, res) => res.writeHead(204).end()) {
    receivers.push(this);
  }

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const verify = (secrets: string[]) =>
          secrets.some((s) => {
            try {
              new Webhook(s).verify(body, req.headers as Record<string, string>);
              return true;
            } catch {
              return false; // try the next
            }
          });
        const known = this.secrets.slice();
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          /* recorded as is */
        }
        const r: Received = { id: String(req.headers['webhook-id']), headers: req.headers, body, json, verified: verify(known), at: Date.now() };
        // A delivery can arrive before the test has learned the integration's secret (the API call that reads the
        // secret is itself an authorization event, delivered as soon as it commits): it is checked against the
        // secrets learned since. Deliveries that arrive once a secret is known are checked against those only.
        if (known.length === 0) Object.defineProperty(r, 'verified', { get: () => verify(this.secrets), enumerable: true });
        this.received.push(r);
        this.count++;
        this.behaviour(r, res, this.count);
        this.waiters.splice(0).forEach((w) => w());
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, host, () => r()));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/hook`;
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  setBehaviour(b: Behaviour): void {
    this.behaviour = b;
  }

  /** Resolves once `predicate` holds over what arrived, or rejects after `timeoutMs`. */
  async waitFor(predicate: (all: Received[]) => boolean, timeoutMs = 20_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver: condition not met in ${timeoutMs} ms (${this.received.length} received)`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.received;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Receivers one test file starts (`start`), stopped together by `stopAll` (from its afterAll). */
export function receiverSet(): { start(behaviour?: Behaviour): Promise<Receiver>; stopAll(): Promise<void> } {
  const started: Receiver[] = [];
  return {
    async start(behaviour) {
      const r = await new Receiver(behaviour).start();
      started.push(r);
      return r;
    },
    async stopAll() {
      for (const r of started.splice(0)) await r.stop();
    },
  };
}

const started: Receiver[] = [];
// Receivers from startReceiver are stopped when their test file ends (after the file's own afterAll hooks).
afterAll(async () => {
  for (const r of started.splice(0)) await r.stop().catch(() => undefined);
});

/** A receiver on loopback, stopped when the test file ends. */
export async function startReceiver(behaviour?: Behaviour): Promise<Receiver> {
  const r = await new Receiver(behaviour).start();
  started.push(r);
  return r;
}

export interface DeliveryTestService {
  baseUrl: string;
  apiKey: string;
  readOnlyApiKey: string;
  service: RunningService;
  api: (method: string, path: string, body?: unknown, key?: string) => Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

/** The real service in this process on its own database, with delivery settings for tests. */
export async function startDeliveryService(
  opts: { env?: Record<string, string>; parts?: ServiceParts; databaseUrl?: string } = {},
): Promise<DeliveryTestService> {
  const databaseUrl = opts.databaseUrl ?? (await createTestDatabase());
  const apiKey = `test-admin-${randomBytes(16).toString('hex')}`;
  const env = {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    CF_BOOTSTRAP_API_KEY: apiKey,
    CF_WEBHOOK_ALLOW_HTTP: 'true',
    CF_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128',
    CF_WEBHOOK_RETRY_SCHEDULE: '0.2,0.4',
    CF_WEBHOOK_TIMEOUT_MS: '3000',
    CF_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    LOG_LEVEL: process.env.CF_TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
  };
  const service = await startService(loadConfig(env), pino({ level: env.LOG_LEVEL }), opts.parts);
  const { secret: readOnlyApiKey } = await createApiKey(service.db.pool, { name: 'test-read-only', role: 'read_only' });
  const baseUrl = service.url!;
  const api = async (method: string, path: string, body?: unknown, key = apiKey) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return { baseUrl, apiKey, readOnlyApiKey, service, api, stop: () => service.stop() };
}

/** Creates an integration pointing at `receiver` and teaches the receiver its signing secret. */
export async function createIntegration(
  svc: DeliveryTestService,
  receiver: Receiver | { url: string; secrets: string[] },
  fields: Record<string, unknown> = {},
): Promise<{ id: string; secret: string }> {
  const created = await svc.api('POST', '/v1/webhook-integrations', {
    name: 'receiver',
    url: receiver.url,
    send_audit_log_events: true,
    send_authorization_events: false,
    ...fields,
  });
  if (created.status !== 201) throw new Error(`create integration: ${created.status} ${JSON.stringify(created.body)}`);
  const secret = await svc.api('GET', `/v1/webhook-integrations/${created.body.id}/secret`);
  receiver.secrets.push(secret.body.secret);
  return { id: created.body.id, secret: secret.body.secret };
}

export const entitlement = {
  target: { type: 'AWS::Account', id: '450666865322' },
  role: { type: 'AWS::IDC::PermissionSet', id: 'arn:aws:sso:::permissionSet/ssoins-825968feece9a0b6/ps-04543749a2b53328' },
};

/** Requests access; returns the grant id. */
export async function requestAccess(svc: DeliveryTestService, duration = 3600): Promise<string> {
  const res = await svc.api('POST', '/v1/access-requests', { entitlement, justification: 'on call', duration_seconds: duration });
  if (res.status !== 201) throw new Error(`access request: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.grant.id;
}

export async function waitUntil<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The built-in provisioner's behaviour (assignments in the database) with a switch that makes it fail, as a target
 * system that is down would: for provisioning_error and deprovisioning_error.
 */
export function switchableProvisioner(): { provisioner: Provisioner; fail(on: boolean): void } {
  let failing = false;
  const provisioner: Provisioner = {
    async provision(grant, tx) {
      if (failing) throw new Error('target system unavailable');
      await tx.query('INSERT INTO grant_assignments (grant_id, target_type, target_id, role_type, role_id) VALUES ($1,$2,$3,$4,$5)', [
        grant.id,
        grant.target_type,
        grant.target_id,
        grant.role_type,
        grant.role_id,
      ]);
    },
    async deprovision(grant, tx) {
      if (failing) throw new Error('target system unavailable');
      await tx.query('DELETE FROM grant_assignments WHERE grant_id = $1', [grant.id]);
    },
  };
  return { provisioner, fail: (on) => void (failing = on) };
}

/** Orders received audit events as they occurred: deliveries run concurrently and may arrive in another order. */
export function byOccurrence(a: Received, b: Received): number {
  const [x, y] = [String(a.json.occurred_at), String(b.json.occurred_at)];
  return x < y ? -1 : x > y ? 1 : Number(a.json.index) - Number(b.json.index);
}
