/**
 * The benchmark's CPU accounting of Terraform commands: what the provider processes cost against Terraform
 * itself (each provider process under GNU time), and V8 CPU profiles of the provider during real commands.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleExecutable } from '../provider/build';
import { summariseProfiles } from './cpu-profile';
import { runTerraform, workspace } from './terraform-run';

export const COMMANDS = ['apply', 'plan', 'destroy'] as const;
export type Command = (typeof COMMANDS)[number];
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100);
const PARALLELISM = 10;

/** A provider build under test. */
export interface Build {
  label: string;
  executable: string;
  mirrorDir: string;
}

const argvFor = (command: Command) =>
  command === 'plan' ? ['plan', `-parallelism=${PARALLELISM}`] : [command, '-auto-approve', `-parallelism=${PARALLELISM}`];

/**
 * Where a command's CPU goes: each provider process runs under GNU time (a wrapper Terraform starts through
 * dev_overrides), so the providers' CPU and their number are known exactly, and Terraform's own CPU is the
 * command's total less theirs. Every build once per round, in turn.
 */
export async function cpuBreakdown(builds: Build[], apiUrl: string, apiKey: string, rounds: number) {
  const out = new Map(builds.map((b) => [b.label, Object.fromEntries(COMMANDS.map((c) => [c, { terraform: [] as number[], providers: [] as number[], launches: 0 }]))]));
  const dirs = builds.map((b) => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-bench-cpu-'));
    const ws = workspace('', resourcesConfig(), { CF_API_URL: apiUrl, CF_API_KEY: apiKey }, dir);
    return { b, dir, ws };
  });
  for (let round = 0; round < rounds; round++) {
    for (const { b, dir, ws } of dirs) {
      for (const command of COMMANDS) {
        const log = join(dir, `${command}.cpu`);
        rmSync(log, { force: true });
        const wrapper = join(dir, 'terraform-provider-commonfate_v0.1.0');
        writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/time -a -o "${log}" -f "%U %S" "${b.executable}"\n`);
        chmodSync(wrapper, 0o755);
        const { cpuMs } = await runTerraform(ws, argvFor(command));
        const launches = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
        const providers = launches.reduce((a, [u, s]) => a + (u + s) * 1000, 0);
        const f = out.get(b.label)![command];
        f.providers.push(providers);
        f.terraform.push((cpuMs ?? NaN) - providers);
        f.launches = launches.length;
      }
    }
  }
  for (const { dir } of dirs) rmSync(dir, { recursive: true, force: true });
  return out;
}

export function resourcesConfig(): string {
  return (
    `terraform {\n  required_providers {\n    commonfate = { source = "common-fate/commonfate", version = "0.1.0" }\n  }\n}\n` +
    `resource "commonfate_webhook_integration" "many" {\n  count = ${RESOURCES}\n  name  = "hook-\${count.index}"\n  url   = "https://hooks.example.com/\${count.index}"\n` +
    `  send_audit_log_events = true\n  headers = [{ key = "Authorization", value = "Bearer secret-\${count.index}" }]\n}\n`
  );
}

/** One apply, plan and destroy with the provider under --cpu-prof; returns the summarised profiles. */
export async function profileTerraform(apiUrl: string, apiKey: string): Promise<Record<Command, Array<[string, number]>>> {
  const dir = mkdtempSync(join(tmpdir(), 'cf-bench-prof-'));
  const executable = join(dir, 'terraform-provider-commonfate_v0.1.0.js');
  const text = await bundleExecutable({ minify: false });
  writeFileSync(executable, text);
  const source = JSON.parse(/^const SOURCE = (.*);$/m.exec(text)![1]) as string;
  const out: Partial<Record<Command, Array<[string, number]>>> = {};
  const wrapper = join(dir, 'bin', 'terraform-provider-commonfate_v0.1.0');
  mkdirSync(join(dir, 'bin'));
  const config = resourcesConfig();
  const ws = workspace('', config, { CF_API_URL: apiUrl, CF_API_KEY: apiKey }, dirname(wrapper));
  for (const command of COMMANDS) {
    const profiles = join(dir, command);
    mkdirSync(profiles);
    // The same environment trick as the real executable's #! line, plus the profiler.
    writeFileSync(wrapper, `#!/bin/sh\nexec env -u NODE_EXTRA_CA_CERTS "${process.execPath}" --cpu-prof --cpu-prof-dir="${profiles}" "${executable}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    await runTerraform(ws, argvFor(command));
    out[command] = summariseProfiles(profiles, executable, source);
  }
  rmSync(dir, { recursive: true, force: true });
  return out as Record<Command, Array<[string, number]>>;
}


