/**
 * The two documented ways to install the provider (README.md, "Terraform usage"): a filesystem mirror with a
 * plain offline `terraform init` (covered by every other test here), and dev_overrides without init.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { binaryPath } from '../../provider/build';
import { buildMirror, Workspace } from './harness';

test('dev_overrides runs the built binary without terraform init', async () => {
  const mirror = await buildMirror();
  const ws = new Workspace(mirror, { CF_API_URL: 'http://127.0.0.1:1', CF_API_KEY: 'unused-key-1234567' });
  try {
    writeFileSync(
      join(ws.dir, '.terraformrc'),
      `provider_installation {\n  dev_overrides {\n    "common-fate/commonfate" = "${dirname(binaryPath(mirror))}"\n  }\n  direct {}\n}\n`,
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
