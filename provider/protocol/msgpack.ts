/**
 * The msgpack wire form of Terraform values (DynamicValue.msgpack). Terraform encodes unknowns as msgpack
 * extensions; newer versions send "refined" unknowns with extension type 12, so every extension type decodes
 * to UNKNOWN. We always send extension type 0 with one zero byte, the form every Terraform version reads.
 */
import { Decoder, Encoder, ExtData, ExtensionCodec } from '@msgpack/msgpack';
import { UNKNOWN, type ObjectValue, type Unknown, type Value } from './values';

const extensions = new ExtensionCodec();
extensions.register({
  type: 0,
  encode: (input: unknown) => (input === UNKNOWN ? new Uint8Array([0]) : null),
  decode: () => UNKNOWN,
});
// One of each for the process: the functions decode() and encode() build a fresh Decoder or Encoder (buffers,
// key caches) per call, measurable per RPC in a provider process that never warms up. Both are synchronous,
// so sharing them is safe.
const decoder = new Decoder({ extensionCodec: extensions });
const encoder = new Encoder({ extensionCodec: extensions });

function fromDecoded(raw: unknown): Value {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof ExtData) return UNKNOWN;
  if (Array.isArray(raw)) return raw.map(fromDecoded);
  if (raw instanceof Uint8Array) {
    throw new Error('unexpected binary value in a Terraform value');
  }
  if (typeof raw === 'object') {
    const out: ObjectValue = {};
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = fromDecoded(v);
    return out;
  }
  if (typeof raw === 'bigint') return Number(raw);
  return raw as string | number | boolean | Unknown;
}

export function decodeValue(bytes: Uint8Array | undefined): Value {
  if (!bytes || bytes.length === 0) return null;
  return fromDecoded(decoder.decode(bytes));
}

export function encodeValue(value: Value): Uint8Array {
  return encoder.encode(value);
}
