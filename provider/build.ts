/**
 * Builds the provider as one executable file in the Terraform filesystem-mirror layout:
 *   dist/terraform-mirror/registry.terraform.io/common-fate/commonfate/<version>/linux_amd64/
 *     terraform-provider-commonfate_v<version>
 * A single minified bundle starts fastest: Terraform launches the provider several times per command.
 *
 * Usage: tsx provider/build.ts [--out-dir <mirror dir>]   (npm run build:provider)
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PROVIDER_NAME, PROVIDER_SOURCE, PROVIDER_VERSION } from './version';

const ROOT = path.resolve(__dirname, '..');
export const DEFAULT_MIRROR_DIR = path.join(ROOT, 'dist', 'terraform-mirror');

/** Path of the binary inside a mirror directory. */
export function binaryPath(mirrorDir = DEFAULT_MIRROR_DIR, version = PROVIDER_VERSION): string {
  return path.join(
    mirrorDir,
    'registry.terraform.io',
    PROVIDER_SOURCE,
    version,
    'linux_amd64',
    `terraform-provider-${PROVIDER_NAME}_v${version}`,
  );
}

export async function buildProvider(mirrorDir = DEFAULT_MIRROR_DIR): Promise<string> {
  const outfile = binaryPath(mirrorDir);
  mkdirSync(path.dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [path.join(__dirname, 'main.ts')],
    write: false,
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const bundle = result.outputFiles[0].text;
  writeFileSync(outfile, withCodeCacheLoader(bundle));
  chmodSync(outfile, 0o755);
  return outfile;
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
  buildProvider(i > 0 ? path.resolve(process.argv[i + 1]) : DEFAULT_MIRROR_DIR).then(
    (file) => process.stdout.write(`built ${path.relative(process.cwd(), file)}\n`),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
