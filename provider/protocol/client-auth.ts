/**
 * AutoMTLS client verification: Terraform (go-plugin) generates a certificate per launch, passes it in
 * PLUGIN_CLIENT_CERT and presents it as its TLS client certificate. We accept a client certificate that the
 * given CA certificate issued and signed (the CA's own self-signed certificate included), inside its validity
 * window — what Go's tls.RequireAndVerifyClientCert with that CA as the only root checks.
 */
import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function trustsClient(peer: X509Certificate | undefined, caPem: string, now = new Date()): boolean {
  if (!peer) return false;
  const from = new Date(peer.validFrom);
  const to = new Date(peer.validTo);
  if (!(from <= now && now <= to)) return false;
  for (const block of caPem.match(PEM_BLOCK) ?? []) {
    const ca = new X509Certificate(block);
    if (peer.checkIssued(ca) && peer.verify(ca.publicKey)) return true;
  }
  return false;
}
