/**
 * A gRPC client for the provider process built on @grpc/grpc-js, an implementation independent of the
 * provider's own server: tests and the benchmark speak to the provider as a go-plugin host does.
 */
import * as grpc from '@grpc/grpc-js';
import * as M from '../../provider/protocol/messages';
import { decodeMessage, encodeMessage, type MessageDescriptor } from '../../provider/protocol/wire';

export function grpcMethod(path: string, req: MessageDescriptor, res: MessageDescriptor, stream: { request?: boolean; response?: boolean } = {}) {
  return {
    path,
    requestStream: stream.request ?? false,
    responseStream: stream.response ?? false,
    requestSerialize: (m: any) => Buffer.from(encodeMessage(req, m)),
    requestDeserialize: (b: Buffer) => decodeMessage(req, b),
    responseSerialize: (m: any) => Buffer.from(encodeMessage(res, m)),
    responseDeserialize: (b: Buffer) => decodeMessage(res, b),
  };
}

/** The methods a go-plugin host calls that the tests and the benchmark use. */
export const PluginClient = grpc.makeGenericClientConstructor(
  {
    GetProviderSchema: grpcMethod('/tfplugin6.Provider/GetProviderSchema', M.Empty, M.GetProviderSchemaResponse),
    ValidateResourceConfig: grpcMethod('/tfplugin6.Provider/ValidateResourceConfig', M.ValidateConfigRequest, M.DiagnosticsOnlyResponse),
    PlanResourceChange: grpcMethod('/tfplugin6.Provider/PlanResourceChange', M.PlanResourceChangeRequest, M.PlanResourceChangeResponse),
    Shutdown: grpcMethod('/plugin.GRPCController/Shutdown', M.Empty, M.Empty),
    StreamStdio: grpcMethod('/plugin.GRPCStdio/StreamStdio', M.Empty, M.StdioData, { response: true }),
    StartStream: grpcMethod('/plugin.GRPCBroker/StartStream', M.Empty, M.Empty, { request: true, response: true }),
  },
  'Plugin',
);

/** Connects over AutoMTLS to a provider whose handshake line was `line`, presenting `clientCert`. */
export function connectPlugin(address: string, serverCertDer: Buffer, clientCert: { certPem: string; keyPem: string }): grpc.Client {
  const serverPem = `-----BEGIN CERTIFICATE-----\n${serverCertDer.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  return new PluginClient(
    address,
    grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem)),
    { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
  );
}

/** One unary call as a promise. */
export function unaryCall(client: grpc.Client, name: string, request: unknown, deadlineMs = 30_000): Promise<any> {
  return new Promise((resolve, reject) =>
    (client as any)[name](request, { deadline: Date.now() + deadlineMs }, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))),
  );
}
