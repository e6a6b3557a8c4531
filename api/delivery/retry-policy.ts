import type { DeliveryOutcome } from './metrics';

/**
 * What one attempt's outcome means for its delivery (retry schedule, jitter, Retry-After) and for its
 * destination's circuit. Pure functions: no I/O, no clock unless passed in.
 */

/** The parts of an attempt's outcome the policy looks at. */
export interface AttemptResult {
  /** HTTP status, or null when no response arrived (refused, timed out, connection or DNS error). */
  statusCode: number | null;
  /** The response's Retry-After, in milliseconds, when present and valid. */
  retryAfterMs?: number;
}

/** Longest Retry-After honoured: one day. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** Parses Retry-After (delta-seconds or an HTTP date) into milliseconds from `now`; undefined when invalid. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const trimmed = text.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** ±20% jitter around a scheduled delay, so retries of a burst don't arrive together. */
export function jittered(seconds: number, random: () => number): number {
  return seconds * (0.8 + 0.4 * random());
}

/** The delivery's next state after an attempt. */
export interface Decision {
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  /** Seconds until the next attempt (status PENDING), else null. */
  retryInSeconds: number | null;
  /**
   * ok: a success (UNHEALTHY becomes HEALTHY); exhausted: retries ran out (UNHEALTHY); gone: 410 (DISABLED);
   * null: no change.
   */
  health: 'ok' | 'exhausted' | 'gone' | null;
  outcome: DeliveryOutcome;
}

/**
 * What an attempt's outcome means: 2xx delivered; 410 disables the integration; anything else is retried after
 * the schedule's delay for this attempt (or the response's Retry-After) until the schedule runs out.
 * `retryable` false (the event vanished) fails at once.
 */
export function decide(
  outcome: AttemptResult,
  attemptNumber: number,
  schedule: readonly number[],
  random: () => number,
  retryable = true,
): Decision {
  const code = outcome.statusCode;
  if (code !== null && code >= 200 && code < 300) return { status: 'SUCCEEDED', retryInSeconds: null, health: 'ok', outcome: 'succeeded' };
  if (code === 410) return { status: 'FAILED', retryInSeconds: null, health: 'gone', outcome: 'disabled' };
  if (retryable && attemptNumber <= schedule.length) {
    const retryIn = outcome.retryAfterMs !== undefined ? outcome.retryAfterMs / 1000 : jittered(schedule[attemptNumber - 1], random);
    return { status: 'PENDING', retryInSeconds: retryIn, health: null, outcome: 'retry_scheduled' };
  }
  return { status: 'FAILED', retryInSeconds: null, health: 'exhausted', outcome: 'failed' };
}

/**
 * Whether an outcome says the destination is failing, for its circuit: no response (timeouts, refused or reset
 * connections, DNS failures, SSRF refusals), 5xx, 408 and 429 (both ask the sender to slow down). Other
 * answers — 2xx, and 4xx such as 400, 401 or 404 — show a destination that is up and answering, so they count
 * as successes: a misconfigured path is the delivery's problem, not a reason to throttle everything else.
 */
export function isDestinationFailure(outcome: AttemptResult): boolean {
  const code = outcome.statusCode;
  return code === null || code >= 500 || code === 408 || code === 429;
}
