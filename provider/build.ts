/**
 * Builds the provider as one executable file in the Terraform filesystem-mirror layout:
 *   dist/terraform-mirror/registry.terraform.io/common-fate/commonfate/<version>/linux_amd64/
 *     terraform-provider-commonfate_v<version>
 * A single minified bundle starts fastest: Terraform launches the provider several times per command.
 *
 * Usage: tsx provider/build.ts [--out-dir <mirror dir>]   (npm run build:provider)
 */
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
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
  await build({
    entryPoints: [path.join(__dirname, 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
    plugins: [
      {
        // grpc-js loads @grpc/proto-loader (and protobufjs) only for its channelz admin service, which we
        // never register; leaving it out keeps ~150 KB of parsing off every start-up.
        name: 'omit-proto-loader',
        setup(b) {
          b.onResolve({ filter: /^@grpc\/proto-loader$/ }, () => ({ path: 'proto-loader', namespace: 'omitted' }));
          b.onLoad({ filter: /.*/, namespace: 'omitted' }, () => ({
            contents: 'module.exports = new Proxy({}, { get() { throw new Error("@grpc/proto-loader is not bundled"); } });',
            loader: 'js',
          }));
        },
      },
    ],
  });
  chmodSync(outfile, 0o755);
  return outfile;
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
