/**
 * Terraform provider benchmark (npm run bench:terraform).
 *
 * 1. `terraform apply`, `plan` (no changes) and `destroy` of 100 commonfate_webhook_integration resources
 *    against the real API, next to the same commands on 100 `terraform_data` resources (built into
 *    Terraform, no provider process, no API) in the same run with the same -parallelism: the baseline.
 * 2. Provider launch-to-handshake over 20 launches with the environment Terraform sets, and
 *    launch-to-first-RPC (GetProviderSchema answered over mTLS), since the provider prints the handshake
 *    before grpc-js has loaded.
 * Prints medians and ratios and records them in bench/README.md under "Terraform provider".
 *
 * Settings: BENCH_ROUNDS (default 3), BENCH_RESOURCES (default 100), DATABASE_URL (else embedded Postgres).
 */
import * as grpc from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildProvider } from '../provider/build';
import { createServerCertificate } from '../provider/protocol/cert';
import * as M from '../provider/protocol/messages';
import { MAGIC_COOKIE_VALUE } from '../provider/protocol/serve';
import { decodeMessage, encodeMessage } from '../provider/protocol/wire';

const ROOT = resolve(__dirname, '..');
const TERRAFORM = process.env.TERRAFORM_BIN ?? '/usr/local/bin/terraform';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100);
const PARALLELISM = 10;
const LAUNCHES = 20;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out }));
  });
}

async function timed(cwd: string, env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const { code, out } = await run(TERRAFORM, [...args, '-no-color', `-parallelism=${PARALLELISM}`], cwd, env);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (code !== 0) throw new Error(`terraform ${args.join(' ')} failed in ${cwd}:\n${out}`);
  return ms;
}

/** The API as a child process on a random port; embedded Postgres unless DATABASE_URL is set. */
async function startApi(apiKey: string): Promise<{ url: string; child: ChildProcess }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    CF_BOOTSTRAP_API_KEY: apiKey,
    CF_DATA_DIR: mkdtempSync(join(tmpdir(), 'cf-bench-tf-data-')),
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'api/main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let head = '';
  const url = await new Promise<string>((ok, fail) => {
    const onData = (c: Buffer) => {
      if (head.length < 200_000) head += c.toString();
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"API listening"/.exec(head);
      if (m) ok(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`API exited with ${code}:\n${head}`)));
  });
  // Keep draining its output so the pipe never blocks the service.
  child.stdout!.resume();
  child.stderr!.resume();
  return { url, child };
}

