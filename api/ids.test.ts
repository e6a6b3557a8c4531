import { randomBytes } from 'node:crypto';
import { base62, isId, ksuid, newId } from './ids';

/** The KSUID base62 text must stay exactly what the reference (BigInt) encoding gives: ids already stored sort by it. */
function reference(bytes: Buffer): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let n = BigInt('0x' + bytes.toString('hex'));
  let out = '';
  while (n > 0n) {
    out = alphabet[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(27, '0');
}

describe('KSUIDs', () => {
  test('base62 matches the reference encoding, edge values included', () => {
    const cases = [Buffer.alloc(20, 0), Buffer.alloc(20, 0xff), Buffer.from('00000001' + '00'.repeat(16), 'hex'), ...Array.from({ length: 20_000 }, () => randomBytes(20))];
    for (const bytes of cases) expect(base62(bytes)).toBe(reference(bytes));
  });

  test('ids carry their time and sort by it', () => {
    const earlier = ksuid(new Date('2026-01-01T00:00:00Z'));
    const later = ksuid(new Date('2026-01-01T00:00:01Z'));
    expect(earlier < later).toBe(true);
    expect(isId('delivery', newId('delivery'))).toBe(true);
  });
});
