/**
 * The services a Terraform provider process serves, bound onto ./grpc-server.ts:
 *   - tfplugin6.Provider: the provider itself (./provider-server.ts holds its behaviour);
 *   - plugin.GRPCController/Shutdown: go-plugin asks the process to exit (without it Terraform waits 2 s and
 *     then kills every provider process);
 *   - plugin.GRPCStdio/StreamStdio: go-plugin opens it on every launch and logs a warning when it is missing.
 *     It stays open and carries nothing: this provider writes its log lines to stderr itself, which
 *     go-plugin reads line by line with their [LEVEL] prefixes; the stream ends with OK at shutdown;
 *   - grpc.health.v1.Health/Check: go-plugin's ping (service "plugin").
 * plugin.GRPCBroker (go-plugin's side channels) answers UNIMPLEMENTED: Terraform opens it but never uses it.
 *
 * Service definitions are written by hand with ./wire.ts codecs, so nothing parses .proto files at start-up.
 */
import { GrpcServer, type MethodCodec } from './grpc-server';
import { sinceStart, type Logger } from './log';
import * as M from './messages';
import type { ProviderServer } from './provider-server';
import { decodeMessage, encodeMessage, type MessageDescriptor } from './wire';

function codec(request: MessageDescriptor, response: MessageDescriptor): MethodCodec {
  return {
    decode: (bytes) => decodeMessage(request, bytes),
    encode: (message) => encodeMessage(response, message as Record<string, unknown>),
  };
}

export interface PluginServerOptions {
  provider: ProviderServer<unknown>;
  log: Logger;
  /** PEM of the TLS server certificate and key, and of the client CA to trust (AutoMTLS); omitted for plaintext. */
  tls?: { certPem: string; keyPem: string; clientCaPem: string };
  /** Called once the Shutdown reply and every other in-flight reply have been flushed and connections closed. */
  onShutdown: () => void;
}

/** How long a Shutdown waits for connections to drain before exiting anyway: go-plugin's own grace period. */
const SHUTDOWN_GRACE_MS = 2000;

export function createPluginServer(opts: PluginServerOptions): GrpcServer {
  const server = new GrpcServer({ log: opts.log, tls: opts.tls });
  const p = opts.provider;
  const provider: Record<string, [MessageDescriptor, MessageDescriptor, (request: any) => unknown]> = {
    GetMetadata: [M.Empty, M.GetMetadataResponse, () => p.getMetadata()],
    GetProviderSchema: [M.Empty, M.GetProviderSchemaResponse, () => p.getProviderSchema()],
    ValidateProviderConfig: [M.ValidateProviderConfigRequest, M.ValidateProviderConfigResponse, (r) => p.validateProviderConfig(r)],
    ValidateResourceConfig: [M.ValidateResourceConfigRequest, M.DiagnosticsOnlyResponse, (r) => p.validateResourceConfig(r)],
    ValidateDataResourceConfig: [M.ValidateConfigRequest, M.DiagnosticsOnlyResponse, (r) => p.validateDataResourceConfig(r)],
    UpgradeResourceState: [M.UpgradeResourceStateRequest, M.UpgradeResourceStateResponse, (r) => p.upgradeResourceState(r)],
    ConfigureProvider: [M.ConfigureProviderRequest, M.DiagnosticsOnlyResponse, (r) => p.configureProvider(r)],
    ReadResource: [M.ReadResourceRequest, M.ReadResourceResponse, (r) => p.readResource(r)],
    PlanResourceChange: [M.PlanResourceChangeRequest, M.PlanResourceChangeResponse, (r) => p.planResourceChange(r)],
    ApplyResourceChange: [M.ApplyResourceChangeRequest, M.ApplyResourceChangeResponse, (r) => p.applyResourceChange(r)],
    ImportResourceState: [M.ImportResourceStateRequest, M.ImportResourceStateResponse, (r) => p.importResourceState(r)],
    ReadDataSource: [M.ReadDataSourceRequest, M.ReadDataSourceResponse, (r) => p.readDataSource(r)],
    StopProvider: [M.Empty, M.StopProviderResponse, () => p.stopProvider()],
  };
  for (const [name, [req, res, handler]] of Object.entries(provider)) {
    server.addUnary(`/tfplugin6.Provider/${name}`, codec(req, res), handler);
  }

  let shuttingDown = false;
  server.addUnary('/plugin.GRPCController/Shutdown', codec(M.Empty, M.Empty), () => {
    if (!shuttingDown) {
      shuttingDown = true;
      const cpu = process.cpuUsage();
      const { calls, decodeMs, encodeMs } = server.stats;
      opts.log.log('DEBUG', 'shutdown requested', {
        uptime_ms: sinceStart(),
        cpu_ms: Math.round((cpu.user + cpu.system) / 1000),
        calls,
        decode_ms: Math.round(decodeMs * 10) / 10,
        encode_ms: Math.round(encodeMs * 10) / 10,
      });
      // Graceful: this reply and any other in flight are written and flushed before the process exits.
      setImmediate(() => {
        const fallback = setTimeout(opts.onShutdown, SHUTDOWN_GRACE_MS);
        void server.shutdown().then(() => {
          clearTimeout(fallback);
          opts.onShutdown();
        });
      });
    }
    return {};
  });
  server.addServerStream('/plugin.GRPCStdio/StreamStdio', codec(M.Empty, M.StdioData), () => {});
  server.addUnary('/grpc.health.v1.Health/Check', codec(M.HealthCheckRequest, M.HealthCheckResponse), () => ({ status: 1 }));
  return server;
}
