/**
 * The gRPC server on node:http2, spoken to by an independent gRPC implementation (@grpc/grpc-js as a client,
 * a dev dependency only): status codes and messages in trailers, trailers-only failures, unknown methods,
 * deadlines, size limits, encodings, server streaming, and a graceful shutdown that answers in-flight calls.
 * Terraform's own Go client is exercised by every test in test/terraform/.
 */
import * as grpc from '@grpc/grpc-js';
import { connect } from 'node:http2';
import { createServer, type Server } from 'node:net';
import { createServerCertificate } from './cert';
import { GrpcError, Status } from './grpc-status';
import { GrpcServer, type MethodCodec, type ServerStream } from './grpc-server';
import { stderrLogger } from './log';

/** Messages are UTF-8 strings in these tests: the codec under test is the transport, not protobuf. */
const text: MethodCodec = {
  decode: (bytes) => Buffer.from(bytes).toString('utf8'),
  encode: (message) => Buffer.from(String(message), 'utf8'),
};
const def = (path: string, responseStream = false) => ({
  path,
  requestStream: false,
  responseStream,
  requestSerialize: (m: string) => Buffer.from(m),
  requestDeserialize: (b: Buffer) => b.toString(),
  responseSerialize: (m: string) => Buffer.from(m),
  responseDeserialize: (b: Buffer) => b.toString(),
});
const Client = grpc.makeGenericClientConstructor(
  {
    Echo: def('/test.Svc/Echo'),
    Fail: def('/test.Svc/Fail'),
    Throw: def('/test.Svc/Throw'),
    Slow: def('/test.Svc/Slow'),
    Missing: def('/test.Svc/Missing'),
    Watch: def('/test.Svc/Watch', true),
  },
  'Svc',
);

interface Started {
  server: GrpcServer;
  listener: Server;
  port: number;
  slow: Array<() => void>;
  watchers: ServerStream[];
}

async function start(opts: { tls?: boolean; maxReceiveMessageBytes?: number } = {}, clientCert = createServerCertificate()): Promise<Started & { serverCert: ReturnType<typeof createServerCertificate> }> {
  const serverCert = createServerCertificate();
  const server = new GrpcServer({
    log: stderrLogger('ERROR'),
    maxReceiveMessageBytes: opts.maxReceiveMessageBytes,
    tls: opts.tls ? { certPem: serverCert.certPem, keyPem: serverCert.keyPem, clientCaPem: clientCert.certPem } : undefined,
  });
  const slow: Array<() => void> = [];
  const watchers: ServerStream[] = [];
  server.addUnary('/test.Svc/Echo', text, (m: string) => `echo:${m}`);
  server.addUnary('/test.Svc/Fail', text, () => Promise.reject(new GrpcError(Status.FAILED_PRECONDITION, 'not now: 100% ünïcode\nline')));
  server.addUnary('/test.Svc/Throw', text, () => {
    throw new Error('handler bug');
  });
  server.addUnary('/test.Svc/Slow', text, (m: string) => new Promise((resolve) => slow.push(() => resolve(`late:${m}`))));
  server.addServerStream('/test.Svc/Watch', text, (m: string, stream) => {
    stream.send(`first:${m}`);
    watchers.push(stream);
  });
  const listener = createServer((socket) => server.inject(socket));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  return { server, listener, port: (listener.address() as { port: number }).port, slow, watchers, serverCert };
}

function unary(client: grpc.Client, name: string, message: string, options: grpc.CallOptions = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    (client as any)[name](message, options, (err: grpc.ServiceError | null, res: string) => (err ? reject(err) : resolve(res))),
  );
}

