/**
 * The gRPC transport: builds a @grpc/grpc-js server exposing
 *   - tfplugin6.Provider (the provider itself),
 *   - plugin.GRPCController/Shutdown (go-plugin asks the process to exit; without it Terraform waits 2 s
 *     and then kills every provider process),
 *   - grpc.health.v1.Health/Check (go-plugin's ping).
 * Service definitions are written by hand with ./wire.ts codecs, so nothing parses .proto files at start-up.
 *
 * This module is loaded lazily, after the handshake line is printed (see ./serve.ts): grpc-js is the
 * heaviest thing the provider loads.
 */
import * as grpc from '@grpc/grpc-js';
import * as M from './messages';
import { sinceStart, type Logger } from './log';
import type { ProviderServer } from './provider-server';
import { decodeMessage, encodeMessage, type MessageDescriptor } from './wire';

type Handler = (request: any) => any | Promise<any>;

/** What the transport spent, reported at Shutdown when DEBUG logging is on (milliseconds). */
interface TransportStats {
  calls: number;
  decodeMs: number;
  encodeMs: number;
}

function unary(
  path: string,
  request: MessageDescriptor,
  response: MessageDescriptor,
  stats: TransportStats,
): grpc.MethodDefinition<any, any> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (msg: any) => Buffer.from(encodeMessage(request, msg)),
    requestDeserialize: (buf: Buffer) => {
      const t = performance.now();
      const msg = decodeMessage(request, buf);
      stats.decodeMs += performance.now() - t;
      return msg;
    },
    responseSerialize: (msg: any) => {
      const t = performance.now();
      const buf = Buffer.from(encodeMessage(response, msg));
      stats.encodeMs += performance.now() - t;
      return buf;
    },
    responseDeserialize: (buf: Buffer) => decodeMessage(response, buf),
  };
}

function addUnaryService(
  server: grpc.Server,
  stats: TransportStats,
  service: string,
  methods: Record<string, [MessageDescriptor, MessageDescriptor, Handler]>,
): void {
  const definition: Record<string, grpc.MethodDefinition<any, any>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, [req, res, handler]] of Object.entries(methods)) {
    definition[name] = unary(`/${service}/${name}`, req, res, stats);
    implementation[name] = ((call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => {
      stats.calls++;
      Promise.resolve()
        .then(() => handler(call.request))
        .then(
          (response) => callback(null, response),
          // Only transport-level bugs get here; ProviderServer already turns failures into diagnostics.
          (err: unknown) => callback({ code: grpc.status.INTERNAL, details: String(err) }),
        );
    }) as grpc.handleUnaryCall<any, any>;
  }
  server.addService(definition, implementation);
}

export interface GrpcServerOptions {
  provider: ProviderServer<unknown>;
  log: Logger;
  /** Called when go-plugin asks us to shut down, after the reply is sent. */
  onShutdown: () => void;
  /** PEM of the TLS server certificate and key, and of the client CA to trust; omitted for plaintext. */
  tls?: { certPem: string; keyPem: string; clientCaPem: string };
}

export interface ConnectionSink {
  /** Hands a raw TCP connection accepted by our own listener to the gRPC server. */
  inject(socket: import('node:net').Socket): void;
  close(): void;
}

export function startGrpcServer(opts: GrpcServerOptions): ConnectionSink {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
  const p = opts.provider;
  const stats: TransportStats = { calls: 0, decodeMs: 0, encodeMs: 0 };
  addUnaryService(server, stats, 'tfplugin6.Provider', {
    GetMetadata: [M.Empty, M.GetMetadataResponse, () => p.getMetadata()],
    GetProviderSchema: [M.Empty, M.GetProviderSchemaResponse, () => p.getProviderSchema()],
    ValidateProviderConfig: [M.ValidateProviderConfigRequest, M.ValidateProviderConfigResponse, (r) => p.validateProviderConfig(r)],
    ValidateResourceConfig: [M.ValidateConfigRequest, M.DiagnosticsOnlyResponse, (r) => p.validateResourceConfig(r)],
    ValidateDataResourceConfig: [M.ValidateConfigRequest, M.DiagnosticsOnlyResponse, (r) => p.validateDataResourceConfig(r)],
    UpgradeResourceState: [M.UpgradeResourceStateRequest, M.UpgradeResourceStateResponse, (r) => p.upgradeResourceState(r)],
    ConfigureProvider: [M.ConfigureProviderRequest, M.DiagnosticsOnlyResponse, (r) => p.configureProvider(r)],
    ReadResource: [M.ReadResourceRequest, M.ReadResourceResponse, (r) => p.readResource(r)],
    PlanResourceChange: [M.PlanResourceChangeRequest, M.PlanResourceChangeResponse, (r) => p.planResourceChange(r)],
    ApplyResourceChange: [M.ApplyResourceChangeRequest, M.ApplyResourceChangeResponse, (r) => p.applyResourceChange(r)],
    ImportResourceState: [M.ImportResourceStateRequest, M.ImportResourceStateResponse, (r) => p.importResourceState(r)],
    ReadDataSource: [M.ReadDataSourceRequest, M.ReadDataSourceResponse, (r) => p.readDataSource(r)],
    StopProvider: [M.Empty, M.StopProviderResponse, () => p.stopProvider()],
  });
  addUnaryService(server, stats, 'plugin.GRPCController', {
    Shutdown: [
      M.Empty,
      M.Empty,
      () => {
        const cpu = process.cpuUsage();
        opts.log.log('DEBUG', 'shutdown requested', {
          uptime_ms: sinceStart(),
          cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
          calls: stats.calls,
          decode_ms: Math.round(stats.decodeMs * 10) / 10,
          encode_ms: Math.round(stats.encodeMs * 10) / 10,
        });
        // Reply first, then exit once the response has had a moment to flush.
        setTimeout(opts.onShutdown, 5);
        return {};
      },
    ],
  });
  addUnaryService(server, stats, 'grpc.health.v1.Health', {
    Check: [M.HealthCheckRequest, M.HealthCheckResponse, () => ({ status: 1 })],
  });

  const credentials = opts.tls
    ? grpc.ServerCredentials.createSsl(
        Buffer.from(opts.tls.clientCaPem),
        [{ private_key: Buffer.from(opts.tls.keyPem), cert_chain: Buffer.from(opts.tls.certPem) }],
        true,
      )
    : grpc.ServerCredentials.createInsecure();
  const injector = server.createConnectionInjector(credentials);
  return {
    inject: (socket) => injector.injectConnection(socket),
    close: () => {
      injector.destroy();
      server.forceShutdown();
    },
  };
}
