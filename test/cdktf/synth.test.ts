/**
 * Synthesis of WebhookDestination: the JSON Terraform receives, and the synthesis-time validation that names
 * the offending property. Runs in-process with cdktf's Testing helpers; no Terraform, no API.
 */
import 'cdktf/lib/testing/adapters/jest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import {
  AUDIT_ACTIONS,
  CommonfateProvider,
  HeaderValue,
  WebhookDestination,
  WebhookIntegration,
  type AuditAction,
  type WebhookDestinationProps,
} from '../../cdktf/src';

Testing.setupJest();

function stackWith(build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), 'test');
  new CommonfateProvider(stack, 'commonfate');
  build(stack);
  return stack;
}

/** The validation error synthesis throws, or a failure when it does not throw. */
function synthError(build: (stack: TerraformStack) => void): string {
  const stack = stackWith(build);
  try {
    Testing.synth(stack, true);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('synthesis succeeded, expected a validation error');
}

const base: WebhookDestinationProps = { name: 'Audit sink', url: 'https://hooks.example.com/a', auditLogEvents: true };

describe('WebhookDestination synthesis', () => {
  test('an audit destination with a filter and headers becomes one commonfate_webhook_integration', () => {
    let synth = '';
    const stack = stackWith((s) => {
      const token = new TerraformVariable(s, 'token', { type: 'string', sensitive: true });
      new WebhookDestination(s, 'audit', {
        name: 'Audit sink',
        url: 'https://hooks.example.com/audit',
        auditLogEvents: true,
        auditActions: ['grant.requested', 'grant.revoked'],
        headers: [
          { name: 'Authorization', value: HeaderValue.fromSensitiveVariable(token, { prefix: 'Bearer ' }) },
          { name: 'X-Team', value: HeaderValue.plainText('platform') },
        ],
      });
    });
    synth = Testing.synth(stack, true);
    expect(synth).toHaveResourceWithProperties(WebhookIntegration, {
      name: 'Audit sink',
      url: 'https://hooks.example.com/audit',
      send_audit_log_events: true,
      send_authorization_events: false,
      filter_for_actions: ['grant.requested', 'grant.revoked'],
      headers: [
        { key: 'Authorization', value: 'Bearer ${var.token}' },
        { key: 'X-Team', value: 'platform' },
      ],
    });
    const doc = JSON.parse(synth);
    expect(doc.variable.token).toEqual({ type: 'string', sensitive: true });
    expect(Object.keys(doc.resource.commonfate_webhook_integration)).toHaveLength(1);
    expect(doc.terraform.required_providers.commonfate).toEqual({
      source: 'registry.terraform.io/common-fate/commonfate',
      version: '0.1.0',
    });
  });

  test('an authorization-only destination sends no audit events and carries no filter or headers', () => {
    const synth = Testing.synth(
      stackWith((s) => {
        new WebhookDestination(s, 'authz', { name: 'Authz', url: 'https://hooks.example.com/z', authorizationEvents: true });
      }),
      true,
    );
    expect(synth).toHaveResourceWithProperties(WebhookIntegration, {
      name: 'Authz',
      send_audit_log_events: false,
      send_authorization_events: true,
    });
    const [resource] = Object.values(JSON.parse(synth).resource.commonfate_webhook_integration) as any[];
    expect(resource.filter_for_actions).toBeUndefined();
    expect(resource.headers).toBeUndefined();
  });

  test('the id is a reference to the resource, usable in outputs and other resources', () => {
    const synth = Testing.synth(
      stackWith((s) => {
        const d = new WebhookDestination(s, 'authz', { ...base });
        new TerraformOutput(s, 'id', { value: d.id });
      }),
      true,
    );
    const doc = JSON.parse(synth);
    const [address] = Object.keys(doc.resource.commonfate_webhook_integration);
    expect(doc.output.id.value).toBe(`\${commonfate_webhook_integration.${address}.id}`);
  });

  test('a value from a sensitive variable never appears in the synthesized JSON, even when set in the environment', () => {
    const secret = 'tok-8c1f-never-synthesized';
    process.env.TF_VAR_token = secret;
    try {
      const synth = Testing.synth(
        stackWith((s) => {
          const token = new TerraformVariable(s, 'token', { type: 'string', sensitive: true });
          new WebhookDestination(s, 'audit', {
            ...base,
            headers: [{ name: 'Authorization', value: HeaderValue.fromSensitiveVariable(token) }],
          });
        }),
        true,
      );
      expect(synth).not.toContain(secret);
      expect(synth).toContain('"value": "${var.token}"');
    } finally {
      delete process.env.TF_VAR_token;
    }
  });

  test('tokens for the URL and name are left to plan-time validation', () => {
    const stack = stackWith((s) => {
      const url = new TerraformVariable(s, 'url', { type: 'string' });
      const name = new TerraformVariable(s, 'name', { type: 'string' });
      new WebhookDestination(s, 'audit', { ...base, name: name.stringValue, url: url.stringValue });
    });
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(WebhookIntegration, {
      name: '${var.name}',
      url: '${var.url}',
    });
  });

  test('every audit action of the API is accepted', () => {
    const synth = Testing.synth(
      stackWith((s) => void new WebhookDestination(s, 'audit', { ...base, auditActions: AUDIT_ACTIONS })),
      true,
    );
    expect(synth).toHaveResourceWithProperties(WebhookIntegration, { filter_for_actions: [...AUDIT_ACTIONS] });
  });
});

describe('WebhookDestination validation at synthesis', () => {
  test.each([
    ['not a URL', 'url: must be an absolute URL'],
    ['http://hooks.example.com/a', 'url: must use the https scheme (set allowHttp: true for local development)'],
    ['https://user:pw@hooks.example.com/a', 'url: must not contain credentials'],
    ['https://hooks.example.com/a#frag', 'url: must not contain a fragment'],
    ['', 'url: must not be empty'],
  ])('url %j is refused: %s', (url, message) => {
    expect(synthError((s) => void new WebhookDestination(s, 'd', { ...base, url }))).toContain(`[test/d] ${message}`);
  });

  test('plain http is accepted with allowHttp', () => {
    const stack = stackWith((s) => void new WebhookDestination(s, 'd', { ...base, url: 'http://127.0.0.1:9/x', allowHttp: true }));
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(WebhookIntegration, { url: 'http://127.0.0.1:9/x' });
  });

  test.each([
    ['', 'name: must not be empty'],
    ['   ', 'name: must not be empty'],
    ['x'.repeat(257), 'name: must be at most 256 characters'],
  ])('name %j is refused', (name, message) => {
    expect(synthError((s) => void new WebhookDestination(s, 'd', { ...base, name }))).toContain(`[test/d] ${message}`);
  });

  test.each([
    ['X Team', 'headers[0].name: must be a valid HTTP header name'],
    ['Content-Type', 'headers[0].name: "Content-Type" is reserved'],
    ['webhook-signature', 'headers[0].name: "webhook-signature" is reserved'],
    ['', 'headers[0].name: must not be empty'],
  ])('header name %j is refused', (name, message) => {
    const error = synthError(
      (s) => void new WebhookDestination(s, 'd', { ...base, headers: [{ name, value: HeaderValue.plainText('v') }] }),
    );
    expect(error).toContain(`[test/d] ${message}`);
  });

  test('a duplicate header name (ignoring case) is refused at its own index', () => {
    const error = synthError(
      (s) =>
        void new WebhookDestination(s, 'd', {
          ...base,
          headers: [
            { name: 'X-Team', value: HeaderValue.plainText('a') },
            { name: 'X-Other', value: HeaderValue.plainText('b') },
            { name: 'x-team', value: HeaderValue.plainText('c') },
          ],
        }),
    );
    expect(error).toContain('[test/d] headers[2].name: duplicates the header at index 0 (names ignore case)');
    expect(error).not.toContain('headers[1]');
  });

  test('more than 32 headers are refused', () => {
    const headers = Array.from({ length: 33 }, (_, i) => ({ name: `X-H${i}`, value: HeaderValue.plainText('v') }));
    expect(synthError((s) => void new WebhookDestination(s, 'd', { ...base, headers }))).toContain(
      '[test/d] headers: must hold at most 32 headers',
    );
  });

  test('a plain-text value with CR/LF is refused without echoing the value', () => {
    const value = 'ok\r\nX-Injected: leaked-7d2a';
    const error = synthError(
      (s) => void new WebhookDestination(s, 'd', { ...base, headers: [{ name: 'X-A', value: HeaderValue.plainText(value) }] }),
    );
    expect(error).toContain('[test/d] headers[0].value: must not contain CR, LF or NUL characters');
    expect(error).not.toContain('leaked-7d2a');
  });

  test('a value from a variable that is not sensitive is refused, naming the variable', () => {
    const error = synthError((s) => {
      const token = new TerraformVariable(s, 'token', { type: 'string' });
      new WebhookDestination(s, 'd', { ...base, headers: [{ name: 'Authorization', value: HeaderValue.fromSensitiveVariable(token) }] });
    });
    expect(error).toContain(
      '[test/d] headers[0].value: must come from a sensitive variable: declare variable "token" with sensitive: true',
    );
  });

  test('fromSensitiveToken refuses a literal string', () => {
    const error = synthError(
      (s) =>
        void new WebhookDestination(s, 'd', {
          ...base,
          headers: [{ name: 'Authorization', value: HeaderValue.fromSensitiveToken('Bearer literal-secret') }],
        }),
    );
    expect(error).toContain('[test/d] headers[0].value: must be a token');
    expect(error).not.toContain('literal-secret');
  });

  test('an unknown audit action (from a cast or the environment) is refused with its position', () => {
    const actions = ['grant.requested', 'grant.bogus'] as AuditAction[];
    const error = synthError((s) => void new WebhookDestination(s, 'd', { ...base, auditActions: actions }));
    expect(error).toContain('[test/d] auditActions[1]: "grant.bogus" is not an audit log action; expected one of grant.requested,');
    expect(error).not.toContain('auditActions[0]');
  });

  test('an action filter without audit log events is refused', () => {
    const error = synthError(
      (s) => void new WebhookDestination(s, 'd', { ...base, auditLogEvents: false, auditActions: ['grant.approved'] }),
    );
    expect(error).toContain('[test/d] auditActions: filters audit log events, so it needs auditLogEvents: true');
  });

  test('every problem is reported at once, each with its property', () => {
    const error = synthError(
      (s) =>
        void new WebhookDestination(s, 'd', {
          name: '',
          url: 'ftp://x',
          auditLogEvents: true,
          auditActions: ['nope' as AuditAction],
          headers: [{ name: 'Host', value: HeaderValue.plainText('h') }],
        }),
    );
    for (const property of ['name:', 'url:', 'auditActions[0]:', 'headers[0].name:']) expect(error).toContain(`[test/d] ${property}`);
  });

  test('App.synth() stops on the same errors', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cf-cdktf-')) });
    const stack = new TerraformStack(app, 'app');
    new CommonfateProvider(stack, 'commonfate');
    new WebhookDestination(stack, 'd', { ...base, url: 'http://hooks.example.com' });
    try {
      expect(() => app.synth()).toThrow(/\[app\/d\] url: must use the https scheme/);
    } finally {
      rmSync(app.outdir, { recursive: true, force: true });
    }
  });
});
