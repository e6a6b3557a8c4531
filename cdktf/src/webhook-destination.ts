import { Construct } from 'constructs';
import { Token, type TerraformProvider } from 'cdktf';
import {
  AUDIT_ACTIONS,
  LIMITS,
  headerListProblems,
  isAuditAction,
  urlProblem,
  type AuditAction,
} from '../../contract';
import { WebhookIntegration } from './gen/providers/commonfate/webhook-integration';
import type { HeaderValue } from './header-value';

/** A custom HTTP header sent with every delivery. */
export interface WebhookHeader {
  /** Header name, e.g. `Authorization`. Names the delivery worker sets (Host, Content-Type, webhook-*, …) are refused. */
  readonly name: string;
  /** Header value: a sensitive variable or token, a write-only value, or plain text by explicit opt-in. */
  readonly value: HeaderValue;
}

export interface WebhookDestinationProps {
  /** Display name, 1 to 256 characters. */
  readonly name: string;
  /** Where events are POSTed; an absolute `https://` URL without credentials or fragment. */
  readonly url: string;
  /**
   * Accept a plain `http://` URL (local development and tests; the API also refuses one unless started with
   * `CF_WEBHOOK_ALLOW_HTTP=true`). Default false.
   */
  readonly allowHttp?: boolean;
  /** Send audit log events (grant requested, approved, …). Default false. */
  readonly auditLogEvents?: boolean;
  /**
   * Only send audit log events with these actions; unset or empty sends every action. Needs
   * `auditLogEvents: true`.
   */
  readonly auditActions?: readonly AuditAction[];
  /** Send an authorization event for every API authorization decision. Default false. */
  readonly authorizationEvents?: boolean;
  /** Custom headers, sent in this order (at most 32; names unique ignoring case). */
  readonly headers?: readonly WebhookHeader[];
  /**
   * Version of the write-only header values ({@link HeaderValue.writeOnly}): required with any, and changing it
   * (e.g. incrementing it) makes the provider send them again. Terraform keeps no copy of a write-only value,
   * so this is how a new one is rolled out.
   */
  readonly headersWriteOnlyVersion?: number;
  /** The provider to manage it with, when the stack has more than one `commonfate` provider (aliases). */
  readonly provider?: TerraformProvider;
}

/**
 * A destination for Common Fate audit log and/or authorization events: one `commonfate_webhook_integration`
 * with typed audit actions, secret-only header values and synthesis-time validation that applies the same rules
 * as the API, so a mistake fails `synth` with the property named instead of failing `apply` later.
 */
export class WebhookDestination extends Construct {
  /** The underlying resource, for escape hatches (`addOverride`, lifecycle, depends_on). */
  readonly integration: WebhookIntegration;

  constructor(scope: Construct, id: string, private readonly props: WebhookDestinationProps) {
    super(scope, id);
    this.integration = new WebhookIntegration(this, 'integration', {
      provider: props.provider,
      name: props.name,
      url: props.url,
      sendAuditLogEvents: props.auditLogEvents ?? false,
      sendAuthorizationEvents: props.authorizationEvents ?? false,
      filterForActions: props.auditActions && props.auditActions.length > 0 ? [...props.auditActions] : undefined,
      headers: props.headers?.map((h) =>
        h.value.writeOnly ? { key: h.name, valueWo: h.value.terraformValue } : { key: h.name, value: h.value.terraformValue },
      ),
      headersWoVersion: props.headersWriteOnlyVersion,
    });
    this.node.addValidation({ validate: () => this.problems() });
  }

  /** The integration's id (`whk_…`), known after apply. */
  get id(): string {
    return this.integration.id;
  }

  /** Every problem with the props, each message starting with the property it is about. */
  private problems(): string[] {
    const p = this.props;
    const out: string[] = [];
    if (!Token.isUnresolved(p.name)) {
      // As the API measures it: after trimming surrounding whitespace.
      const name = p.name.trim();
      if (name.length === 0) out.push('name: must not be empty');
      else if (name.length > LIMITS.nameMaxLength) out.push(`name: must be at most ${LIMITS.nameMaxLength} characters`);
    }
    if (!Token.isUnresolved(p.url)) {
      const problem = urlProblem(p.url, { allowHttp: p.allowHttp ?? false });
      if (problem) {
        const hint = !p.allowHttp && p.url.startsWith('http://') ? ' (set allowHttp: true for local development)' : '';
        out.push(`url: ${problem}${hint}`);
      }
    }
    (p.auditActions ?? []).forEach((action, i) => {
      // The type forbids unknown actions; this catches values that bypass it (casts, JSON, environment).
      if (!isAuditAction(action)) {
        out.push(`auditActions[${i}]: "${action}" is not an audit log action; expected one of ${AUDIT_ACTIONS.join(', ')}`);
      }
    });
    if ((p.auditActions?.length ?? 0) > 0 && p.auditLogEvents !== true) {
      out.push('auditActions: filters audit log events, so it needs auditLogEvents: true');
    }
    out.push(...this.headerProblems());
    return out;
  }

  private headerProblems(): string[] {
    const headers = this.props.headers ?? [];
    const out: string[] = [];
    // Names given as tokens are known only at apply time: stand-ins that pass every rule keep the indexes (and
    // so the messages) lined up with the user's list. Values were checked when each HeaderValue was made.
    const checked = headers.map((h, i) => ({ key: Token.isUnresolved(h.name) ? `X-Unresolved-${i}` : h.name, value: '' }));
    for (const problem of headerListProblems(checked)) {
      if (problem.index < 0) out.push(`headers: ${problem.message}`);
      else out.push(`headers[${problem.index}].${problem.field === 'value' ? 'value' : 'name'}: ${problem.message}`);
    }
    headers.forEach((h, i) => {
      for (const problem of h.value.problems) out.push(`headers[${i}].value: ${problem}`);
    });
    const writeOnly = headers.findIndex((h) => h.value.writeOnly);
    if (writeOnly >= 0 && this.props.headersWriteOnlyVersion === undefined) {
      out.push(
        `headersWriteOnlyVersion: is required because headers[${writeOnly}] is write-only; set it (e.g. 1) and change it to send new write-only values`,
      );
    }
    return out;
  }
}
