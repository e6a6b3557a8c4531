import type { Role } from './api-keys';

/** Who is calling: the Cedar principal plus what the audit log says about them. */
export interface Principal {
  type: 'CF::Service' | 'CF::User';
  id: string;
  role: Role;
  /** Display name (API key name, token `name` claim). */
  name: string;
  email: string;
  /** How the caller authenticated, outermost first, in the audit event's `caller_identity_chain` shape. */
  identityChain: Array<{ id: { type: string; id: string } }>;
}
