/**
 * The provider binary as go-plugin sees it: refuses to run by hand, prints one handshake line with an
 * AutoMTLS certificate, serves gRPC only to the client certificate it was given, holds go-plugin's stdio
 * stream open, answers the unused broker with UNIMPLEMENTED, ignores SIGINT and exits on
 * GRPCController/Shutdown once its replies are flushed.
 */
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createServerCertificate } from '../../provider/protocol/cert';
import * as M from '../../provider/protocol/messages';
import { MAGIC_COOKIE_VALUE } from '../../provider/protocol/serve';
import { PluginClient as Client, unaryCall } from '../support/plugin-client';
import { buildDist, Workspace } from './harness';

const call = (client: grpc.Client, name: string) => unaryCall(client, name, {}, 10_000);

describe('provider process', () => {
  let binary: string;
  let mirror: string;

  beforeAll(async () => {
    const dist = await buildDist();
    binary = dist.executable;
    mirror = dist.mirrorDir;
  });

  function launch(env: Record<string, string>): { child: ChildProcess; line: Promise<string>; stderr: () => string; exit: Promise<number | null> } {
    const child = spawn(binary, [], { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const line = new Promise<string>((resolve) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out);
      });
      void exit.then(() => resolve(out));
    });
    return { child, line, stderr: () => err, exit };
  }

  test('refuses to run without the magic cookie and says what it is', async () => {
    const p = launch({});
    expect(await p.exit).toBe(1);
    expect(await p.line).toBe('');
    expect(p.stderr()).toContain('This binary is a plugin for Terraform');
  });

  test('Node does not load NODE_EXTRA_CA_CERTS at launch; the setting is passed on to the API client', async () => {
    // Node warns on stderr at boot when it tries (and fails) to load the file; the executable's first line
    // moves the setting aside so no launch pays for parsing a CA bundle.
    const p = launch({ NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem' });
    expect(await p.exit).toBe(1);
    expect(p.stderr()).toContain('This binary is a plugin for Terraform');
    expect(p.stderr()).not.toContain('Ignoring extra certs');
  });

  test('handshake, mTLS-only gRPC, SIGINT ignored, Shutdown exits', async () => {
    const clientCert = createServerCertificate(); // any self-signed cert serves as Terraform's client cert
    const p = launch({
      TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: '5,6',
      PLUGIN_MIN_PORT: '10000',
      PLUGIN_MAX_PORT: '25000',
      PLUGIN_CLIENT_CERT: clientCert.certPem,
    });
    const line = await p.line;
    // Exactly one line, nothing before it.
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    const [core, proto, network, address, kind, cert] = line.trimEnd().split('|');
    expect([core, proto, network, kind]).toEqual(['1', '6', 'tcp', 'grpc']);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(cert).not.toMatch(/=/); // unpadded base64: Terraform rejects padding
    const der = Buffer.from(cert, 'base64');
    const x509 = new X509Certificate(der);
    expect(x509.subjectAltName).toBe('DNS:localhost');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.verify(x509.publicKey)).toBe(true);

    const target = address;
    const options = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };
    const serverPem = x509.toString();

    // Without the expected client certificate the TLS handshake fails.
    const stranger = createServerCertificate();
    const rejected = new Client(target, grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(stranger.keyPem), Buffer.from(stranger.certPem)), options);
    await expect(call(rejected, 'GetProviderSchema')).rejects.toThrow();
    rejected.close();

    const client = new Client(
      target,
      grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem)),
      options,
    );
    const schema = await call(client, 'GetProviderSchema');
    expect(Object.keys(schema.resource_schemas)).toEqual(['commonfate_webhook_integration']);
    expect(Object.keys(schema.data_source_schemas)).toEqual(['commonfate_webhook_integration']);
    const attrs = schema.resource_schemas.commonfate_webhook_integration.block.attributes;
    const headers = attrs.find((a: any) => a.name === 'headers');
    expect(headers.nested_type.nesting).toBe(M.NESTING_LIST);
    expect(headers.nested_type.attributes.find((a: any) => a.name === 'value').sensitive).toBe(true);
    expect(schema.provider.block.attributes.find((a: any) => a.name === 'api_key').sensitive).toBe(true);
    expect(schema.server_capabilities.get_provider_schema_optional).toBe(true);

    // Terraform's Ctrl-C reaches the provider's process group; the provider keeps serving.
    p.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200));
    expect(p.child.exitCode).toBeNull();
    await call(client, 'GetProviderSchema');

    // go-plugin opens both streams on every launch: stdio stays open (and carries nothing, the log goes to
    // stderr), the broker is not served.
    const stdio = (client as any).StreamStdio({}) as grpc.ClientReadableStream<unknown>;
    const stdioData: unknown[] = [];
    stdio.on('data', (d) => stdioData.push(d));
    const stdioStatus = new Promise<grpc.StatusObject>((r) => stdio.on('status', r));
    const broker = (client as any).StartStream() as grpc.ClientDuplexStream<unknown, unknown>;
    broker.on('data', () => {});
    const brokerStatus = new Promise<grpc.StatusObject>((r) => broker.on('status', r));
    broker.on('error', () => {});
    expect((await brokerStatus).code).toBe(grpc.status.UNIMPLEMENTED);

    await call(client, 'Shutdown');
    expect((await stdioStatus).code).toBe(grpc.status.OK);
    expect(stdioData).toEqual([]);
    expect(await p.exit).toBe(0);
    client.close();
  });

  test('under Terraform every launch exits on Shutdown by itself, and go-plugin finds its stdio stream', async () => {
    // go-plugin logs (to stderr with TF_LOG) each process exit, a WARN when it had to kill one that
    // did not exit within 2 s of Shutdown, and how its stdio stream ended (Unimplemented when not served).
    const ws = new Workspace(mirror, { CF_API_URL: 'http://127.0.0.1:1', CF_API_KEY: 'unused-key-1234567', TF_LOG: 'trace' });
    try {
      ws.write(`
resource "commonfate_webhook_integration" "x" {
  name = "x"
  url  = "https://hooks.example.com/x"
}
`);
      await ws.init();
      const { stderr } = await ws.ok(['plan']);
      const exits = stderr.match(/plugin process exited: plugin=\S*terraform-provider-commonfate/g) ?? [];
      expect(exits.length).toBeGreaterThanOrEqual(3); // schema, validate, plan: one launch each
      expect(stderr).not.toContain('plugin failed to exit gracefully');
      expect(stderr).toContain('provider.stdio: waiting for stdio data');
      expect(stderr).not.toMatch(/provider\.stdio:.*(Unimplemented|not available)/);
      expect(stderr).toContain('[DEBUG] commonfate: shutdown requested');
    } finally {
      ws.remove();
    }
  });
});
