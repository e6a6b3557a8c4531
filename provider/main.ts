/**
 * Entry point of the terraform-provider-commonfate binary (bundled by provider/build.ts). Terraform starts
 * it as a go-plugin; stdout carries only the handshake line, everything else goes to stderr.
 */
import { createProvider } from './provider';
import { serve, StartupError } from './protocol';

serve(createProvider(process.env)).catch((err: unknown) => {
  if (err instanceof StartupError) {
    process.stderr.write(err.message + '\n');
    process.exit(err.exitCode);
  }
  process.stderr.write(`[ERROR] commonfate: provider failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
