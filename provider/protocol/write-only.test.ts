/**
 * Write-only attributes in the protocol layer, through the wire codec the provider serves: declared in the schema,
 * refused from a CLI that does not announce support, and null in every plan the provider returns. (The real
 * terraform side is test/terraform/write_only.test.ts.)
 */
import { createProvider } from '../provider';
import { decodeMessage, encodeMessage } from './wire';
import * as M from './messages';
import { decodeValue, encodeValue } from './msgpack';
import { ProviderServer } from './provider-server';
import type { Logger } from './log';
import type { ObjectValue } from './values';

const quiet: Logger = { log: () => undefined, enabled: () => false };
const server = new ProviderServer(createProvider({}), quiet);
const TYPE = 'commonfate_webhook_integration';

/** A ValidateResourceConfig request as it crosses the wire: encoded, then decoded with the provider's descriptor. */
const onTheWire = (message: Record<string, unknown>) =>
  decodeMessage(M.ValidateResourceConfigRequest, encodeMessage(M.ValidateResourceConfigRequest, message)) as Record<string, any>;

const resource = (headers: ObjectValue[], extra: ObjectValue = {}): ObjectValue => ({
  id: null,
  name: 'n',
  url: 'https://example.com/h',
  send_audit_log_events: null,
  send_authorization_events: null,
  headers,
  headers_wo_version: 1,
  filter_for_actions: null,
  ...extra,
});

test('the schema declares headers[*].value_wo write-only (field 11) and nothing else', () => {
  const bytes = encodeMessage(M.GetProviderSchemaResponse, server.getProviderSchema());
  const schema = decodeMessage(M.GetProviderSchemaResponse, bytes) as Record<string, any>;
  const attributes = schema.resource_schemas[TYPE].block.attributes as Array<Record<string, any>>;
  const headers = attributes.find((a) => a.name === 'headers')!;
  const nested = headers.nested_type.attributes as Array<Record<string, any>>;
  expect(nested.filter((a) => a.write_only).map((a) => a.name)).toEqual(['value_wo']);
  expect(attributes.filter((a) => a.write_only)).toEqual([]);
  expect(attributes.find((a) => a.name === 'headers_wo_version')).toMatchObject({ optional: true, write_only: false });
});

test('a CLI without write_only_attributes_allowed gets an error pointing at the header; Terraform 1.11 does not', async () => {
  const config = { msgpack: encodeValue(resource([{ key: 'A', value: null, value_wo: 'secret-y' }])) };
  const old = await server.validateResourceConfig(onTheWire({ type_name: TYPE, config }));
  expect(old.diagnostics).toEqual([
    expect.objectContaining({
      summary: 'Write-only attribute not supported',
      detail: expect.stringContaining('headers[0].value_wo is write-only, which needs Terraform 1.11 or later'),
      attribute: { steps: [{ attribute_name: 'headers' }, { element_key_int: 0 }] },
    }),
  ]);
  expect(JSON.stringify(old.diagnostics)).not.toContain('secret-y');
  const current = await server.validateResourceConfig(
    onTheWire({ type_name: TYPE, config, client_capabilities: { write_only_attributes_allowed: true } }),
  );
  expect(current.diagnostics).toEqual([]);
});

test('a planned state never carries a write-only value, whatever Terraform proposes', async () => {
  const proposed = resource([{ key: 'A', value: null, value_wo: 'secret-y' }]);
  const res = await server.planResourceChange({
    type_name: TYPE,
    prior_state: { msgpack: encodeValue(null) },
    proposed_new_state: { msgpack: encodeValue(proposed) },
    config: { msgpack: encodeValue(proposed) },
  });
  expect(res.diagnostics).toEqual([]);
  const planned = decodeValue(res.planned_state.msgpack) as Record<string, any>;
  expect(planned.headers).toEqual([{ key: 'A', value: null, value_wo: null }]);
  expect(planned.headers_wo_version).toBe(1);
});