function workspace(mirror: string, config: string, env: Record<string, string>): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-tf-'));
  writeFileSync(
    join(dir, '.terraformrc'),
    `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["registry.terraform.io/common-fate/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/common-fate/*"]\n  }\n}\n`,
  );
  writeFileSync(join(dir, 'main.tf'), config);
  return { dir, env: { ...process.env, TF_CLI_CONFIG_FILE: join(dir, '.terraformrc'), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', ...env } };
}

/** Launches the binary like Terraform does; resolves with ms to the handshake line and to the first RPC. */
async function launchOnce(
  binary: string,
  clientCert: ReturnType<typeof createServerCertificate>,
  baseEnv: NodeJS.ProcessEnv = process.env,
): Promise<[number, number]> {
  const started = process.hrtime.bigint();
  const child = spawn(binary, [], {
    // Terraform passes its own environment through, plus go-plugin's variables.
    env: {
      ...baseEnv,
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
  const der = Buffer.from(certB64, 'base64');
  const serverPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  const Client = grpc.makeGenericClientConstructor(
    {
      GetProviderSchema: {
        path: '/tfplugin6.Provider/GetProviderSchema',
        requestStream: false,
        responseStream: false,
        requestSerialize: () => Buffer.alloc(0),
        requestDeserialize: () => ({}),
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: (b: Buffer) => decodeMessage(M.GetProviderSchemaResponse, b),
      },
      Shutdown: {
        path: '/plugin.GRPCController/Shutdown',
        requestStream: false,
        responseStream: false,
        requestSerialize: () => Buffer.from(encodeMessage(M.Empty, {})),
        requestDeserialize: () => ({}),
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: () => ({}),
      },
    },
    'Bench',
  );
  const client = new Client(
    address,
    grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem)),
    { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
  ) as any;
  await new Promise<void>((ok, fail) => client.GetProviderSchema({}, (err: Error | null) => (err ? fail(err) : ok())));
  const firstRpcMs = Number(process.hrtime.bigint() - started) / 1e6;
  await new Promise<void>((ok) => client.Shutdown({}, () => ok()));
  client.close();
  await exited;
  return [handshakeMs, firstRpcMs];
}

function recordSection(heading: string, body: string): void {
  const file = join(ROOT, 'bench', 'README.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const pattern = new RegExp(`## ${heading}\\n[\\s\\S]*?(?=\\n## |$)`);
  const next = pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(file, next.endsWith('\n') ? next : next + '\n');
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const { mirrorDir: mirror, executable: binary } = await buildProvider();

  // ---- handshake ----
  const clientCert = createServerCertificate();
  const handshakes: number[] = [];
  const firstRpcs: number[] = [];
  for (let i = 0; i < LAUNCHES; i++) {
    const [h, f] = await launchOnce(binary, clientCert);
    handshakes.push(h);
    firstRpcs.push(f);
  }
  const handshake = median(handshakes);
  const firstRpc = median(firstRpcs);
  console.log(`launch-to-handshake: median ${handshake.toFixed(1)} ms (min ${Math.min(...handshakes).toFixed(1)}, max ${Math.max(...handshakes).toFixed(1)}) over ${LAUNCHES} launches`);
  console.log(`launch-to-first-RPC: median ${firstRpc.toFixed(1)} ms`);

  // Node reads NODE_EXTRA_CA_CERTS while bootstrapping, before any provider code runs; when the shell sets
  // it (Terraform passes it on), show what it costs so the figure above can be read correctly.
  let caNote = '';
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const without: number[] = [];
    for (let i = 0; i < LAUNCHES; i++) without.push((await launchOnce(binary, clientCert, env))[0]);
    console.log(`launch-to-handshake without NODE_EXTRA_CA_CERTS: median ${median(without).toFixed(1)} ms`);
    caNote =
      ` This machine sets \`NODE_EXTRA_CA_CERTS\`, which Node loads while bootstrapping (before any provider code); ` +
      `without it the handshake median is ${median(without).toFixed(1)} ms.`;
  }

  // ---- terraform ----
  const apiKey = `bench-admin-${Date.now()}-0123456789`;
  const api = await startApi(apiKey);
  try {
    const baseline = workspace(mirror, `resource "terraform_data" "many" {\n  count = ${RESOURCES}\n  input = "hook-\${count.index}"\n}\n`, {});
    const ours = workspace(
      mirror,
      `terraform {\n  required_providers {\n    commonfate = { source = "common-fate/commonfate", version = "0.1.0" }\n  }\n}\n` +
        `resource "commonfate_webhook_integration" "many" {\n  count = ${RESOURCES}\n  name  = "hook-\${count.index}"\n  url   = "https://hooks.example.com/\${count.index}"\n` +
        `  send_audit_log_events = true\n  headers = [{ key = "Authorization", value = "Bearer secret-\${count.index}" }]\n}\n`,
      { CF_API_URL: api.url, CF_API_KEY: apiKey },
    );
    for (const ws of [baseline, ours]) {
      const init = await run(TERRAFORM, ['init', '-input=false', '-no-color'], ws.dir, ws.env);
      if (init.code !== 0) throw new Error(init.out);
    }
    // Alternate the two so machine noise hits both alike.
    const b = { apply: [] as number[], plan: [] as number[], destroy: [] as number[] };
    const o = { apply: [] as number[], plan: [] as number[], destroy: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const [ws, acc] of [[baseline, b], [ours, o]] as const) {
        const r = await terraformRoundsOnce(ws);
        acc.apply.push(r.apply);
        acc.plan.push(r.plan);
        acc.destroy.push(r.destroy);
      }
    }
    const rows = (['apply', 'plan', 'destroy'] as const).map((op) => {
      const ours = median(o[op]);
      const base = median(b[op]);
      return { op, ours, base, ratio: ours / base };
    });
    for (const r of rows) {
      console.log(`${r.op.padEnd(7)} commonfate ${fmt(r.ours)}  terraform_data ${fmt(r.base)}  ratio ${r.ratio.toFixed(2)}x`);
    }

    const applyRatio = rows[0].ratio;
    recordSection(
      'Terraform provider',
      `\`npm run bench:terraform\` — ${RESOURCES} resources, \`-parallelism=${PARALLELISM}\`, median of ${ROUNDS} rounds; ` +
        `baseline: the same commands on ${RESOURCES} \`terraform_data\` resources (built into Terraform) in the same run. ` +
        `The commonfate figures include the real API and Postgres on the same machine (${cpus().length} CPUs), ` +
        `Terraform ${TERRAFORM_VERSION}, Node ${process.version}.\n\n` +
        `| command | commonfate_webhook_integration | terraform_data | ratio |\n| --- | --- | --- | --- |\n` +
        rows.map((r) => `| ${r.op} | ${fmt(r.ours)} | ${fmt(r.base)} | ${r.ratio.toFixed(2)}x |`).join('\n') +
        `\n\nProvider start-up over ${LAUNCHES} launches with Terraform's environment: launch-to-handshake median ` +
        `**${handshake.toFixed(1)} ms** (min ${Math.min(...handshakes).toFixed(1)}, max ${Math.max(...handshakes).toFixed(1)}); ` +
        `launch-to-first-RPC (GetProviderSchema answered over mTLS) median ${firstRpc.toFixed(1)} ms. ` +
        `The handshake is printed before grpc-js loads; connections wait in the listener meanwhile.${caNote}\n\n` +
        `Goals: apply ≤ 2× terraform_data (${applyRatio <= 2 ? 'met' : 'not met'}: ${applyRatio.toFixed(2)}×), ` +
        `handshake ≤ 150 ms (${handshake <= 150 ? 'met' : 'not met'}).`,
    );
  } finally {
    api.child.kill('SIGTERM');
  }
}

let TERRAFORM_VERSION = '';

async function terraformRoundsOnce(ws: { dir: string; env: NodeJS.ProcessEnv }) {
  return {
    apply: await timed(ws.dir, ws.env, ['apply', '-auto-approve']),
    plan: await timed(ws.dir, ws.env, ['plan', '-detailed-exitcode']),
    destroy: await timed(ws.dir, ws.env, ['destroy', '-auto-approve']),
  };
}

run(TERRAFORM, ['version'], ROOT, process.env)
  .then(({ out }) => {
    TERRAFORM_VERSION = /Terraform v(\S+)/.exec(out)?.[1] ?? 'unknown';
    return main();
  })
  .then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
