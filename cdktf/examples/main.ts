/**
 * Example: Common Fate webhook destinations with CDKTF.
 *
 *   npx tsx main.ts                       # or `cdktf synth` in this directory
 *   cd cdktf.out/stacks/webhooks && terraform init && terraform apply
 *
 * Settings (environment, read at synthesis):
 *   WEBHOOK_BASE_URL  where the receivers live (default https://webhooks.example.com); http:// is accepted for
 *                     localhost and 127.0.0.1 only, for local development.
 *   AUDIT_ACTIONS     comma-separated audit actions the audit sink receives (default grant.requested,grant.approved).
 * At apply time: CF_API_URL and CF_API_KEY configure the provider, TF_VAR_audit_sink_token the secret header.
 */
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { CommonfateProvider, HeaderValue, WebhookDestination, type AuditAction } from '../src';

export interface WebhooksStackProps {
  /** Base URL of the receivers. */
  readonly baseUrl: string;
  /** What the audit sink receives. */
  readonly auditActions: readonly AuditAction[];
}

export class WebhooksStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: WebhooksStackProps) {
    super(scope, id);
    const local = ['localhost', '127.0.0.1'].includes(new URL(props.baseUrl).hostname);

    // api_url and api_key come from CF_API_URL and CF_API_KEY, so no credential is written into the stack.
    new CommonfateProvider(this, 'commonfate');

    const token = new TerraformVariable(this, 'audit_sink_token', {
      type: 'string',
      sensitive: true,
      description: 'Bearer token the audit sink expects',
    });

    const audit = new WebhookDestination(this, 'audit_sink', {
      name: 'Audit sink',
      url: `${props.baseUrl}/audit`,
      allowHttp: local,
      auditLogEvents: true,
      auditActions: props.auditActions,
      headers: [
        { name: 'Authorization', value: HeaderValue.fromSensitiveVariable(token, { prefix: 'Bearer ' }) },
        { name: 'X-Team', value: HeaderValue.plainText('platform') },
      ],
    });

    const authz = new WebhookDestination(this, 'authz_monitor', {
      name: 'Authorization monitor',
      url: `${props.baseUrl}/authz`,
      allowHttp: local,
      authorizationEvents: true,
    });

    new TerraformOutput(this, 'audit_sink_id', { value: audit.id });
    new TerraformOutput(this, 'authz_monitor_id', { value: authz.id });
  }
}

if (require.main === module) {
  const app = new App(); // writes to $CDKTF_OUTDIR, default ./cdktf.out
  new WebhooksStack(app, 'webhooks', {
    baseUrl: process.env.WEBHOOK_BASE_URL ?? 'https://webhooks.example.com',
    // Strings from the environment are checked at synthesis: an unknown action fails with its position.
    auditActions: (process.env.AUDIT_ACTIONS ?? 'grant.requested,grant.approved').split(',') as AuditAction[],
  });
  app.synth();
}
