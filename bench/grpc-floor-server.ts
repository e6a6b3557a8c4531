/**
 * The transport's floor, for bench:terraform: the provider's own gRPC server (node:http2, AutoMTLS, the same
 * handshake line) whose Validate and Plan methods answer an empty message without decoding the request or
 * running any provider code. CPU per RPC of this process is what serving an RPC costs before the provider
 * does any work. Started with go-plugin's environment, like the provider.
 */
import { createServer } from 'node:net';
import { createServerCertificate } from '../provider/protocol/cert';
import { GrpcServer, type MethodCodec } from '../provider/protocol/grpc-server';
import { stderrLogger } from '../provider/protocol/log';
import { handshakeLine } from '../provider/protocol/serve';

const empty: MethodCodec = { decode: () => ({}), encode: () => new Uint8Array(0) };
const cert = createServerCertificate();
const server = new GrpcServer({
  log: stderrLogger('ERROR'),
  tls: { certPem: cert.certPem, keyPem: cert.keyPem, clientCaPem: process.env.PLUGIN_CLIENT_CERT! },
});
for (const name of ['GetProviderSchema', 'ValidateResourceConfig', 'PlanResourceChange']) {
  server.addUnary(`/tfplugin6.Provider/${name}`, empty, () => ({}));
}
server.addUnary('/plugin.GRPCController/Shutdown', empty, () => {
  setImmediate(() => void server.shutdown().then(() => process.exit(0)));
  return {};
});
const listener = createServer((socket) => server.inject(socket));
listener.listen(0, '127.0.0.1', () => process.stdout.write(handshakeLine((listener.address() as { port: number }).port, cert.der)));
