/**
 * The contract the API, the Terraform provider and the CDKTF construct agree on: audit actions, field limits,
 * header and URL rules, id prefixes. Plain TypeScript with no imports from outside this folder and no
 * packages, so each side (including the separately built CDKTF package) can import it as it is.
 */
export { AUDIT_ACTIONS, AUDIT_ACTION_DESCRIPTIONS, isAuditAction, type AuditAction } from './audit-actions';
export { ID_PREFIXES, KSUID_LENGTH, idPattern, isId, type IdKind } from './ids';
export {
  HEADER_KEY_PATTERN,
  LIMITS,
  RESERVED_HEADER_NAMES,
  STANDARD_WEBHOOK_HEADERS,
  headerKeyProblem,
  headerListProblems,
  headerValueProblem,
  urlProblem,
  type HeaderListProblem,
  type UrlPolicy,
} from './webhook-integration';
