/**
 * Write-only header values (`headers[*].value_wo`, Terraform 1.11) through the real terraform binary, the bundled
 * provider and the real API: they reach the API and a real receiver, never the plan or the state file; bumping
 * headers_wo_version sends them again; import and destroy; and the plan-time rules.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { acceptanceContext, api, type Workspace } from './harness';

const FIRST = 'wo-first-4f1c9a7e2b';
const SECOND = 'wo-second-8d0b3e6a51';
const PLAIN = 'plain-team-value';

/** A loopback receiver that records the headers of every POST (a real HTTP destination for test events). */
async function startReceiver(): Promise<{ url: string; received: IncomingHttpHeaders[]; server: Server }> {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    received.push(req.headers);
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

function config(o: { url: string; version: number | null; name?: string; extraHeader?: boolean }): string {
  return `
variable "token" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "commonfate_webhook_integration" "hook" {
  name = "${o.name ?? 'Write-only sink'}"
  url  = "${o.url}"
  headers = [
    { key = "Authorization", value_wo = "Bearer \${var.token}" },
    { key = "X-Team", value = "${PLAIN}" },${o.extraHeader ? '\n    { key = "X-Extra", value_wo = var.token },' : ''}
  ]
  ${o.version === null ? '' : `headers_wo_version = ${o.version}`}
}

output "id" {
  value = commonfate_webhook_integration.hook.id
}
`;
}

describe('write-only header values', () => {
  const ctx = acceptanceContext({ env: { CF_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8' } });
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let client: ReturnType<typeof api>;
  let ws: Workspace;
  let id: string;

  /** Headers the integration's test event arrives with at the receiver. */
  async function delivered(): Promise<IncomingHttpHeaders> {
    const before = receiver.received.length;
    const res = await fetch(`${ctx.service.baseUrl}/v1/webhook-integrations/${id}/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.service.apiKey}` },
    });
    expect(res.status).toBe(200);
    expect(receiver.received.length).toBe(before + 1);
    return receiver.received[before];
  }

  /** The state file as bytes on disk, and the resource's attributes in it. */
  function stateFile(w: Workspace) {
    const text = w.read('terraform.tfstate');
    const attributes = JSON.parse(text).resources[0].instances[0].attributes;
    return { text, attributes };
  }

  function expectNoSecretsIn(text: string) {
    expect(text).not.toContain(FIRST);
    expect(text).not.toContain(SECOND);
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    client = api(ctx.service.baseUrl, ctx.service.apiKey);
    ws = ctx.workspace({ TF_VAR_token: FIRST });
    ws.write(config({ url: receiver.url, version: 1 }));
    await ws.init();
  });

  afterAll(() => new Promise((r) => receiver?.server.close(r)));

  test('create: value_wo reaches the API and the receiver, never the plan or the state; the next plan is empty', async () => {
    const plan = await ws.ok(['plan']);
    expect(plan.stdout).toContain('value_wo = (write-only attribute)');
    expectNoSecretsIn(plan.stdout + plan.stderr);

    const apply = await ws.ok(['apply', '-auto-approve']);
    expectNoSecretsIn(apply.stdout + apply.stderr);
    id = (await ws.ok(['output', '-raw', 'id'])).stdout;

    expect((await client.get(id)).body.headers).toEqual([
      { key: 'Authorization', value: `Bearer ${FIRST}` },
      { key: 'X-Team', value: PLAIN },
    ]);
    expect((await delivered()).authorization).toBe(`Bearer ${FIRST}`);

    const { text, attributes } = stateFile(ws);
    expectNoSecretsIn(text);
    expect(attributes.headers).toEqual([
      { key: 'Authorization', value: null, value_wo: null },
      { key: 'X-Team', value: PLAIN, value_wo: null },
    ]);
    expect(attributes.headers_wo_version).toBe(1);
    await ws.ok(['plan', '-detailed-exitcode'], 0);
  });

  test('a new write-only value alone changes nothing (drift on it cannot be detected); bumping headers_wo_version sends it, and the next plan is empty', async () => {
    const unchanged = await ws.ok(['plan', '-detailed-exitcode'], 0, { TF_VAR_token: SECOND });
    expect(unchanged.stdout).toContain('No changes.');
    expect((await client.get(id)).body.headers[0].value).toBe(`Bearer ${FIRST}`);

    ws.write(config({ url: receiver.url, version: 2 }));
    const plan = await ws.ok(['plan', '-detailed-exitcode'], 2, { TF_VAR_token: SECOND });
    expect(plan.stdout).toMatch(/~ headers_wo_version\s+= 1 -> 2/);
    expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
    await ws.ok(['apply', '-auto-approve'], 0, { TF_VAR_token: SECOND });

    expect((await client.get(id)).body.headers[0]).toEqual({ key: 'Authorization', value: `Bearer ${SECOND}` });
    expect((await delivered()).authorization).toBe(`Bearer ${SECOND}`);
    const { text, attributes } = stateFile(ws);
    expectNoSecretsIn(text);
    expect(attributes.headers_wo_version).toBe(2);
    await ws.ok(['plan', '-detailed-exitcode'], 0, { TF_VAR_token: SECOND });
  });

  test('other changes keep the stored write-only value; a write-only header new to the state is sent', async () => {
    // The variable differs, the version does not: the API keeps what it has for Authorization, and X-Extra
    // (new, so nothing is stored to keep) is sent.
    ws.write(config({ url: receiver.url, version: 2, name: 'Renamed sink', extraHeader: true }));
    await ws.ok(['apply', '-auto-approve'], 0, { TF_VAR_token: FIRST });
    expect((await client.get(id)).body).toMatchObject({
      name: 'Renamed sink',
      headers: [
        { key: 'Authorization', value: `Bearer ${SECOND}` },
        { key: 'X-Team', value: PLAIN },
        { key: 'X-Extra', value: FIRST },
      ],
    });
    expectNoSecretsIn(stateFile(ws).text);
    await ws.ok(['plan', '-detailed-exitcode'], 0, { TF_VAR_token: FIRST });

    ws.write(config({ url: receiver.url, version: 2, name: 'Renamed sink' }));
    await ws.ok(['apply', '-auto-approve'], 0, { TF_VAR_token: SECOND });
    expect((await client.get(id)).body.headers.map((h: { key: string }) => h.key)).toEqual(['Authorization', 'X-Team']);
  });

  test('an import block imports it, sends the write-only values, and leaves them out of the state', async () => {
    const other = ctx.workspace({ TF_VAR_token: SECOND });
    other.write(`${config({ url: receiver.url, version: 2, name: 'Renamed sink' })}
import {
  to = commonfate_webhook_integration.hook
  id = "${id}"
}
`);
    await other.init();
    const plan = await other.ok(['plan']);
    expect(plan.stdout).toContain('Plan: 1 to import, 0 to add, 1 to change, 0 to destroy.');
    expectNoSecretsIn(plan.stdout);
    await other.ok(['apply', '-auto-approve']);
    const { text, attributes } = stateFile(other);
    expectNoSecretsIn(text);
    expect(attributes.headers[0]).toEqual({ key: 'Authorization', value: null, value_wo: null });
    await other.ok(['plan', '-detailed-exitcode'], 0);
    expect((await client.get(id)).body.headers[0].value).toBe(`Bearer ${SECOND}`);
  });

  test('terraform import copies what the credentials may read; the next apply leaves the state without it', async () => {
    const other = ctx.workspace({ TF_VAR_token: SECOND });
    other.write(config({ url: receiver.url, version: 2, name: 'Renamed sink' }));
    await other.init();
    await other.ok(['import', 'commonfate_webhook_integration.hook', id]);
    expect(stateFile(other).text).toContain(SECOND); // documented: import reads values like a refresh
    await other.ok(['apply', '-auto-approve']);
    expectNoSecretsIn(stateFile(other).text);
    await other.ok(['plan', '-detailed-exitcode'], 0);
  });

  test('destroy deletes it and empties the state', async () => {
    await ws.ok(['destroy', '-auto-approve'], 0, { TF_VAR_token: SECOND });
    expect((await client.get(id)).status).toBe(404);
    expect(await ws.stateValues()).toEqual({});
    expectNoSecretsIn(ws.read('terraform.tfstate') + ws.read('terraform.tfstate.backup'));
  });

  test.each([
    ['both value and value_wo', '{ key = "A", value = "x", value_wo = "y" }', '', 'Conflicting header values', 'sets both value and value_wo'],
    ['neither', '{ key = "A" }', '', 'Missing header value', 'needs a value'],
    ['value_wo without headers_wo_version', '{ key = "A", value_wo = "y" }', '', 'Missing headers_wo_version', 'headers_wo_version is required'],
  ])('plan refuses %s, pointing at the header', async (_label, header, extra, summary, detail) => {
    const w = ctx.workspace();
    w.write(`
resource "commonfate_webhook_integration" "bad" {
  name    = "n"
  url     = "https://example.com/h"
  headers = [
    ${header},
  ]
  ${extra}
}
`);
    await w.init();
    const res = await w.run(['plan', '-no-color']);
    expect(res.code).toBe(1);
    const out = res.stderr.replace(/\n(?!\n)/g, ' ');
    expect(out).toContain(`Error: ${summary}`);
    expect(out).toContain(detail);
    expect(out).toContain(header);
  });
});
