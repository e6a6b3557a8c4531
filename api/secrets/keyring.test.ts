import { generateKey, isSealed, Keyring, keyIdOf, sealedKeyId, SecretUnreadableError } from './keyring';

const key = () => Buffer.from(generateKey(), 'base64');

describe('Keyring', () => {
  const a = key();
  const b = key();

  test('seals with the first key and a fresh IV each time; opens with the same context', () => {
    const ring = new Keyring([a, b]);
    const one = ring.seal('Bearer s3cret', 'ctx');
    const two = ring.seal('Bearer s3cret', 'ctx');
    expect(one).not.toBe(two);
    expect(one).not.toContain('s3cret');
    expect(isSealed(one)).toBe(true);
    expect(sealedKeyId(one)).toBe(keyIdOf(a));
    expect(ring.isCurrent(one)).toBe(true);
    expect(ring.open(one, 'ctx')).toBe('Bearer s3cret');
    expect(ring.open(two, 'ctx')).toBe('Bearer s3cret');
  });

  test('every key opens; only the first seals', () => {
    const old = new Keyring([b]).seal('value', 'ctx');
    const ring = new Keyring([a, b]);
    expect(ring.open(old, 'ctx')).toBe('value');
    expect(ring.isCurrent(old)).toBe(false);
  });

  test('a value moved to another context does not open', () => {
    const ring = new Keyring([a]);
    const sealed = ring.seal('value', 'webhook_integrations:whk_1:headers');
    expect(() => ring.open(sealed, 'webhook_integrations:whk_2:headers')).toThrow(SecretUnreadableError);
  });

  test('a key that is not configured is named; the error never carries the ciphertext', () => {
    const sealed = new Keyring([b]).seal('value', 'ctx');
    let caught: unknown;
    try {
      new Keyring([a]).open(sealed, 'ctx');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SecretUnreadableError);
    const err = caught as SecretUnreadableError;
    expect(err.kind).toBe('secrets_unreadable');
    expect(err.keyId).toBe(keyIdOf(b));
    expect(err.message).toContain(keyIdOf(b));
    expect(err.message).toContain('CF_ENCRYPTION_KEYS');
    expect(err.message).not.toContain(sealed.split(':')[2]);
  });

  test('a tampered value fails rather than decrypt to garbage', () => {
    const ring = new Keyring([a]);
    const sealed = ring.seal('value', 'ctx');
    const payload = Buffer.from(sealed.split(':')[2], 'base64url');
    payload[14] ^= 1;
    const tampered = `v1:${keyIdOf(a)}:${payload.toString('base64url')}`;
    expect(() => ring.open(tampered, 'ctx')).toThrow(/did not decrypt/);
    expect(() => ring.open('v1:zz:notavalue', 'ctx')).toThrow(/not in a format/);
  });

  test('the same key listed twice counts once; keys are 32 bytes', () => {
    expect(new Keyring([a, a, b]).keys.map((k) => k.id)).toEqual([keyIdOf(a), keyIdOf(b)]);
    expect(() => new Keyring([Buffer.alloc(16)])).toThrow(/32 bytes/);
    expect(() => new Keyring([])).toThrow(/at least one key/);
  });

  test('plain text is not mistaken for a sealed value', () => {
    for (const plain of ['whsec_abc', 'v1:', 'v1:0123456789abcdef:', 'Bearer v1:0123456789abcdef:AAAA']) expect(isSealed(plain)).toBe(false);
  });
});
