/**
 * The errors authentication throws besides a missing credential: a token that is refused (401, with the
 * RFC 6750 `error="invalid_token"` challenge) and an identity provider that could not be asked (503: the
 * caller did nothing wrong and may retry). Details go to the caller: they never contain a credential.
 */
import { AppError } from '../errors';

export const invalidToken = (detail: string) =>
  new AppError('unauthenticated', detail, undefined, { 'WWW-Authenticate': 'Bearer realm="commonfate", error="invalid_token"' });

export const identityProviderUnavailable = (detail: string) =>
  new AppError('unavailable', `${detail} Retry the request.`, undefined, { 'Retry-After': '5' });
