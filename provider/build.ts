/**
 * Builds the provider: one JavaScript bundle (it runs wherever Node.js 20 runs), packaged for every platform
 * Terraform users have, in three shapes under dist/ (or --out-dir):
 *
 *   terraform-mirror/registry.terraform.io/common-fate/commonfate/
 *     terraform-provider-commonfate_<v>_<os>_<arch>.zip        a filesystem mirror in the packed layout, which
 *                                                                `terraform init` installs from and
 *                                                                `terraform providers lock -fs-mirror` hashes
 *   terraform-release/
 *     terraform-provider-commonfate_<v>_<os>_<arch>.zip        a release in the registry's shape, for a
 *     terraform-provider-commonfate_<v>_manifest.json            private registry (protocol 6.0)
 *     terraform-provider-commonfate_<v>_SHA256SUMS
 *   terraform-provider/terraform-provider-commonfate_v<v>      the executable itself, for dev_overrides
 *
 * The zips are identical for every platform and reproducible (fixed timestamps, deterministic bundle), so a
 * rebuild of the same source keeps the checksums teams commit in .terraform.lock.hcl.
 * windows_amd64 is not built: Terraform on Windows starts a provider with CreateProcess, which runs only
 * native executables (a `.exe`), and this executable is a script started through its `#!` line.
 *
 * Usage: tsx provider/build.ts [--out-dir <dist dir>]   (npm run build:provider)
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { zip } from './packaging/zip';
import { PROVIDER_NAME, PROVIDER_SOURCE, PROVIDER_VERSION } from './version';

const ROOT = path.resolve(__dirname, '..');
export const DEFAULT_DIST_DIR = path.join(ROOT, 'dist');

/** Platforms the mirror and the release carry: Linux CI and Mac laptops, both architectures. */
export const PLATFORMS = ['darwin_amd64', 'darwin_arm64', 'linux_amd64', 'linux_arm64'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Plugin protocol versions the release manifest declares (the registry reads them from it). */
const PROTOCOL_VERSIONS = ['6.0'];

export interface ProviderBuild {
  /** The filesystem mirror (packed layout); point `filesystem_mirror { path }` or `-fs-mirror` at it. */
  mirrorDir: string;
  /** The registry-shaped release directory. */
  releaseDir: string;
  /** The executable, for dev_overrides (its directory is what dev_overrides names). */
  executable: string;
  /** Every zip written into the mirror, by platform. */
  mirrorZips: Record<Platform, string>;
}

/** Where each part of a build goes under `distDir`. */
export function providerLayout(distDir = DEFAULT_DIST_DIR, version = PROVIDER_VERSION): ProviderBuild {
  const mirrorDir = path.join(distDir, 'terraform-mirror');
  const base = `terraform-provider-${PROVIDER_NAME}_${version}`;
  const packageDir = path.join(mirrorDir, 'registry.terraform.io', PROVIDER_SOURCE);
  return {
    mirrorDir,
    releaseDir: path.join(distDir, 'terraform-release'),
    executable: path.join(distDir, 'terraform-provider', `terraform-provider-${PROVIDER_NAME}_v${version}`),
    mirrorZips: Object.fromEntries(PLATFORMS.map((p) => [p, path.join(packageDir, `${base}_${p}.zip`)])) as Record<Platform, string>,
  };
}

/**
 * The executable's text: the bundle behind its `#!` line and code-cache loader. `minify: false` keeps names
 * and per-module comments, for CPU profiles that name functions and modules (the benchmark's profiles).
 */
export async function bundleExecutable(opts: { minify?: boolean } = {}): Promise<string> {
  const result = await build({
    entryPoints: [path.join(__dirname, 'main.ts')],
    write: false,
    outfile: 'provider.js',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: opts.minify ?? true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return withCodeCacheLoader(result.outputFiles[0].text);
}

export async function buildProvider(distDir = DEFAULT_DIST_DIR, version = PROVIDER_VERSION): Promise<ProviderBuild> {
  const layout = providerLayout(distDir, version);
  const executable = Buffer.from(await bundleExecutable());

  // Earlier builds (or versions) must not linger beside this one: Terraform would offer them too.
  rmSync(path.dirname(layout.mirrorZips.linux_amd64), { recursive: true, force: true });
  rmSync(layout.releaseDir, { recursive: true, force: true });
  rmSync(path.dirname(layout.executable), { recursive: true, force: true });

  mkdirSync(path.dirname(layout.executable), { recursive: true });
  writeFileSync(layout.executable, executable);
  chmodSync(layout.executable, 0o755);

  const archive = zip([{ name: path.basename(layout.executable), data: executable, mode: 0o755 }]);
  mkdirSync(path.dirname(layout.mirrorZips.linux_amd64), { recursive: true });
  mkdirSync(layout.releaseDir, { recursive: true });
  const base = `terraform-provider-${PROVIDER_NAME}_${version}`;
  const released = new Map<string, Buffer>();
  for (const platform of PLATFORMS) {
    writeFileSync(layout.mirrorZips[platform], archive);
    released.set(`${base}_${platform}.zip`, archive);
  }
  released.set(`${base}_manifest.json`, Buffer.from(JSON.stringify({ version: 1, metadata: { protocol_versions: PROTOCOL_VERSIONS } }, null, 2) + '\n'));
  // sha256sum's format (two spaces, sorted by name), as `sha256sum -c` and the registry expect.
  const sums = [...released.keys()].sort().map((name) => `${createHash('sha256').update(released.get(name)!).digest('hex')}  ${name}\n`);
  released.set(`${base}_SHA256SUMS`, Buffer.from(sums.join('')));
  for (const [name, data] of released) writeFileSync(path.join(layout.releaseDir, name), data);
  return layout;
}

/**
 * The first line of the executable. Node reads the file named by NODE_EXTRA_CA_CERTS while it boots, before any
 * provider code runs; where that names a whole CA bundle (as on machines that route TLS through an inspecting
 * proxy) it cost 60–95 ms of every launch, and Terraform launches the provider 3–5 times per command. So `env`
 * moves the setting aside (`-S` splits the line and expands `${…}` from the caller's environment before `-u`
 * unsets it) and the API client trusts those certificates itself, only when it makes an HTTPS request
 * (client/http.ts). GNU and BSD `env` both support `-S` and `-u`.
 */
export const SHEBANG = '#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS CF_PROVIDER_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node';

/**
 * Wraps the bundle in a loader that compiles it with a V8 code cache.
 *
 * Why: Node 20 compiles the bundle's functions on every launch, and grpc-js alone takes ~40 ms of that;
 * with the cache it takes about half. Terraform launches the provider 3-5 times per command. The cache
 * lives in the user's cache directory ($XDG_CACHE_HOME or ~/.cache, mode 0700, not a shared temp dir since
 * it is executable code), keyed by the bundle's hash and the Node version; V8 itself rejects a cache that
 * does not match, and then the loader writes a fresh one. Any failure just means compiling without it.
 */
function withCodeCacheLoader(bundle: string): string {
  const key = createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  return `${SHEBANG}
"use strict";
const SOURCE = ${JSON.stringify(bundle)};
(function () {
  const fs = require("fs"), path = require("path"), vm = require("vm");
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? path.join(process.env.HOME, ".cache") : "");
  const file = base ? path.join(base, "terraform-provider-commonfate", "${key}-" + process.version + "-" + process.arch + ".v8cache") : "";
  let cached;
  if (file) try { cached = fs.readFileSync(file); } catch {}
  const script = new vm.Script("(function (exports, require, module, __filename, __dirname) {" + SOURCE + "\\n})", { filename: __filename, cachedData: cached });
  if (file && (!cached || script.cachedDataRejected)) {
    // Written at a clean exit (after Terraform's Shutdown), so the functions compiled while serving,
    // grpc-js included, are in it; a refused launch (exit 1) would cache almost nothing.
    process.once("exit", (code) => {
      if (code !== 0) return;
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        const tmp = file + "." + process.pid;
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, file);
      } catch {}
    });
  }
  script.runInThisContext()(exports, require, module, __filename, __dirname);
})();
`;
}

if (require.main === module) {
  const i = process.argv.indexOf('--out-dir');
  buildProvider(i > 0 ? path.resolve(process.argv[i + 1]) : DEFAULT_DIST_DIR).then(
    (out) => {
      for (const dir of [out.mirrorDir, out.releaseDir, out.executable]) process.stdout.write(`wrote ${path.relative(process.cwd(), dir)}\n`);
    },
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
