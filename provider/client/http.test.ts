import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServerCertificate } from '../protocol/cert';

/**
 * The API client trusts the extra CA certificates the executable passes on as CF_PROVIDER_EXTRA_CA_CERTS
 * (NODE_EXTRA_CA_CERTS of the caller), and only those beyond Node's defaults.
 */
describe('HTTPS trust', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cf-ca-'));
  const cert = createServerCertificate(); // self-signed, SAN DNS:localhost
  const caFile = join(dir, 'extra-ca.pem');
  writeFileSync(caFile, cert.certPem);
  let server: Server;
  let url: URL;

  beforeAll(async () => {
    server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = new URL(`https://localhost:${(server.address() as AddressInfo).port}/v1/ping`);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    delete process.env.CF_PROVIDER_EXTRA_CA_CERTS;
  });

  // Each case loads a fresh copy of the module: the HTTPS agent is made once per process, on first use.
  function freshClient(): typeof import('./http') {
    let mod!: typeof import('./http');
    jest.isolateModules(() => {
      mod = require('./http');
    });
    return mod;
  }

  test('a server signed by an extra CA is trusted when the setting names it', async () => {
    process.env.CF_PROVIDER_EXTRA_CA_CERTS = caFile;
    const res = await freshClient().send({ method: 'GET', url });
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
  });

  test('without it the same server is refused', async () => {
    const { send, TransportError } = freshClient();
    const failure = await send({ method: 'GET', url }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransportError);
    expect((failure as InstanceType<typeof TransportError>).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });
});
