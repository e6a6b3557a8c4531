import type { Principal } from '../auth/principal';
import type { AuditEvent } from './schema';

export type { AuditEvent } from './schema';

/** Who and what caused an event: an API call, or the control plane itself (worker steps). */
export interface Cause {
  actor: AuditEvent['actor'];
  chain: AuditEvent['caller_identity_chain'];
  clientAddr: string;
  userAgent: string;
  /** The evaluation that allowed the causing call; empty when none did (expiry). */
  evalId: string;
}

/** The control plane acting on its own (provisioning, expiry); `evalId` is the call that asked for it, if any. */
export function systemCause(evalId: string): Cause {
  return {
    actor: { type: 'CF::Service', id: 'ControlPlane', name: 'Common Fate', email: '' },
    chain: [{ id: { type: 'CF::Service', id: 'ControlPlane' } }],
    clientAddr: '',
    userAgent: '',
    evalId,
  };
}

/** Where an API call came from, as the audit event's `context.request` reports it (no HTTP framework types). */
export interface RequestOrigin {
  /** The peer's address; IPv4-mapped IPv6 addresses are shown as IPv4. */
  clientAddr: string;
  userAgent: string;
}

/** The cause of an API call's events: its principal, where the call came from and the evaluation that allowed it. */
export function principalCause(principal: Principal, origin: RequestOrigin, evalId: string): Cause {
  return {
    actor: { type: principal.type, id: principal.id, name: principal.name, email: principal.email },
    chain: principal.identityChain,
    clientAddr: origin.clientAddr,
    userAgent: origin.userAgent,
    evalId,
  };
}

/** Now, in whole microseconds since the epoch (exact in a double until the year 2255). */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** RFC 3339 with microseconds and an explicit +00:00 offset, like the seed's `occurred_at`. */
export function occurredAt(micros = nowMicros()): string {
  const ms = Math.floor(micros / 1000);
  return new Date(ms).toISOString().replace(/Z$/, `${String(micros - ms * 1000).padStart(3, '0')}+00:00`);
}