describe('GrpcServer', () => {
  let s: Started;
  let client: grpc.Client;
  beforeEach(async () => {
    s = await start();
    client = new Client(`127.0.0.1:${s.port}`, grpc.credentials.createInsecure());
  });
  afterEach(async () => {
    client.close();
    await s.server.shutdown();
    s.listener.close();
  });

  test('a unary call answers with its message and status OK', async () => {
    expect(await unary(client, 'Echo', 'hello')).toBe('echo:hello');
    expect(await unary(client, 'Echo', '')).toBe('echo:');
    const big = 'x'.repeat(3 * 1024 * 1024); // several DATA frames and flow-control windows each way
    expect(await unary(client, 'Echo', big)).toBe(`echo:${big}`);
    expect(s.server.stats.calls).toBe(3);
  });

  test('a GrpcError becomes its status code and a percent-encoded message that decodes intact', async () => {
    await expect(unary(client, 'Fail', 'x')).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: 'not now: 100% ünïcode\nline' });
  });

  test('any other error from a handler is INTERNAL', async () => {
    await expect(unary(client, 'Throw', 'x')).rejects.toMatchObject({ code: grpc.status.INTERNAL, details: 'handler bug' });
  });

  test('an unknown method is UNIMPLEMENTED', async () => {
    await expect(unary(client, 'Missing', 'x')).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED, details: 'unknown method /test.Svc/Missing' });
  });

  test('a grpc-timeout that passes before the answer is DEADLINE_EXCEEDED', async () => {
    const call = unary(client, 'Slow', 'x', { deadline: Date.now() + 100 });
    await expect(call).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    s.slow.splice(0).forEach((f) => f()); // the late answer goes nowhere and breaks nothing
    expect(await unary(client, 'Echo', 'after')).toBe('echo:after');
  });

  test('a server stream sends messages and ends with OK when the server shuts down', async () => {
    const received: string[] = [];
    const call = (client as any).Watch('w') as grpc.ClientReadableStream<string>;
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('data', (m: string) => received.push(m));
    while (s.watchers.length === 0) await new Promise((r) => setTimeout(r, 5));
    s.watchers[0].send('second');
    await s.server.shutdown();
    expect((await status).code).toBe(grpc.status.OK);
    expect(received).toEqual(['first:w', 'second']);
  });

  test('shutdown lets in-flight calls finish, then closes the connection', async () => {
    const inFlight = unary(client, 'Slow', 'pending');
    while (s.slow.length === 0) await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const done = s.server.shutdown().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    s.slow[0]();
    expect(await inFlight).toBe('late:pending');
    await done;
    expect(closed).toBe(true);
  });
});

describe('GrpcServer limits and non-gRPC requests', () => {
  test('a message over the receive limit is RESOURCE_EXHAUSTED', async () => {
    const s = await start({ maxReceiveMessageBytes: 1024 });
    const client = new Client(`127.0.0.1:${s.port}`, grpc.credentials.createInsecure());
    try {
      expect(await unary(client, 'Echo', 'y'.repeat(1024))).toBe(`echo:${'y'.repeat(1024)}`);
      await expect(unary(client, 'Echo', 'y'.repeat(1025))).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
      await expect(unary(client, 'Echo', 'y'.repeat(200_000))).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    } finally {
      client.close();
      await s.server.shutdown();
      s.listener.close();
    }
  });

  test('compressed requests are refused as UNIMPLEMENTED naming the encodings accepted; non-gRPC requests get HTTP statuses', async () => {
    const s = await start();
    const session = connect(`http://127.0.0.1:${s.port}`);
    const request = (headers: Record<string, string>, body?: Buffer) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = session.request(headers);
        let got: Record<string, unknown> = {};
        req.on('response', (h) => (got = { ...h }));
        req.on('trailers', (t) => (got = { ...got, ...t }));
        req.on('error', reject);
        req.on('close', () => resolve(got));
        req.resume();
        req.end(body);
      });
    const message = Buffer.from([1, 0, 0, 0, 1, 0x41]);
    try {
      const gzip = await request({ ':method': 'POST', ':path': '/test.Svc/Echo', 'content-type': 'application/grpc', 'grpc-encoding': 'gzip' }, message);
      expect(gzip).toMatchObject({ ':status': 200, 'grpc-status': String(Status.UNIMPLEMENTED), 'grpc-accept-encoding': 'identity' });
      const flagged = await request({ ':method': 'POST', ':path': '/test.Svc/Echo', 'content-type': 'application/grpc' }, message);
      expect(flagged).toMatchObject({ 'grpc-status': String(Status.INTERNAL) });
      const get = await request({ ':method': 'GET', ':path': '/test.Svc/Echo' });
      expect(get[':status']).toBe(405);
      const json = await request({ ':method': 'POST', ':path': '/test.Svc/Echo', 'content-type': 'application/json' }, Buffer.from('{}'));
      expect(json[':status']).toBe(415);
    } finally {
      session.close();
      await s.server.shutdown();
      s.listener.close();
    }
  });

  test('with TLS, only a client presenting a certificate issued by the trusted CA is served', async () => {
    const clientCert = createServerCertificate();
    const s = await start({ tls: true }, clientCert);
    const options = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };
    const ca = Buffer.from(s.serverCert.certPem);
    const stranger = createServerCertificate();
    const clients = [
      new Client(`127.0.0.1:${s.port}`, grpc.credentials.createSsl(ca, Buffer.from(stranger.keyPem), Buffer.from(stranger.certPem)), options),
      new Client(`127.0.0.1:${s.port}`, grpc.credentials.createSsl(ca), options),
      new Client(`127.0.0.1:${s.port}`, grpc.credentials.createSsl(ca, Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem)), options),
    ];
    try {
      await expect(unary(clients[0], 'Echo', 'x', { deadline: Date.now() + 5000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      await expect(unary(clients[1], 'Echo', 'x', { deadline: Date.now() + 5000 })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      expect(await unary(clients[2], 'Echo', 'trusted')).toBe('echo:trusted');
    } finally {
      clients.forEach((c) => c.close());
      await s.server.shutdown();
      s.listener.close();
    }
  });
});
