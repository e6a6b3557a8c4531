import { isIP } from 'node:net';
import type { Resolver } from './dns';

/**
 * The SSRF policy for outbound deliveries: which resolved addresses a destination may connect to. Checked at
 * connect time on the address actually dialled (see outbound.ts), so a name that resolves to a public address
 * when saved and to 169.254.169.254 later (DNS rebinding) is still refused.
 */

interface Network {
  family: 4 | 6;
  base: bigint;
  bits: number;
  label: string;
}

/** Address ranges no delivery may reach unless CF_WEBHOOK_ALLOWED_NETWORKS opens them. */
const BLOCKED: ReadonlyArray<[string, string]> = [
  ['0.0.0.0/8', 'unspecified / "this network"'],
  ['10.0.0.0/8', 'private network'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (includes cloud metadata)'],
  ['172.16.0.0/12', 'private network'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.168.0.0/16', 'private network'],
  ['198.18.0.0/15', 'benchmarking network'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['255.255.255.255/32', 'broadcast'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible'],
  ['64:ff9b::/96', 'NAT64'],
  ['100::/64', 'discard-only'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(p));
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  let input = text.toLowerCase();
  const zone = input.indexOf('%');
  if (zone >= 0) input = input.slice(0, zone);
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const lastColon = input.lastIndexOf(':');
  if (input.includes('.', lastColon)) {
    const v4 = parseV4(input.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    input = `${input.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = input.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

/** An address as (family, value); IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated as the IPv4 address it carries. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const kind = isIP(bare.split('%')[0]);
  if (kind === 4) {
    const value = parseV4(bare);
    return value === undefined ? undefined : { family: 4, value };
  }
  if (kind === 6) {
    const value = parseV6(bare);
    if (value === undefined) return undefined;
    if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
    return { family: 6, value };
  }
  return undefined;
}

/** Parses a CIDR (`10.0.0.0/8`, `::1/128`, or a bare address for a single host); throws on nonsense. */
export function parseCidr(text: string, label = text): Network {
  const [addr, bitsText, ...rest] = text.trim().split('/');
  const parsed = addr ? parseAddress(addr) : undefined;
  // A CIDR written as IPv4-mapped IPv6 (::ffff:127.0.0.0/104) is normalised to its IPv4 form.
  const mappedV6 = parsed?.family === 4 && addr.includes(':');
  const width = parsed?.family === 4 ? 32 : 128;
  let bits = bitsText === undefined ? width : Number(bitsText);
  if (mappedV6 && bitsText !== undefined) bits -= 96;
  if (!parsed || rest.length > 0 || !Number.isInteger(bits) || bits < 0 || bits > width || (bitsText !== undefined && !/^\d+$/.test(bitsText))) {
    throw new Error(`"${text}" is not a CIDR such as 127.0.0.0/8 or ::1/128`);
  }
  const shift = BigInt(width - bits);
  return { family: parsed.family, base: (parsed.value >> shift) << shift, bits, label };
}

function contains(net: Network, family: 4 | 6, value: bigint): boolean {
  if (net.family !== family) return false;
  const shift = BigInt((family === 4 ? 32 : 128) - net.bits);
  return value >> shift === net.base >> shift;
}

const BLOCKED_NETWORKS = BLOCKED.map(([cidr, label]) => parseCidr(cidr, label));

export class AddressRefusedError extends Error {
  readonly code = 'ERR_SSRF_REFUSED';
  constructor(readonly address: string, readonly reason: string) {
    super(
      `refused to connect to ${address} (${reason}); list its network in CF_WEBHOOK_ALLOWED_NETWORKS to allow it`,
    );
    this.name = 'AddressRefusedError';
  }
}

export class SsrfPolicy {
  private readonly allowed: Network[];

  /** `allowedNetworks`: CIDRs opened despite the blocked ranges (CF_WEBHOOK_ALLOWED_NETWORKS). Throws on a bad CIDR. */
  constructor(allowedNetworks: readonly string[]) {
    this.allowed = allowedNetworks.map((c) => {
      try {
        return parseCidr(c);
      } catch (err) {
        throw new Error(`CF_WEBHOOK_ALLOWED_NETWORKS: ${(err as Error).message}`);
      }
    });
  }

  /** Why `address` (an IP literal) may not be dialled, or undefined when it may. */
  refusal(address: string): string | undefined {
    const parsed = parseAddress(address);
    if (!parsed) return 'not an IP address';
    if (this.allowed.some((n) => contains(n, parsed.family, parsed.value))) return undefined;
    const hit = BLOCKED_NETWORKS.find((n) => contains(n, parsed.family, parsed.value));
    return hit?.label;
  }

  /** Throws AddressRefusedError when `address` may not be dialled. */
  check(address: string): void {
    const reason = this.refusal(address);
    if (reason) throw new AddressRefusedError(address, reason);
  }
}

/**
 * Resolves `hostname` (a name or an IP literal, IPv6 possibly in brackets) and returns the first address the
 * policy allows; the caller dials exactly that address, so a refused address is never contacted. Throws
 * AddressRefusedError (for the first address) when none is allowed.
 */
export async function resolveVetted(policy: SsrfPolicy, hostname: string, resolver: Resolver): Promise<string> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(bare.split('%')[0])) {
    policy.check(bare);
    return bare;
  }
  const addresses = await resolver(bare);
  if (addresses.length === 0) throw new Error(`${bare} did not resolve to any address`);
  const allowed = addresses.find((a) => policy.refusal(a.address) === undefined);
  if (!allowed) policy.check(addresses[0].address);
  return allowed!.address;
}
