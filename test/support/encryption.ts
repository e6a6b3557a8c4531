import { generateKey } from '../../api/secrets/keyring';

/**
 * The encryption key of test services on DATABASE_URL (which refuses to start without one): random per test
 * file, so nothing can pass by relying on a well-known key.
 */
export const TEST_ENCRYPTION_KEY = generateKey();
