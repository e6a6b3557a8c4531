import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { newId } from '../ids';
import type { Principal } from '../auth/principal';
import type { RpcAction } from './actions';
import type { AuthorizationEvent } from '../authorization-evaluations/schema';
import { DEFAULT_POLICIES } from './policies';

/** The authorization event: its shape (and JSON Schema) is defined in authorization-evaluations/schema.ts. */
export type { AuthorizationEvent } from '../authorization-evaluations/schema';

export const CONTROL_PLANE = { type: 'CF::Service', id: 'ControlPlane' } as const;
const POLICY_SET_ID = 'default';

/** RFC 3339 with microseconds: Date has milliseconds, the high-resolution clock supplies the rest. */
export function microTimestamp(): string {
  const nowMs = performance.timeOrigin + performance.now();
  const whole = Math.floor(nowMs);
  const micros = Math.floor((nowMs - whole) * 1000);
  return new Date(whole).toISOString().replace('Z', String(micros).padStart(3, '0') + 'Z');
}

/**
 * Whether a response may show secrets (header values) or must show only that they exist. Settled by a Cedar
 * decision on an action such as ACTIONS.readHeaderValues, never by comparing roles in code.
 */
export type SecretAccess = 'reveal' | 'redact';

interface Verdict {
  allowed: boolean;
  reason: string[];
  errors: string[];
}

/**
 * Decides API calls with Cedar. The policy set is parsed once and cached inside the Wasm module.
 *
 * A decision is a pure function of (policies, principal, its role, action, context), and the policies are fixed
 * for the life of the process, so verdicts are memoised per (principal, role, action): crossing into Wasm costs
 * about 0.1 ms, a fifth of a GET's CPU (bench/api.ts). Every call still produces and stores its own evaluation,
 * whose `evaluation_duration` is the time this call actually took.
 */
export class Authorizer {
  private readonly verdicts = new Map<string, Verdict>();
  private static readonly MAX_MEMO = 10_000;

  constructor(
    policies: Record<string, string> = DEFAULT_POLICIES,
    /** Told of every decision (metrics). */
    private readonly observe?: (actionId: string, allowed: boolean) => void,
  ) {
    const parsed = cedar.preparsePolicySet(POLICY_SET_ID, { staticPolicies: policies });
    if (parsed.type !== 'success') {
      throw new Error(`invalid Cedar policies: ${parsed.errors.map((e) => e.message).join('; ')}`);
    }
  }

  decide(principal: Principal, action: RpcAction): AuthorizationEvent {
    const started = process.hrtime.bigint();
    const evaluatedAt = microTimestamp();
    const principalUid = { type: principal.type, id: principal.id };
    const verdict = this.verdict(principal, action);
    const elapsed = Number(process.hrtime.bigint() - started);
    const { allowed, reason, errors } = verdict;
    this.observe?.(action.id, allowed);
    return {
      id: newId('evaluation'),
      request: {
        principal: principalUid,
        action: { type: 'CF::RPC::Action', id: action.id },
        resource: { ...CONTROL_PLANE },
        client_key: '',
        overlay_entities: [],
        overlay_children: [],
        tags: [{ key: 'read_only', value: String(action.readOnly) }],
      },
      decision: allowed ? 2 : 4,
      diagnostics: { reason: [...reason], errors: [...errors], annotations: [] },
      client_key: '',
      evaluated_at: evaluatedAt,
      evaluation_duration: `${(elapsed / 1e9).toFixed(9)}s`,
      allowed,
    };
  }

  /**
   * Whether the policies would allow `principal` to call `action`, without producing an authorization event: a
   * question about a call not (yet) made, e.g. which buttons a client shows. The call itself, if made, is decided
   * and recorded by `decide` as usual.
   */
  permits(principal: Principal, action: RpcAction): boolean {
    return this.verdict(principal, action).allowed;
  }

  /**
   * Whether `principal` may see the secrets `action` guards in a response. The decision of a part of a call, not
   * of a call: it is not stored as an authorization event of its own (the call's own decision is).
   */
  secretAccess(principal: Principal, action: RpcAction): SecretAccess {
    return this.verdict(principal, action).allowed ? 'reveal' : 'redact';
  }

  private verdict(principal: Principal, action: RpcAction): Verdict {
    const memoKey = `${principal.type}\u0000${principal.id}\u0000${principal.role}\u0000${action.id}\u0000${action.readOnly}`;
    let verdict = this.verdicts.get(memoKey);
    if (!verdict) {
      verdict = this.evaluate(principal, action);
      if (this.verdicts.size >= Authorizer.MAX_MEMO) this.verdicts.clear();
      this.verdicts.set(memoKey, verdict);
    }
    return verdict;
  }

  private evaluate(principal: Principal, action: RpcAction): Verdict {
    const principalUid = { type: principal.type, id: principal.id };
    const answer = cedar.statefulIsAuthorized({
      principal: principalUid,
      action: { type: 'CF::RPC::Action', id: action.id },
      resource: CONTROL_PLANE,
      context: { read_only: action.readOnly },
      preparsedPolicySetId: POLICY_SET_ID,
      entities: [
        { uid: principalUid, attrs: { role: principal.role }, parents: [] },
        { uid: CONTROL_PLANE, attrs: {}, parents: [] },
      ],
    });
    const allowed = answer.type === 'success' && answer.response.decision === 'allow';
    const reason = answer.type === 'success' ? answer.response.diagnostics.reason : [];
    const errors =
      answer.type === 'success'
        ? answer.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`)
        : answer.errors.map((e) => e.message);
    return { allowed, reason, errors };
  }
}
