/**
 * A provider process launched the way Terraform launches it (go-plugin's environment, AutoMTLS), driven by
 * an independent gRPC client (@grpc/grpc-js) for the benchmark's start-up and CPU-per-RPC figures.
 *
 * CPU is read from /proc/<pid>/task/<tid>/schedstat (nanoseconds on a CPU, every thread of the process),
 * not from /proc/<pid>/stat, whose 10 ms ticks are too coarse for a few hundred sub-millisecond RPCs.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServerCertificate } from '../provider/protocol/cert';
import { encodeValue } from '../provider/protocol/msgpack';
import { conformObject } from '../provider/protocol/schema';
import { MAGIC_COOKIE_VALUE } from '../provider/protocol/serve';
import { TYPE_NAME, webhookIntegrationResource } from '../provider/resources/webhook_integration';
import { connectPlugin, unaryCall } from '../test/support/plugin-client';

export interface LaunchResult {
  /** Launch to the handshake line on stdout, ms. */
  handshakeMs: number;
  /** Launch to the first RPC answered over mTLS (GetProviderSchema), ms. */
  firstRpcMs: number;
  /** CPU the process used up to that first answer, ms. */
  startupCpuMs: number;
  /** CPU per RPC over the workload after it (µs), when one was run. */
  cpuPerRpcUs?: number;
}

/** CPU time of every thread of a live process, in milliseconds. */
export function processCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return ns / 1e6;
}

/** What Terraform sends to plan the creation of one integration (config and proposed state alike). */
function planRequest(i: number) {
  const config = encodeValue(
    conformObject(
      {
        name: `hook-${i}`,
        url: `https://hooks.example.com/${i}`,
        send_audit_log_events: true,
        headers: [{ key: 'Authorization', value: `Bearer secret-${i}` }],
      },
      webhookIntegrationResource.schema.attributes,
    ),
  );
  return {
    validate: { type_name: TYPE_NAME, config: { msgpack: config } },
    plan: { type_name: TYPE_NAME, prior_state: { msgpack: encodeValue(null) }, proposed_new_state: { msgpack: config }, config: { msgpack: config } },
  };
}

const call = (client: unknown, name: string, request: unknown) => unaryCall(client as never, name, request);

/**
 * Launches `binary`, times the handshake and the first RPC, then (when `rpcs` > 0) sends that many
 * ValidateResourceConfig / PlanResourceChange calls, `concurrency` at a time as Terraform's -parallelism
 * does, and measures the process's CPU per RPC. Ends with Shutdown, as Terraform does.
 */
export async function launchProvider(binary: string, opts: { rpcs?: number; concurrency?: number; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}): Promise<LaunchResult> {
  const clientCert = createServerCertificate();
  const started = process.hrtime.bigint();
  // nodeArgs (e.g. --cpu-prof, which NODE_OPTIONS refuses) start the file with node itself instead of its #! line.
  const [command, args] = opts.nodeArgs ? [process.execPath, [...opts.nodeArgs, binary]] : [binary, []];
  const child = spawn(command, args, {
    // Terraform passes its own environment through, plus go-plugin's variables.
    env: {
      ...(opts.env ?? process.env),
      TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: '6,5',
      PLUGIN_MIN_PORT: '10000',
      PLUGIN_MAX_PORT: '25000',
      PLUGIN_CLIENT_CERT: clientCert.certPem,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  const line = await new Promise<string>((ok) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      if (out.includes('\n')) ok(out.trim());
    });
  });
  const handshakeMs = Number(process.hrtime.bigint() - started) / 1e6;
  const [, , , address, , certB64] = line.split('|');
  const client = connectPlugin(address, Buffer.from(certB64, 'base64'), clientCert);
  await call(client, 'GetProviderSchema', {});
  const firstRpcMs = Number(process.hrtime.bigint() - started) / 1e6;
  const startupCpuMs = processCpuMs(child.pid!);
  let cpuPerRpcUs: number | undefined;
  const rpcs = opts.rpcs ?? 0;
  if (rpcs > 0) {
    const requests = Array.from({ length: rpcs / 2 }, (_, i) => planRequest(i));
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++];
        await call(client, 'ValidateResourceConfig', r.validate);
        await call(client, 'PlanResourceChange', r.plan);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 10 }, worker));
    cpuPerRpcUs = ((processCpuMs(child.pid!) - startupCpuMs) * 1000) / (requests.length * 2);
  }
  await call(client, 'Shutdown', {}).catch(() => undefined);
  client.close();
  await exited;
  return { handshakeMs, firstRpcMs, startupCpuMs, cpuPerRpcUs };
}
