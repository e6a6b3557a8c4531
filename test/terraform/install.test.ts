/**
 * Installing the provider the documented ways (README.md, "Terraform usage"): a lock file for every platform a
 * team uses from the filesystem mirror, a plain offline `terraform init` against it, dev_overrides without
 * init, and a release directory in the registry's shape.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { buildProvider, PLATFORMS, type ProviderBuild } from '../../provider/build';
import { PROVIDER_VERSION } from '../../provider/version';
import { buildDist, Workspace } from './harness';

const LOCK_PLATFORMS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64'];

describe('installing the provider', () => {
  let dist: ProviderBuild;
  beforeAll(async () => {
    dist = await buildDist();
  });

  test('providers lock -fs-mirror records every platform, and init with that lock file installs from the mirror', async () => {
    const ws = new Workspace(dist.mirrorDir);
    try {
      ws.write('');
      const lock = await ws.ok(['providers', 'lock', `-fs-mirror=${dist.mirrorDir}`, ...LOCK_PLATFORMS.map((p) => `-platform=${p}`)]);
      for (const platform of LOCK_PLATFORMS) {
        expect(lock.stdout).toContain(`Obtained common-fate/commonfate checksums for ${platform}`);
      }
      const lockFile = ws.read('.terraform.lock.hcl');
      expect(lockFile).toContain('provider "registry.terraform.io/common-fate/commonfate"');
      expect(lockFile).toContain(`version     = "${PROVIDER_VERSION}"`);
      expect(lockFile).toMatch(/"h1:[A-Za-z0-9+/]+={0,2}"/);

      // The lock file a Mac user commits is the one CI on Linux initialises with.
      const init = await ws.init();
      expect(init.stdout).toContain(`Installing common-fate/commonfate v${PROVIDER_VERSION}`);
      expect(ws.read('.terraform.lock.hcl')).toBe(lockFile);
    } finally {
      ws.remove();
    }
  });

  test('providers lock fails, naming the platform, for one the mirror does not carry', async () => {
    const ws = new Workspace(dist.mirrorDir);
    try {
      ws.write('');
      const result = await ws.run(['providers', 'lock', '-no-color', `-fs-mirror=${dist.mirrorDir}`, '-platform=freebsd_amd64']);
      expect(result.code).toBe(1);
      expect(result.stderr + result.stdout).toContain('freebsd_amd64');
    } finally {
      ws.remove();
    }
  });

  test('dev_overrides runs the built executable without terraform init', async () => {
    const ws = new Workspace(dist.mirrorDir, { CF_API_URL: 'http://127.0.0.1:1', CF_API_KEY: 'unused-key-1234567' });
    try {
      writeFileSync(
        join(ws.dir, '.terraformrc'),
        `provider_installation {\n  dev_overrides {\n    "common-fate/commonfate" = "${dirname(dist.executable)}"\n  }\n  direct {}\n}\n`,
      );
      ws.write(`
resource "commonfate_webhook_integration" "dev" {
  name = "dev"
  url  = "https://hooks.example.com/dev"
}
`);
      const { stdout, stderr } = await ws.ok(['plan']);
      expect(stderr + stdout).toContain('Provider development overrides are in effect');
      expect(stdout).toContain('# commonfate_webhook_integration.dev will be created');
      expect(ws.exists('.terraform.lock.hcl')).toBe(false);
    } finally {
      ws.remove();
    }
  });

  test('the release directory has a zip per platform, a manifest and SHA256SUMS that match them', () => {
    const base = `terraform-provider-commonfate_${PROVIDER_VERSION}`;
    const files = readdirSync(dist.releaseDir).sort();
    expect(files).toEqual([`${base}_SHA256SUMS`, ...PLATFORMS.map((p) => `${base}_${p}.zip`), `${base}_manifest.json`].sort());
    expect(JSON.parse(readFileSync(join(dist.releaseDir, `${base}_manifest.json`), 'utf8'))).toEqual({
      version: 1,
      metadata: { protocol_versions: ['6.0'] },
    });
    const sums = readFileSync(join(dist.releaseDir, `${base}_SHA256SUMS`), 'utf8').trimEnd().split('\n');
    expect(sums.map((line) => line.split('  ')[1])).toEqual(files.filter((f) => !f.endsWith('_SHA256SUMS')));
    for (const line of sums) {
      const [hash, name] = line.split('  ');
      expect(createHash('sha256').update(readFileSync(join(dist.releaseDir, name))).digest('hex')).toBe(hash);
    }
    for (const platform of PLATFORMS) {
      // The mirror serves the very archives that are released.
      expect(readFileSync(dist.mirrorZips[platform]).equals(readFileSync(join(dist.releaseDir, basename(dist.mirrorZips[platform]))))).toBe(true);
    }
  });

  test('rebuilding the same source gives byte-identical archives, so committed lock files stay valid', async () => {
    const again = await buildProvider(join(dirname(dist.mirrorDir), 'rebuild'));
    for (const platform of PLATFORMS) {
      expect(readFileSync(again.mirrorZips[platform]).equals(readFileSync(dist.mirrorZips[platform]))).toBe(true);
    }
  });
});
