/**
 * Process start-up for a go-plugin provider: check that Terraform launched us, listen, print the handshake
 * line, then serve gRPC until told to shut down.
 *
 * Start-up time is paid on every launch (Terraform starts a fresh process per phase: 3 per plan, 4 per
 * apply), so the order matters: we open a plain TCP listener and print the handshake as soon as the
 * certificate exists, and only then load node:http2 and build the gRPC server. Connections Terraform opens
 * meanwhile wait paused in our listener and are handed to the server once it exists.
 */
import { createServer, type Socket } from 'node:net';
import { createServerCertificate } from './cert';
import type { GrpcServer } from './grpc-server';
import { logThreshold, sinceStart, stderrLogger } from './log';
import type { ProviderDefinition } from './resource';

/** go-plugin's handshake cookie for Terraform providers; a fixed, public value. */
export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
/** go-plugin core protocol version (first field of the handshake line). */
const CORE_PROTOCOL_VERSION = 1;
const APP_PROTOCOL_VERSION = 6;

export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Refuses to run outside Terraform, where a person started the binary by hand. */
export function checkLaunchedByTerraform(env: NodeJS.ProcessEnv): void {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new StartupError(
      'This binary is a plugin for Terraform (the commonfate provider). It is not meant to be run directly.\n' +
        'Install it in a provider mirror or a dev_overrides directory and run terraform instead; see the\n' +
        'provider documentation ("Terraform usage" in the README).',
    );
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? String(APP_PROTOCOL_VERSION)).split(',').map((v) => v.trim());
  if (!versions.includes(String(APP_PROTOCOL_VERSION))) {
    throw new StartupError(
      `This provider speaks plugin protocol ${APP_PROTOCOL_VERSION}, but Terraform offered ${versions.join(', ')}. ` +
        'Use Terraform 1.0 or later.',
    );
  }
}

/**
 * The line go-plugin reads from stdout: core version | app version | network | address | protocol | cert.
 * The certificate is standard base64 WITHOUT padding (Go's RawStdEncoding); padding makes Terraform fail.
 */
export function handshakeLine(port: number, certDer?: Buffer): string {
  const parts = [CORE_PROTOCOL_VERSION, APP_PROTOCOL_VERSION, 'tcp', `127.0.0.1:${port}`, 'grpc'];
  if (certDer) parts.push(certDer.toString('base64').replace(/=+$/, ''));
  return parts.join('|') + '\n';
}

export async function serve(provider: ProviderDefinition<any>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  checkLaunchedByTerraform(env);
  // Terraform's Ctrl-C reaches the whole process group; Terraform itself decides when we stop (StopProvider,
  // then Shutdown), so in-flight API calls finish instead of leaving half-applied changes.
  process.on('SIGINT', () => {});

  const clientCaPem = env.PLUGIN_CLIENT_CERT;
  const cert = clientCaPem ? createServerCertificate() : undefined;

  let server: GrpcServer | undefined;
  const waiting: Socket[] = [];
  // pauseOnConnect: no bytes are read from a waiting connection before the TLS server takes it over.
  const listener = createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
    if (server) server.inject(socket);
    else waiting.push(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (listener.address() as { port: number }).port;
  process.stdout.write(handshakeLine(port, cert?.der));
  const handshakeMs = sinceStart();

  // Loaded only now, after the handshake (require keeps the bundle's lazy module initialisation).
  const { createPluginServer } = require('./services') as typeof import('./services');
  const { ProviderServer } = require('./provider-server') as typeof import('./provider-server');
  const log = stderrLogger(logThreshold(env));
  server = createPluginServer({
    provider: new ProviderServer(provider, log),
    log,
    tls: cert && clientCaPem ? { certPem: cert.certPem, keyPem: cert.keyPem, clientCaPem } : undefined,
    onShutdown: () => {
      listener.close();
      process.exit(0);
    },
  });
  const queued = waiting.length;
  for (const socket of waiting.splice(0)) server.inject(socket);
  // Milliseconds since the process started: the start-up cost Terraform pays on every launch.
  log.log('DEBUG', 'serving', { handshake_ms: handshakeMs, grpc_ready_ms: sinceStart(), queued_connections: queued });
}
