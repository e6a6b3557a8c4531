/**
 * A small gRPC server on node:http2: what a go-plugin host (Terraform) needs, and nothing else.
 *
 * Why not @grpc/grpc-js: a provider process lives for one phase of one command (3-5 launches per command),
 * so it never warms up, and grpc-js cost 1.3-2 ms of CPU per RPC in a fresh process, mostly its own
 * interpreted JavaScript around node:http2. Serving the protocol on node:http2 directly (whose framing,
 * HPACK and flow control are nghttp2, in C) leaves one object and a few callbacks per call.
 *
 * What it implements of gRPC over HTTP/2 (the protocol's PROTOCOL-HTTP2 document):
 *   - requests: POST, content-type application/grpc[+proto|;…], messages as 1 byte compressed flag + 4 bytes
 *     big-endian length + bytes; identity encoding only (others: UNIMPLEMENTED with grpc-accept-encoding);
 *   - responses: HEADERS (:status 200), DATA with the length-prefixed message, then trailers with grpc-status
 *     and, on failure, a percent-encoded grpc-message; failures before any message are trailers-only;
 *   - unary and server-streaming methods; unknown methods answer UNIMPLEMENTED; grpc-timeout deadlines
 *     (DEADLINE_EXCEEDED); a message over the receive limit is RESOURCE_EXHAUSTED; a call the client
 *     cancels (RST_STREAM) is never answered;
 *   - plain HTTP answers to what is not gRPC at all (405 for other methods, 415 for other content types);
 *   - a graceful shutdown: GOAWAY, in-flight calls finish, open server streams end with OK, and the promise
 *     resolves once every connection has been flushed and closed.
 * TLS (with a required client certificate) or cleartext HTTP/2 with prior knowledge, as go-plugin dials.
 */
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import { trustsClient } from './client-auth';
import { encodeGrpcMessage, GrpcError, parseGrpcTimeout, Status, type StatusCode } from './grpc-status';
import type { Logger } from './log';

/** How one method's messages are read and written (the codec is ./wire.ts, bound to a descriptor). */
export interface MethodCodec {
  decode(bytes: Uint8Array): unknown;
  encode(message: unknown): Uint8Array;
}

export type UnaryHandler = (request: any) => unknown | Promise<unknown>;

/** The server's half of a server-streaming call. */
export interface ServerStream {
  send(message: unknown): void;
  /** Ends the call with the given status (default OK). Idempotent. */
  end(code?: StatusCode, message?: string): void;
}
export type ServerStreamHandler = (request: any, stream: ServerStream) => void;

interface Method {
  codec: MethodCodec;
  unary?: UnaryHandler;
  stream?: ServerStreamHandler;
}

export interface GrpcServerOptions {
  log: Logger;
  /** PEM of the server certificate and key and of the CA client certificates must chain to; omitted: cleartext. */
  tls?: { certPem: string; keyPem: string; clientCaPem: string };
  /** Largest request message accepted, in bytes. Default 256 MiB (Terraform sends whole states and configs). */
  maxReceiveMessageBytes?: number;
}

/** What the transport spent, for the DEBUG line at shutdown (milliseconds; codec times only at DEBUG). */
export interface TransportStats {
  calls: number;
  decodeMs: number;
  encodeMs: number;
}

