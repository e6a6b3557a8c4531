/**
 * A minimal protocol-buffers (proto3) wire codec driven by plain descriptor objects.
 *
 * Why not protobufjs: parsing .proto text or building reflection objects at start-up costs tens of
 * milliseconds, and Terraform launches the provider several times per command. The messages we exchange
 * are few and flat, so a table of field numbers is all we need, and encoding is a straight loop.
 *
 * Messages are plain JS objects keyed by the descriptor's field names. Decoding fills absent scalar fields
 * with proto3 defaults so callers never see `undefined` for a scalar; absent message fields stay undefined.
 */

export type ScalarKind = 'string' | 'bytes' | 'bool' | 'int64' | 'enum';

export interface FieldDescriptor {
  /** Field number on the wire. */
  no: number;
  /** Property name in the JS object. */
  name: string;
  kind: ScalarKind | 'message' | 'map';
  repeated?: boolean;
  /**
   * Member of a oneof: encoded whenever present, even when it holds the default value (an element index
   * of 0 in an attribute path must reach Terraform).
   */
  oneof?: boolean;
  /** For kind 'message' (and map values): the nested message's descriptor, resolved lazily for recursion. */
  message?: () => MessageDescriptor;
  /** For kind 'map': the value kind; keys are always strings in the messages we use. */
  mapValue?: ScalarKind | 'message';
}

export type MessageDescriptor = readonly FieldDescriptor[];

// Wire types (protobuf encoding spec).
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Grows as needed; one per top-level encode call. */
class Writer {
  private buf = new Uint8Array(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varint(value: number): void {
    this.ensure(10);
    // Negative int64 values use ten bytes of two's complement; we never send negatives but stay correct.
    if (value < 0) {
      let big = BigInt.asUintN(64, BigInt(value));
      while (big > 0x7fn) {
        this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.buf[this.pos++] = Number(big);
      return;
    }
    while (value > 0x7f) {
      this.buf[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.pos++] = value;
  }

  tag(no: number, wireType: number): void {
    this.varint(no * 8 + wireType);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

function isDefault(kind: ScalarKind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return value === '';
    case 'bytes':
      return (value as Uint8Array).length === 0;
    case 'bool':
      return value === false;
    case 'int64':
    case 'enum':
      return value === 0;
  }
}

function writeScalar(w: Writer, no: number, kind: ScalarKind, value: unknown): void {
  switch (kind) {
    case 'string':
      w.tag(no, LEN);
      w.bytes(utf8.encode(value as string));
      return;
    case 'bytes':
      w.tag(no, LEN);
      w.bytes(value as Uint8Array);
      return;
    case 'bool':
      w.tag(no, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case 'int64':
    case 'enum':
      w.tag(no, VARINT);
      w.varint(value as number);
      return;
  }
}

function writeMessage(w: Writer, desc: MessageDescriptor, msg: Record<string, unknown>): void {
  for (const field of desc) {
    const value = msg[field.name];
    if (value === undefined || value === null) continue;
    if (field.kind === 'map') {
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        // A map entry is a nested message { key = 1; value = 2 }.
        const inner = new Writer();
        writeScalar(inner, 1, 'string', key);
        if (field.mapValue === 'message') {
          inner.tag(2, LEN);
          inner.bytes(encodeMessage(field.message!(), entry as Record<string, unknown>));
        } else {
          writeScalar(inner, 2, field.mapValue!, entry);
        }
        w.tag(field.no, LEN);
        w.bytes(inner.finish());
      }
      continue;
    }
    const items = field.repeated ? (value as unknown[]) : [value];
    for (const item of items) {
      if (field.kind === 'message') {
        w.tag(field.no, LEN);
        w.bytes(encodeMessage(field.message!(), item as Record<string, unknown>));
      } else if (field.repeated || field.oneof || !isDefault(field.kind, item)) {
        writeScalar(w, field.no, field.kind, item);
      }
    }
  }
}

export function encodeMessage(desc: MessageDescriptor, msg: Record<string, unknown>): Uint8Array {
  const w = new Writer();
  writeMessage(w, desc, msg);
  return w.finish();
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('protobuf: truncated varint');
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) break;
      multiplier *= 128;
    }
    // Values at or above 2^63 are negative int64s; none of our fields carry them meaningfully.
    return result >= 2 ** 63 ? result - 2 ** 64 : result;
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new Error('protobuf: truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case I64:
        this.pos += 8;
        return;
      case LEN:
        this.bytes();
        return;
      case I32:
        this.pos += 4;
        return;
      default:
        throw new Error(`protobuf: unsupported wire type ${wireType}`);
    }
  }
}

function readScalar(r: Reader, kind: ScalarKind): unknown {
  switch (kind) {
    case 'string':
      return utf8Decoder.decode(r.bytes());
    case 'bytes':
      return r.bytes();
    case 'bool':
      return r.varint() !== 0;
    case 'int64':
    case 'enum':
      return r.varint();
  }
}

function scalarDefault(kind: ScalarKind): unknown {
  switch (kind) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'bool':
      return false;
    case 'int64':
    case 'enum':
      return 0;
  }
}

export function decodeMessage<T = Record<string, unknown>>(desc: MessageDescriptor, buf: Uint8Array): T {
  const out: Record<string, unknown> = {};
  for (const field of desc) {
    if (field.repeated) out[field.name] = [];
    else if (field.kind === 'map') out[field.name] = {};
    else if (field.kind !== 'message' && !field.oneof) out[field.name] = scalarDefault(field.kind);
  }
  const r = new Reader(buf);
  while (r.pos < buf.length) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wireType = tag & 7;
    const field = desc.find((f) => f.no === no);
    if (!field) {
      // Newer protocol minor versions add fields; ignoring them is the proto3 contract.
      r.skip(wireType);
      continue;
    }
    if (field.kind === 'map') {
      const entry = new Reader(r.bytes());
      let key = '';
      let value: unknown = field.mapValue === 'message' ? undefined : scalarDefault(field.mapValue as ScalarKind);
      while (entry.pos < entry.buf.length) {
        const t = entry.varint();
        if (t >>> 3 === 1) key = utf8Decoder.decode(entry.bytes());
        else if (t >>> 3 === 2) {
          value =
            field.mapValue === 'message'
              ? decodeMessage(field.message!(), entry.bytes())
              : readScalar(entry, field.mapValue as ScalarKind);
        } else entry.skip(t & 7);
      }
      (out[field.name] as Record<string, unknown>)[key] = value;
      continue;
    }
    let value: unknown;
    if (field.kind === 'message') value = decodeMessage(field.message!(), r.bytes());
    else if (field.repeated && wireType === LEN && field.kind !== 'string' && field.kind !== 'bytes') {
      // Packed repeated scalars.
      const packed = new Reader(r.bytes());
      while (packed.pos < packed.buf.length) (out[field.name] as unknown[]).push(readScalar(packed, field.kind));
      continue;
    } else value = readScalar(r, field.kind);
    if (field.repeated) (out[field.name] as unknown[]).push(value);
    else out[field.name] = value;
  }
  return out as T;
}
