import { generateKey, Keyring, SecretUnreadableError } from '../secrets/keyring';
import { headersContext, IntegrationSecrets, newSigningSecret, signingSecretContext } from './secrets';
import { scrubSecrets, TargetCache, type SealedTarget } from './target-cache';

const ring = new Keyring([Buffer.from(generateKey(), 'base64')]);
const secrets = new IntegrationSecrets(ring);
const ID = 'whk_2f0ChzJvrOOqchMhRmJieErz9Bl';

function sealed(value: string, secret: string, previous: string | null = null): SealedTarget {
  return {
    url: 'https://hooks.example.com/x',
    headers: [{ key: 'Authorization', sealed: ring.seal(value, headersContext(ID)) }],
    signingSecret: ring.seal(secret, signingSecretContext(ID)),
    previousSecret: previous === null ? null : ring.seal(previous, signingSecretContext(ID)),
  };
}

describe('TargetCache', () => {
  test('opens once per version and sealed secrets: the same target object while nothing changed', () => {
    const cache = new TargetCache(secrets);
    const secret = newSigningSecret();
    const row = sealed('Bearer one', secret);
    const first = cache.open(ID, 3, row);
    expect(first).toEqual({ url: row.url, headers: [{ key: 'Authorization', value: 'Bearer one' }], signingSecret: secret, previousSecret: null });
    // The claim returns fresh strings each time: equal content is a hit.
    expect(cache.open(ID, 3, JSON.parse(JSON.stringify(row)))).toBe(first);
  });

  test('a new version (headers changed) or a rotated signing secret (same version) is opened again', () => {
    const cache = new TargetCache(secrets);
    const secret = newSigningSecret();
    const first = cache.open(ID, 3, sealed('Bearer one', secret));
    const changed = cache.open(ID, 4, sealed('Bearer two', secret));
    expect(changed).not.toBe(first);
    expect(changed.headers[0].value).toBe('Bearer two');

    const rotated = newSigningSecret();
    const afterRotation = cache.open(ID, 4, sealed('Bearer two', rotated, secret));
    expect(afterRotation).toMatchObject({ signingSecret: rotated, previousSecret: secret });
    const previousExpired = cache.open(ID, 4, sealed('Bearer two', rotated));
    expect(previousExpired.previousSecret).toBeNull();
  });

  test('a value that does not open throws and is not cached; the bound evicts the oldest', () => {
    const cache = new TargetCache(secrets, 2);
    const foreign = new Keyring([Buffer.from(generateKey(), 'base64')]);
    const bad: SealedTarget = { ...sealed('x', newSigningSecret()), signingSecret: foreign.seal('whsec_x', signingSecretContext(ID)) };
    expect(() => cache.open(ID, 1, bad)).toThrow(SecretUnreadableError);
    expect(cache.size).toBe(0);
    for (const id of ['whk_a', 'whk_b', 'whk_c']) {
      cache.open(id, 1, { url: 'https://h.example.com', headers: [], signingSecret: newSigningSecret(), previousSecret: null });
    }
    expect(cache.size).toBe(2);
  });
});

test('scrubSecrets cuts header values and signing secrets out of an echoed response', () => {
  const secret = newSigningSecret();
  const target = { url: 'https://h.example.com', headers: [{ key: 'Authorization', value: 'Bearer tok-123' }, { key: 'X-N', value: '1' }], signingSecret: secret, previousSecret: null };
  const echoed = JSON.stringify({ authorization: 'Bearer tok-123', 'x-n': '1', key: secret.slice('whsec_'.length) });
  const scrubbed = scrubSecrets(echoed, target)!;
  expect(scrubbed).not.toContain('tok-123');
  expect(scrubbed).not.toContain(secret.slice('whsec_'.length));
  expect(scrubbed).toContain('"x-n":"1"');
  expect(scrubSecrets(null, target)).toBeNull();
});
