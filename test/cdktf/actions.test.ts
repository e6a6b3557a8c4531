/** CDKTF's AuditAction union is the contract's: the four newer actions type-check and synthesize. */
import 'cdktf/lib/testing/adapters/jest';
import { Testing, TerraformStack } from 'cdktf';
import { AUDIT_ACTIONS, CommonfateProvider, WebhookDestination, WebhookIntegration, type AuditAction } from '../../cdktf/src';

Testing.setupJest();

test('breakglass, force-close and proxy session actions are AuditActions the construct accepts', () => {
  // A typo here would be a compile error (npm test type-checks this file).
  const newer: AuditAction[] = ['grant.breakglass_activated', 'grant.force_closed', 'proxy.session.started', 'proxy.session.ended'];
  expect(AUDIT_ACTIONS).toHaveLength(15);
  const stack = new TerraformStack(Testing.app(), 'actions');
  new CommonfateProvider(stack, 'commonfate');
  new WebhookDestination(stack, 'sessions', { name: 'Sessions', url: 'https://hooks.example.com/s', auditLogEvents: true, auditActions: newer });
  const synth = Testing.synth(stack, true);
  expect(synth).toHaveResourceWithProperties(WebhookIntegration, { filter_for_actions: newer });
});
