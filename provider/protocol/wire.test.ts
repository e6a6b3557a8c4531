import * as M from './messages';
import { decodeMessage, encodeMessage } from './wire';
import { decodeValue, encodeValue } from './msgpack';
import { UNKNOWN } from './values';

describe('protobuf wire codec', () => {
  test('a list index of 0 in an attribute path is sent (oneof members are never omitted)', () => {
    const bytes = encodeMessage(M.Diagnostic, {
      severity: M.SEVERITY_ERROR,
      summary: 's',
      detail: '',
      attribute: { steps: [{ attribute_name: 'headers' }, { element_key_int: 0 }] },
    });
    const back = decodeMessage<any>(M.Diagnostic, bytes);
    expect(back.attribute.steps).toEqual([{ attribute_name: 'headers' }, { element_key_int: 0 }]);
    expect(back.detail).toBe('');
  });

  test('maps of messages, repeated messages and large varints round-trip', () => {
    const msg = {
      provider: { version: 300, block: { version: 0, attributes: [{ name: 'a', type: new Uint8Array([34, 115, 34]), required: true }] } },
      resource_schemas: { r1: { version: 1 }, r2: { version: 2 ** 40 } },
      data_source_schemas: {},
      diagnostics: [],
      server_capabilities: { get_provider_schema_optional: true },
    };
    const back = decodeMessage<any>(M.GetProviderSchemaResponse, encodeMessage(M.GetProviderSchemaResponse, msg));
    expect(back.provider.version).toBe(300);
    expect(back.provider.block.attributes[0].name).toBe('a');
    expect(back.provider.block.attributes[0].required).toBe(true);
    expect(Buffer.from(back.provider.block.attributes[0].type).toString()).toBe('"s"');
    expect(back.resource_schemas.r2.version).toBe(2 ** 40);
    expect(back.server_capabilities.get_provider_schema_optional).toBe(true);
  });

  test('fields unknown to the descriptor are skipped', () => {
    // Field 9 (varint 7) and field 10 (bytes "xy") followed by type_name = "t".
    const bytes = new Uint8Array([0x48, 7, 0x52, 2, 120, 121, 0x0a, 1, 116]);
    expect(decodeMessage<any>(M.ValidateConfigRequest, bytes).type_name).toBe('t');
  });
});

describe('msgpack values', () => {
  test('unknowns encode as extension 0 and any extension decodes as unknown', () => {
    const bytes = encodeValue({ id: UNKNOWN, tags: ['a', null] });
    expect(decodeValue(bytes)).toEqual({ id: UNKNOWN, tags: ['a', null] });
    // fixext1, type 12 (a refined unknown) -> unknown
    expect(decodeValue(new Uint8Array([0xd4, 12, 0]))).toBe(UNKNOWN);
    expect(decodeValue(new Uint8Array([0xc0]))).toBeNull();
  });
});