const NO_ERROR = http2.constants.NGHTTP2_NO_ERROR;
/** setTimeout's ceiling; longer deadlines are as good as none for a process that lives minutes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class GrpcServer {
  readonly stats: TransportStats = { calls: 0, decodeMs: 0, encodeMs: 0 };
  private readonly methods = new Map<string, Method>();
  private readonly http: http2.Http2Server;
  /** With TLS: accepts connections, completes the handshake, and hands verified ones to `http`. */
  private readonly tls?: tls.Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly openStreams = new Set<ServerStream>();
  private readonly maxReceive: number;
  /** Codec timings cost two clock reads per message; taken only when DEBUG lines will show them. */
  private readonly timed: boolean;
  private closing = false;
  private allClosed?: () => void;

  constructor(private readonly opts: GrpcServerOptions) {
    this.maxReceive = opts.maxReceiveMessageBytes ?? 256 * 1024 * 1024;
    this.timed = opts.log.enabled('DEBUG');
    const log = opts.log;
    this.http = http2.createServer();
    if (opts.tls) {
      const { clientCaPem } = opts.tls;
      this.tls = tls.createServer({
        key: opts.tls.keyPem,
        cert: opts.tls.certPem,
        // No CA list for OpenSSL: handing it one makes Node parse its ~140 bundled root certificates first,
        // 30-60 ms of every launch, for a server that trusts exactly one client CA. The client certificate is
        // required and checked below, before the connection reaches HTTP/2.
        ca: [],
        requestCert: true,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2'],
      });
      this.tls.on('secureConnection', (socket: tls.TLSSocket) => {
        if (trustsClient(socket.getPeerX509Certificate(), clientCaPem)) this.http.emit('connection', socket);
        else {
          log.log('DEBUG', 'TLS client certificate refused');
          socket.destroy();
        }
      });
      // A client that fails the TLS handshake never gets a stream.
      this.tls.on('tlsClientError', (err) => log.log('DEBUG', 'TLS handshake refused', { error: err.message }));
    }
    this.http.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.http.on('session', (session) => this.track(session));
    this.http.on('sessionError', (err) => log.log('DEBUG', 'HTTP/2 session error', { error: err.message }));
  }

  addUnary(path: string, codec: MethodCodec, handler: UnaryHandler): void {
    this.methods.set(path, { codec, unary: handler });
  }

  addServerStream(path: string, codec: MethodCodec, handler: ServerStreamHandler): void {
    this.methods.set(path, { codec, stream: handler });
  }

  /** Serves a TCP connection accepted by the caller's own listener. */
  inject(socket: Socket): void {
    (this.tls ?? this.http).emit('connection', socket);
  }

  /**
   * Stops gracefully: open server streams end with OK, every connection gets GOAWAY and closes once its
   * in-flight calls have been answered and flushed. Resolves when no connection is left.
   */
  shutdown(): Promise<void> {
    this.closing = true;
    for (const s of [...this.openStreams]) s.end();
    for (const session of this.sessions) session.close();
    return new Promise((resolve) => {
      if (this.sessions.size === 0) resolve();
      else this.allClosed = resolve;
    });
  }

  private track(session: http2.ServerHttp2Session): void {
    this.sessions.add(session);
    session.on('error', (err) => this.opts.log.log('DEBUG', 'HTTP/2 connection error', { error: err.message }));
    session.once('close', () => {
      this.sessions.delete(session);
      if (this.sessions.size === 0) this.allClosed?.();
    });
    if (this.closing) session.close();
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    // A reset from the client surfaces as an error on the stream; there is no one left to answer.
    stream.on('error', () => {});
    const contentType = headers['content-type'] ?? '';
    if (headers[':method'] !== 'POST') return plainHttp(stream, 405);
    if (!/^application\/grpc(?:$|[+;])/.test(contentType)) return plainHttp(stream, 415);
    const path = headers[':path'] ?? '';
    const method = this.methods.get(path);
    if (!method) return trailersOnly(stream, Status.UNIMPLEMENTED, `unknown method ${path}`);
    const encoding = headers['grpc-encoding'];
    if (encoding !== undefined && encoding !== 'identity') {
      return trailersOnly(stream, Status.UNIMPLEMENTED, `message encoding "${encoding}" is not supported`, {
        'grpc-accept-encoding': 'identity',
      });
    }
    this.receive(stream, method, parseGrpcTimeout(headers['grpc-timeout'] as string | undefined));
  }

  /** Reads the request message, runs the handler and answers, exactly once. */
  private receive(stream: http2.ServerHttp2Stream, method: Method, timeoutMs: number | undefined): void {
    const chunks: Buffer[] = [];
    let received = 0;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (code: StatusCode, message: string) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      trailersOnly(stream, code, message);
    };
    if (timeoutMs !== undefined && timeoutMs < MAX_TIMER_MS) {
      timer = setTimeout(() => fail(Status.DEADLINE_EXCEEDED, 'deadline exceeded'), timeoutMs);
    }
    stream.on('close', () => {
      answered = true; // cancelled or done: nothing more is written
      clearTimeout(timer);
    });
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > this.maxReceive + 5) fail(Status.RESOURCE_EXHAUSTED, `request larger than ${this.maxReceive} bytes`);
      else chunks.push(chunk);
    });
    stream.on('end', () => {
      if (answered) return;
      let request: unknown;
      try {
        request = this.decodeRequest(method.codec, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      } catch (err) {
        return fail(err instanceof GrpcError ? err.code : Status.INTERNAL, (err as Error).message);
      }
      this.stats.calls++;
      if (method.stream) {
        answered = true;
        clearTimeout(timer);
        return this.startServerStream(stream, method, request);
      }
      let pending: Promise<unknown>;
      try {
        pending = Promise.resolve(method.unary!(request));
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (response) => {
          if (answered || stream.destroyed) return;
          answered = true;
          clearTimeout(timer);
          respondWithMessage(stream, this.frame(method.codec, response));
        },
        (err: unknown) => {
          if (err instanceof GrpcError) fail(err.code, err.message);
          else fail(Status.INTERNAL, err instanceof Error ? err.message : String(err));
        },
      );
    });
  }

  private decodeRequest(codec: MethodCodec, body: Buffer): unknown {
    if (body.length < 5) throw new GrpcError(Status.INTERNAL, 'request carried no message');
    const length = body.readUInt32BE(1);
    if (length > this.maxReceive) throw new GrpcError(Status.RESOURCE_EXHAUSTED, `request larger than ${this.maxReceive} bytes`);
    if (body[0] !== 0) throw new GrpcError(Status.INTERNAL, 'compressed message without a grpc-encoding');
    if (body.length !== 5 + length) {
      throw new GrpcError(Status.INTERNAL, body.length < 5 + length ? 'request message truncated' : 'more than one request message on a unary call');
    }
    if (!this.timed) return codec.decode(body.subarray(5));
    const started = performance.now();
    const message = codec.decode(body.subarray(5));
    this.stats.decodeMs += performance.now() - started;
    return message;
  }

  /** The message with its 5-byte gRPC prefix (uncompressed, big-endian length). */
  private frame(codec: MethodCodec, message: unknown): Buffer {
    const started = this.timed ? performance.now() : 0;
    const payload = codec.encode(message);
    const framed = Buffer.allocUnsafe(payload.length + 5);
    framed[0] = 0;
    framed.writeUInt32BE(payload.length, 1);
    framed.set(payload, 5);
    if (this.timed) this.stats.encodeMs += performance.now() - started;
    return framed;
  }

  private startServerStream(stream: http2.ServerHttp2Stream, method: Method, request: unknown): void {
    let trailers: http2.OutgoingHttpHeaders = { 'grpc-status': String(Status.OK) };
    let ended = false;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(trailers));
    const handle: ServerStream = {
      send: (message) => {
        if (!ended && !stream.destroyed) stream.write(this.frame(method.codec, message));
      },
      end: (code = Status.OK, message) => {
        if (ended) return;
        ended = true;
        this.openStreams.delete(handle);
        trailers = { 'grpc-status': String(code), ...(message ? { 'grpc-message': encodeGrpcMessage(message) } : {}) };
        if (!stream.destroyed) stream.end();
      },
    };
    this.openStreams.add(handle);
    stream.once('close', () => {
      ended = true;
      this.openStreams.delete(handle);
    });
    if (this.closing) return handle.end();
    method.stream!(request, handle);
  }
}

function respondWithMessage(stream: http2.ServerHttp2Stream, framed: Buffer): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(framed);
}

/** A failure answered in the response HEADERS alone (the "Trailers-Only" form of the specification). */
function trailersOnly(stream: http2.ServerHttp2Stream, code: StatusCode, message: string, extra: http2.OutgoingHttpHeaders = {}): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message), ...extra },
    { endStream: true },
  );
  // A client still sending (a stream, an oversized message) is told to stop, as grpc-go's server does.
  if (!stream.readableEnded) stream.close(NO_ERROR);
}

function plainHttp(stream: http2.ServerHttp2Stream, status: number): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': status }, { endStream: true });
  if (!stream.readableEnded) stream.close(NO_ERROR);
}
