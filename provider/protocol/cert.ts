/**
 * A fresh self-signed ECDSA P-256 server certificate for go-plugin's AutoMTLS.
 *
 * Terraform pins the certificate we print in the handshake line and verifies it as a root for the name
 * "localhost", so it needs SAN DNS:localhost (a CN alone is refused by Go), a positive serial and a validity
 * window covering "now". Node cannot mint X.509 itself and an X.509 library costs ~180 ms of start-up, so we
 * assemble the DER by hand: a certificate is a handful of nested ASN.1 SEQUENCEs around the SPKI that
 * node:crypto already exports, signed with node:crypto.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export interface ServerCertificate {
  /** DER bytes, base64-encoded (unpadded) into the handshake line. */
  der: Buffer;
  certPem: string;
  keyPem: string;
}

// ---- DER primitives (X.690 distinguished encoding) ----

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const octetString = (inner: Buffer) => tlv(0x04, inner);
const bitString = (inner: Buffer) => tlv(0x03, Buffer.from([0]), inner); // 0 unused bits
const boolean = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));

function integer(bytes: Buffer): Buffer {
  // A leading 1 bit would make the INTEGER negative; prefix a zero byte to keep the serial positive.
  return tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [parts[0] * 40 + parts[1]];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    let rest = part >> 7;
    while (rest > 0) {
      chunk.unshift((rest & 0x7f) | 0x80);
      rest >>= 7;
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime (YYMMDDHHMMSSZ), valid for years 1950-2049 as RFC 5280 requires. */
function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-25T12:00:00.000Z
  const text = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

// ---- Object identifiers ----
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_COMMON_NAME = '2.5.4.3';
const OID_ORGANIZATION = '2.5.4.10';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** Creates a key pair and a certificate valid from one minute ago for 30 days (the process lives minutes). */
export function createServerCertificate(now = new Date()): ServerCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const algorithm = sequence(oid(OID_ECDSA_WITH_SHA256));
  const name = sequence(
    set(sequence(oid(OID_ORGANIZATION), utf8String('commonfate terraform provider'))),
    set(sequence(oid(OID_COMMON_NAME), utf8String('localhost'))),
  );
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // positive and non-zero in practice
  serial[0] |= 0x01;

  // Key usage bits: digitalSignature (bit 0), keyEncipherment (bit 2), keyCertSign (bit 5).
  // BIT STRING with 2 unused trailing bits: 0b10100100.
  const keyUsage = tlv(0x03, Buffer.from([0x02, 0xa4]));
  const extensions = sequence(
    // The certificate is its own trust root on the Terraform side, so it is marked as a CA.
    extension(OID_BASIC_CONSTRAINTS, true, sequence(boolean(true))),
    extension(OID_KEY_USAGE, true, keyUsage),
    extension(OID_EXT_KEY_USAGE, false, sequence(oid(OID_SERVER_AUTH), oid(OID_CLIENT_AUTH))),
    // GeneralName dNSName is context tag [2], IMPLICIT IA5String.
    extension(OID_SUBJECT_ALT_NAME, false, sequence(tlv(0x82, Buffer.from('localhost', 'ascii')))),
  );
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // version 3
    integer(serial),
    algorithm,
    name,
    sequence(utcTime(new Date(now.getTime() - 60_000)), utcTime(new Date(now.getTime() + 30 * 86_400_000))),
    name,
    spki,
    explicit(3, extensions),
  );
  // node:crypto returns ECDSA signatures DER-encoded (Ecdsa-Sig-Value), exactly what X.509 wants.
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  const lines = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  const certPem = `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { der, certPem, keyPem };
}
