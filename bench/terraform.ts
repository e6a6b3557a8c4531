/**
 * Terraform provider benchmark (npm run bench:terraform).
 *
 * 1. Start-up and CPU per RPC of the provider process, launched as Terraform launches it (go-plugin's
 *    environment, AutoMTLS) and driven by an independent gRPC client: launch-to-handshake, launch-to-first-RPC,
 *    the CPU of start-up, and the CPU per RPC over 300 ValidateResourceConfig / PlanResourceChange calls at 10
 *    in flight (Terraform's -parallelism), the size of a planning or applying launch.
 * 2. `terraform apply`, `plan` (no changes) and `destroy` of 100 commonfate_webhook_integration resources
 *    against the real API, next to the same commands on 100 `terraform_data` resources (built into Terraform,
 *    no provider process, no API) in the same run with the same -parallelism: the baseline. Wall clock (median)
 *    and CPU: terraform with its provider processes (GNU time, which counts the children Terraform waits
 *    for), and the API with its PostgreSQL (/proc).
 * With BENCH_COMPARE_REF=<git ref> the provider built from that commit is measured too, interleaved with this
 * one round by round, so both see the same machine load.
 * With BENCH_PROFILE=1, one more apply, plan and destroy run with the provider under `node --cpu-prof`
 * (unminified build), and the profiles are summarised by module and Node.js subsystem.
 *
 * Prints every figure and records the summary in bench/README.md under "Terraform provider".
 * Settings: BENCH_ROUNDS (default 3), BENCH_RESOURCES (default 100), BENCH_LAUNCHES (default 10 per build),
 * BENCH_COMPARE_REF (unset), BENCH_PROFILE (unset), DATABASE_URL (else embedded Postgres).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildProvider } from '../provider/build';
import { median, recordSection, ROOT } from './support';
import { launchProvider, type LaunchResult } from './terraform-launch';
import { COMMANDS, cpuBreakdown, profileTerraform, resourcesConfig, type Build, type Command } from './terraform-cpu';
import { runTerraform, startApi, treeCpuMs, workspace, type Workspace } from './terraform-run';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100);
const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 10);
const COMPARE_REF = process.env.BENCH_COMPARE_REF;
const PARALLELISM = 10;
const RPCS_PER_LAUNCH = 300;

/** Builds the provider of an earlier commit with this tree's node_modules (its own build script, as it was). */
function buildAtRef(ref: string): Build {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  // Inside the repository, so the old sources resolve their packages from its node_modules.
  const dir = mkdtempSync(join(ROOT, 'tmp', 'bench-ref-'));
  execFileSync('sh', ['-c', `git archive "$0" provider api contract 2>/dev/null | tar -x -C "$1" || git archive "$0" provider api | tar -x -C "$1"`, ref, dir], { cwd: ROOT });
  const out = join(dir, 'dist');
  execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(dir, 'provider/build.ts'), '--out-dir', out], { cwd: ROOT, stdio: 'ignore' });
  // Older builds wrote an unpacked mirror straight into --out-dir; newer ones write dist/ with terraform-mirror/.
  const mirrorDir = existsSync(join(out, 'terraform-mirror')) ? join(out, 'terraform-mirror') : out;
  const find = (d: string): string | undefined => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        const hit = find(p);
        if (hit) return hit;
      } else if (/^terraform-provider-commonfate_v[\d.]+$/.test(name)) return p;
    }
    return undefined;
  };
  const executable = find(out);
  if (!executable) throw new Error(`the build of ${ref} wrote no executable`);
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: ROOT, encoding: 'utf8' }).trim();
  // The build is only read while this process runs; its directory goes at exit.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { label: sha.startsWith(ref) ? ref : `${ref} (${sha})`, executable, mirrorDir };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const s = (v: number) => `${(v / 1000).toFixed(2)} s`;

/** The transport alone (bench/grpc-floor-server.ts): its CPU per RPC is the floor under the provider's. */
const FLOOR: Build = { label: 'transport floor (empty answers, no provider code)', executable: join(__dirname, 'grpc-floor-server.ts'), mirrorDir: '' };

async function measureLaunches(builds: Build[]): Promise<Map<Build, LaunchResult[]>> {
  const subjects = [...builds, FLOOR];
  const results = new Map(subjects.map((b) => [b, [] as LaunchResult[]]));
  for (let i = 0; i < LAUNCHES; i++) {
    for (const b of subjects) {
      const nodeArgs = b === FLOOR ? ['--import', 'tsx'] : undefined;
      results.get(b)!.push(await launchProvider(b.executable, { rpcs: RPCS_PER_LAUNCH, concurrency: PARALLELISM, nodeArgs }));
    }
  }
  return results;
}

