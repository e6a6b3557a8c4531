/**
 * Drives the real `terraform` binary against the provider built by provider/build.ts, installed the way a
 * user installs it: a filesystem mirror named in a CLI configuration file, then plain `terraform init`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProvider, type ProviderBuild } from '../../provider/build';
import { startTestService, type TestService } from '../support/service';

export const TERRAFORM = process.env.TERRAFORM_BIN ?? '/usr/local/bin/terraform';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const mirrors: string[] = [];
// Registered by every test file that imports the harness: its mirrors go when the file finishes.
afterAll(() => {
  for (const dir of mirrors.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Builds the provider into a fresh dist directory for this test file (esbuild takes well under a second). */
export async function buildDist(): Promise<ProviderBuild> {
  const dist = mkdtempSync(join(tmpdir(), 'cf-tf-dist-'));
  mirrors.push(dist);
  return buildProvider(dist);
}

/** A fresh filesystem mirror (packed layout) holding the provider built from this tree. */
export async function buildMirror(): Promise<string> {
  return (await buildDist()).mirrorDir;
}

/** Runs a command to its end and collects its output (asynchronously: the API under test may be in this process). */
export function runProcess(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function cliConfig(mirror: string): string {
  return `provider_installation {
  filesystem_mirror {
    path    = "${mirror}"
    include = ["registry.terraform.io/common-fate/*"]
  }
  direct {
    exclude = ["registry.terraform.io/common-fate/*"]
  }
}
`;
}

export const PROVIDER_BLOCK = `terraform {
  required_providers {
    commonfate = {
      source  = "common-fate/commonfate"
      version = "0.1.0"
    }
  }
}
`;

/** A working directory with its own CLI config, state and environment. */
export class Workspace {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(mirror: string, env: Record<string, string> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'cf-tf-ws-'));
    const cli = join(this.dir, '.terraformrc');
    writeFileSync(cli, cliConfig(mirror));
    mkdirSync(join(this.dir, '.tf-data'));
    const inherited = { ...process.env };
    // Settings from the developer's shell must not leak into the provider under test.
    for (const key of Object.keys(inherited)) if (/^(CF_|TF_)/.test(key)) delete inherited[key];
    this.env = {
      ...inherited,
      TF_CLI_CONFIG_FILE: cli,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      ...env,
    };
  }

  write(config: string, file = 'main.tf'): void {
    writeFileSync(join(this.dir, file), PROVIDER_BLOCK + config);
  }

  read(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  exists(file: string): boolean {
    return existsSync(join(this.dir, file));
  }

  /** Runs terraform asynchronously (the API under test may live in this same process). */
  run(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
    return runProcess(TERRAFORM, args, this.dir, { ...this.env, ...env });
  }

  /** Runs and fails the test with terraform's output when the exit code is not the expected one. */
  async ok(args: string[], expectedCode = 0, env: Record<string, string> = {}): Promise<RunResult> {
    const result = await this.run([...args, '-no-color'], env);
    if (result.code !== expectedCode) {
      throw new Error(
        `terraform ${args.join(' ')} exited ${result.code}, expected ${expectedCode}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
      );
    }
    return result;
  }

  init(): Promise<RunResult> {
    return this.ok(['init', '-input=false']);
  }

  /** `terraform show -json` of the state, as the resources' attribute values keyed by address. */
  async stateValues(): Promise<Record<string, Record<string, unknown>>> {
    const { stdout } = await this.ok(['show', '-json']);
    const doc = JSON.parse(stdout);
    const out: Record<string, Record<string, unknown>> = {};
    for (const r of doc.values?.root_module?.resources ?? []) out[r.address] = r.values;
    return out;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Minimal client for checking and changing integrations behind Terraform's back. */
export function api(baseUrl: string, apiKey: string) {
  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  return {
    get: (id: string) => call('GET', `/v1/webhook-integrations/${id}`),
    patch: (id: string, body: unknown) => call('PATCH', `/v1/webhook-integrations/${id}`, body),
    delete: (id: string) => call('DELETE', `/v1/webhook-integrations/${id}`),
    create: (body: unknown) => call('POST', '/v1/webhook-integrations', body),
    /** POST …/{id}/pause, …/resume and the like. */
    act: (id: string, action: string, body?: unknown) => call('POST', `/v1/webhook-integrations/${id}/${action}`, body),
    async listAll(): Promise<Array<Record<string, any>>> {
      const items: Array<Record<string, any>> = [];
      let token: string | undefined;
      do {
        const res = await call('GET', `/v1/webhook-integrations?page_size=100${token ? `&page_token=${token}` : ''}`);
        items.push(...res.body.items);
        token = res.body.next_page_token;
      } while (token);
      return items;
    },
  };
}

/**
 * The real API and a provider mirror for one acceptance test file, and workspaces made with the admin key's
 * credentials in the environment, all removed when the file ends. Read `service` and `mirror` inside tests.
 */
export function acceptanceContext(opts: Parameters<typeof startTestService>[0] = {}) {
  const made: Workspace[] = [];
  const ctx = {
    service: undefined as unknown as TestService,
    mirror: '',
    /** A workspace whose provider reaches the service with the admin key (override with `env`). */
    workspace(env: Record<string, string> = {}): Workspace {
      const w = new Workspace(ctx.mirror, { CF_API_URL: ctx.service.baseUrl, CF_API_KEY: ctx.service.apiKey, ...env });
      made.push(w);
      return w;
    },
  };
  beforeAll(async () => {
    [ctx.service, ctx.mirror] = await Promise.all([startTestService(opts), buildMirror()]);
  });
  afterAll(async () => {
    for (const w of made.splice(0)) w.remove();
    await ctx.service?.stop();
  });
  return ctx;
}
