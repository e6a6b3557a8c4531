import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * Validates a document against the official OpenAPI 3.x JSON Schemas with @seriousme/openapi-schema-validator
 * (which also resolves every $ref). The package is ESM-only and reads its schemas through import.meta, so it
 * runs in a child Node process rather than through Jest's CommonJS transform.
 */
export function validateOpenApi(document: unknown): Promise<{ valid: boolean; errors?: unknown; version?: string }> {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', async () => {
      const validator = new Validator();
      const result = await validator.validate(JSON.parse(input));
      process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
    });`;
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`validator exited ${code}: ${err}`))));
    child.stdin.end(JSON.stringify(document));
  });
}