interface CommandFigures {
  wall: number[];
  cpuTerraform: number[];
  cpuApi: number[];
}

async function measureTerraform(builds: Build[], apiUrl: string, apiKey: string, apiPid: number) {
  const baseline = workspace(builds[0].mirrorDir, `resource "terraform_data" "many" {\n  count = ${RESOURCES}\n  input = "hook-\${count.index}"\n}\n`, {});
  const config = resourcesConfig();
  const subjects: Array<{ label: string; ws: Workspace }> = [
    { label: 'terraform_data', ws: baseline },
    ...builds.map((b) => ({ label: b.label, ws: workspace(b.mirrorDir, config, { CF_API_URL: apiUrl, CF_API_KEY: apiKey }) })),
  ];
  const figures = new Map(subjects.map((x) => [x.label, Object.fromEntries(COMMANDS.map((c) => [c, { wall: [], cpuTerraform: [], cpuApi: [] } as CommandFigures])) as Record<Command, CommandFigures>]));
  for (const { ws } of subjects) await runTerraform(ws, ['init', '-input=false']);
  const args: Record<Command, string[]> = {
    apply: ['apply', '-auto-approve', `-parallelism=${PARALLELISM}`],
    plan: ['plan', '-detailed-exitcode', `-parallelism=${PARALLELISM}`],
    destroy: ['destroy', '-auto-approve', `-parallelism=${PARALLELISM}`],
  };
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const { label, ws } of subjects) {
      for (const command of COMMANDS) {
        loads.push(loadavg()[0]);
        const apiBefore = treeCpuMs(apiPid);
        const r = await runTerraform(ws, args[command]);
        const f = figures.get(label)![command];
        f.wall.push(r.wallMs);
        if (r.cpuMs !== undefined) f.cpuTerraform.push(r.cpuMs);
        f.cpuApi.push(label === 'terraform_data' ? 0 : treeCpuMs(apiPid) - apiBefore);
      }
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS} done (load ${loadavg()[0].toFixed(2)})\n`);
  }
  return { figures, subjects, loads };
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const current = await buildProvider();
  const builds: Build[] = [{ label: 'this tree', executable: current.executable, mirrorDir: current.mirrorDir }];
  if (COMPARE_REF) builds.push(buildAtRef(COMPARE_REF));

  const launches = await measureLaunches(builds);
  const launchRows = [...builds, FLOOR].map((b) => {
    const r = launches.get(b)!;
    const row = {
      label: b.label,
      handshake: median(r.map((x) => x.handshakeMs)),
      firstRpc: median(r.map((x) => x.firstRpcMs)),
      startupCpu: median(r.map((x) => x.startupCpuMs)),
      perRpc: median(r.map((x) => x.cpuPerRpcUs!)),
    };
    console.log(`${b.label}: handshake ${ms(row.handshake)}, first RPC ${ms(row.firstRpc)}, start-up CPU ${ms(row.startupCpu)}, CPU per RPC ${row.perRpc.toFixed(0)} µs`);
    return row;
  });

  const apiKey = `bench-admin-${Date.now()}-0123456789`;
  const api = await startApi(apiKey);
  let profile: Record<Command, Array<[string, number]>> | undefined;
  try {
    const { figures, subjects, loads } = await measureTerraform(builds, api.url, apiKey, api.child.pid!);
    const breakdown = existsSync('/usr/bin/time') ? await cpuBreakdown(builds, api.url, apiKey, ROUNDS) : undefined;
    if (process.env.BENCH_PROFILE) profile = await profileTerraform(api.url, apiKey);
    record(launchRows, figures, subjects.map((x) => x.label), { before: load0[0], during: loads }, breakdown);
    if (profile) {
      for (const command of COMMANDS) {
        const total = profile[command].reduce((a, [, v]) => a + v, 0);
        console.log(`\nprofile of the provider processes during ${command}: ${total.toFixed(0)} ms sampled`);
        for (const [name, v] of profile[command].slice(0, 14)) console.log(`  ${v.toFixed(1).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)} %  ${name}`);
      }
    }
  } finally {
    api.child.kill('SIGTERM');
  }
}

function record(
  launchRows: Array<{ label: string; handshake: number; firstRpc: number; startupCpu: number; perRpc: number }>,
  figures: Map<string, Record<Command, CommandFigures>>,
  labels: string[],
  load: { before: number; during: number[] },
  breakdown?: Awaited<ReturnType<typeof cpuBreakdown>>,
): void {
  const base = figures.get('terraform_data')!;
  const lines: string[] = [];
  for (const command of COMMANDS) {
    const b = median(base[command].wall);
    const cells = labels.slice(1).map((l) => {
      const f = figures.get(l)![command];
      return `${s(median(f.wall))} (${(median(f.wall) / b).toFixed(2)}×)`;
    });
    const cpu = labels.slice(1).map((l) => {
      const f = figures.get(l)![command];
      return f.cpuTerraform.length ? `${s(median(f.cpuTerraform))} + ${s(median(f.cpuApi))}` : 'n/a';
    });
    lines.push(`| ${command} | ${cells.join(' | ')} | ${s(b)} | ${cpu.join(' | ')} | ${base[command].cpuTerraform.length ? s(median(base[command].cpuTerraform)) : 'n/a'} |`);
    console.log(`${command.padEnd(8)} ${labels.slice(1).map((l, i) => `${l}: ${cells[i]}, CPU ${cpu[i]}`).join('; ')}; terraform_data ${s(b)}`);
  }
  const names = labels.slice(1);
  const goals = { apply: 2, plan: 3, destroy: 2 } as const;
  const verdict = COMMANDS.map((c) => {
    const r = median(figures.get(names[0])![c].wall) / median(base[c].wall);
    return `${c} ≤ ${goals[c]}× (${r <= goals[c] ? 'met' : 'not met'}: ${r.toFixed(2)}×)`;
  }).join(', ');
  recordSection(
    'Terraform provider',
    `\`npm run bench:terraform\`${COMPARE_REF ? ` with \`BENCH_COMPARE_REF=${COMPARE_REF}\`` : ''} — ${RESOURCES} resources, \`-parallelism=${PARALLELISM}\`, ` +
      `median of ${ROUNDS} rounds, every subject once per round in turn (interleaved); baseline: the same commands on ${RESOURCES} ` +
      `\`terraform_data\` resources (built into Terraform) in the same run. The commonfate figures include the real API and ` +
      `Postgres on the same machine (${cpus().length} CPUs), Terraform ${terraformVersion()}, Node ${process.version}. ` +
      `Load average: ${load.before.toFixed(2)} at the start, ${Math.min(...load.during).toFixed(2)}–${Math.max(...load.during).toFixed(2)} during the runs.\n\n` +
      `| command | ${names.map((n) => `commonfate, ${n}`).join(' | ')} | terraform_data | ${names.map((n) => `CPU terraform+provider + API+Postgres, ${n}`).join(' | ')} | CPU terraform_data |\n` +
      `| --- | ${names.map(() => '---').join(' | ')} | --- | ${names.map(() => '---').join(' | ')} | --- |\n` +
      lines.join('\n') +
      `\n\nProvider process, launched as Terraform launches it (medians of ${LAUNCHES} launches per build, interleaved); CPU per RPC over ` +
      `${RPCS_PER_LAUNCH} ValidateResourceConfig/PlanResourceChange calls at ${PARALLELISM} in flight, from /proc schedstat of every thread:\n\n` +
      `| build | launch-to-handshake | launch-to-first-RPC | start-up CPU | CPU per RPC |\n| --- | --- | --- | --- | --- |\n` +
      launchRows
        .map((r) =>
          r.label === FLOOR.label
            ? `| ${r.label} | (run from source) | | | ${r.perRpc.toFixed(0)} µs |`
            : `| ${r.label} | ${ms(r.handshake)} | ${ms(r.firstRpc)} | ${ms(r.startupCpu)} | ${r.perRpc.toFixed(0)} µs |`,
        )
        .join('\n') +
      (breakdown
        ? `\n\nWhere the CPU of a command goes (medians of ${ROUNDS}; each provider process under GNU time, Terraform's share is the rest; ` +
          `terraform_data's whole command for comparison):\n\n| command | build | provider launches | CPU of the provider processes | CPU of terraform itself | terraform_data (all) |\n| --- | --- | --- | --- | --- | --- |\n` +
          COMMANDS.flatMap((c) =>
            names.map((n) => {
              const f = breakdown.get(n)![c];
              return `| ${c} | ${n} | ${f.launches} | ${s(median(f.providers))} | ${s(median(f.terraform))} | ${base[c].cpuTerraform.length ? s(median(base[c].cpuTerraform)) : 'n/a'} |`;
            }),
          ).join('\n')
        : '') +
      `\n\nGoals: ${verdict}; handshake ≤ 150 ms (${launchRows[0].handshake <= 150 ? 'met' : 'not met'}).`,
  );
}

function terraformVersion(): string {
  const out = execFileSync(process.env.TERRAFORM_BIN ?? '/usr/local/bin/terraform', ['version'], { encoding: 'utf8' });
  return /Terraform v(\S+)/.exec(out)?.[1] ?? 'unknown';
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

