import { X509Certificate } from 'node:crypto';
import { createServerCertificate } from './cert';
import { trustsClient } from './client-auth';

describe('trustsClient (AutoMTLS client certificate check)', () => {
  const terraform = createServerCertificate();
  const peer = new X509Certificate(terraform.certPem);

  test('accepts the certificate Terraform passed in PLUGIN_CLIENT_CERT, also among several', () => {
    expect(trustsClient(peer, terraform.certPem)).toBe(true);
    expect(trustsClient(peer, createServerCertificate().certPem + terraform.certPem)).toBe(true);
  });

  test('refuses no certificate, a stranger, and one outside its validity window', () => {
    expect(trustsClient(undefined, terraform.certPem)).toBe(false);
    expect(trustsClient(new X509Certificate(createServerCertificate().certPem), terraform.certPem)).toBe(false);
    expect(trustsClient(peer, terraform.certPem, new Date(Date.now() + 31 * 86_400_000))).toBe(false);
    expect(trustsClient(peer, terraform.certPem, new Date(Date.now() - 3_600_000))).toBe(false);
    expect(trustsClient(peer, '')).toBe(false);
  });
});
