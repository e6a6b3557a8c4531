/**
 * How resources describe their attributes, and the translation of those descriptions to protocol schemas.
 *
 * The description is richer than the protocol's: `default` and `useStateForUnknown` drive the generic plan
 * logic in ./plan.ts, so a resource states its plan behaviour declaratively instead of re-implementing it.
 */
import { NESTING_LIST, NESTING_MAP, NESTING_SET, NESTING_SINGLE, STRING_KIND_MARKDOWN } from './messages';
import type { ObjectValue, Value } from './values';

export type PrimitiveType = 'string' | 'bool' | 'number';
export type AttributeType = PrimitiveType | { list: AttributeType } | { set: AttributeType } | { map: AttributeType };

export type Nesting = 'single' | 'list' | 'set' | 'map';

interface AttributeBase {
  /** Markdown; shown by language servers and written into the generated docs. */
  description: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  /** Terraform hides the value in plans and output (`(sensitive value)`). */
  sensitive?: boolean;
  /**
   * Write-only (Terraform 1.11 and later): the value reaches the provider in the configuration of validate, plan
   * and apply, and never appears in plan or state. The protocol layer returns it as null everywhere (./plan.ts
   * and nullWriteOnly below); resources read it from `config`. Not with `computed`, nor inside a set.
   */
  writeOnly?: boolean;
  /** For optional+computed attributes: the value planned when the configuration leaves it unset. */
  default?: Value;
  /**
   * For computed attributes: on update keep the prior state's value instead of planning "known after
   * apply" (the plugin framework's UseStateForUnknown), for values the API never changes, like an id.
   */
  useStateForUnknown?: boolean;
  /** A change to this attribute destroys and re-creates the resource. */
  requiresReplace?: boolean;
}

export interface SimpleAttribute extends AttributeBase {
  type: AttributeType;
  nested?: never;
}

export interface NestedAttribute extends AttributeBase {
  type?: never;
  nested: { nesting: Nesting; attributes: Attributes };
}

export type AttributeSchema = SimpleAttribute | NestedAttribute;
export type Attributes = Record<string, AttributeSchema>;

export interface BlockSchema {
  /** Schema version stored with state; bump it together with an upgrade in UpgradeResourceState. */
  version: number;
  description: string;
  attributes: Attributes;
  /**
   * Sections of the registry docs after the example (provider/docs/generate.ts): markdown, and optionally an
   * example under examples/ (a path relative to it) that the docs tests validate with terraform.
   */
  guides?: ReadonlyArray<{ title: string; markdown: string; example?: string }>;
}

function typeToJson(type: AttributeType): unknown {
  if (typeof type === 'string') return type;
  if ('list' in type) return ['list', typeToJson(type.list)];
  if ('set' in type) return ['set', typeToJson(type.set)];
  return ['map', typeToJson(type.map)];
}

const NESTING = { single: NESTING_SINGLE, list: NESTING_LIST, set: NESTING_SET, map: NESTING_MAP } satisfies Record<
  Nesting,
  number
>;

const utf8 = new TextEncoder();

function attributesToProto(attributes: Attributes): Record<string, unknown>[] {
  // Sorted so the schema bytes are stable whatever order a resource file lists its attributes in.
  return Object.keys(attributes)
    .sort()
    .map((name) => {
      const a = attributes[name];
      return {
        name,
        type: a.nested ? new Uint8Array(0) : utf8.encode(JSON.stringify(typeToJson(a.type))),
        nested_type: a.nested
          ? { attributes: attributesToProto(a.nested.attributes), nesting: NESTING[a.nested.nesting] }
          : undefined,
        description: a.description,
        description_kind: STRING_KIND_MARKDOWN,
        required: !!a.required,
        optional: !!a.optional,
        computed: !!a.computed,
        sensitive: !!a.sensitive,
        write_only: !!a.writeOnly,
      };
    });
}

/** The protocol `Schema` message for a block. */
export function schemaToProto(block: BlockSchema): Record<string, unknown> {
  return {
    version: block.version,
    block: {
      version: block.version,
      attributes: attributesToProto(block.attributes),
      description: block.description,
      description_kind: STRING_KIND_MARKDOWN,
    },
  };
}

/**
 * Shapes a plain value (e.g. state decoded from JSON) to exactly the schema's attributes: Terraform refuses
 * objects with missing or extra keys, so missing ones become null and unknown ones are dropped.
 */
export function conformObject(value: unknown, attributes: Attributes): ObjectValue {
  const source = (value && typeof value === 'object' ? value : {}) as Record<string, Value>;
  const out: ObjectValue = {};
  for (const [name, attr] of Object.entries(attributes)) {
    const v = source[name] ?? null;
    if (attr.nested && v !== null && typeof v === 'object') {
      const nested = attr.nested;
      if (nested.nesting === 'single') out[name] = conformObject(v, nested.attributes);
      else if (nested.nesting === 'map') {
        const m: ObjectValue = {};
        for (const [k, item] of Object.entries(v as ObjectValue)) m[k] = conformObject(item, nested.attributes);
        out[name] = m;
      } else out[name] = (v as Value[]).map((item) => conformObject(item, nested.attributes));
    } else out[name] = v;
  }
  return out;
}

/**
 * `value` with every write-only attribute (at any depth) set to null: what Terraform requires in every state and
 * plan a provider returns. Unknown and null nested values are left as they are.
 */
export function nullWriteOnly(value: ObjectValue, attributes: Attributes): ObjectValue {
  const out: ObjectValue = { ...value };
  for (const [name, attr] of Object.entries(attributes)) {
    const v = out[name];
    if (attr.writeOnly) out[name] = null;
    else if (attr.nested && v !== null && typeof v === 'object') {
      const nested = attr.nested;
      if (nested.nesting === 'single') out[name] = nullWriteOnly(v as ObjectValue, nested.attributes);
      else if (nested.nesting === 'map') {
        out[name] = Object.fromEntries(Object.entries(v as ObjectValue).map(([k, item]) => [k, nullWriteOnly(item as ObjectValue, nested.attributes)]));
      } else out[name] = (v as Value[]).map((item) => (item !== null && typeof item === 'object' ? nullWriteOnly(item as ObjectValue, nested.attributes) : item));
    }
  }
  return out;
}

/** Paths of write-only attributes that `value` sets (non-null), for refusing them from a client that cannot. */
export function writeOnlyPaths(value: ObjectValue, attributes: Attributes, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const found: Array<Array<string | number>> = [];
  for (const [name, attr] of Object.entries(attributes)) {
    const v = value[name];
    if (v === null || v === undefined) continue;
    if (attr.writeOnly) found.push([...prefix, name]);
    else if (attr.nested && typeof v === 'object') {
      const nested = attr.nested;
      if (nested.nesting === 'single') found.push(...writeOnlyPaths(v as ObjectValue, nested.attributes, [...prefix, name]));
      else if (Array.isArray(v)) {
        v.forEach((item, i) => {
          if (item !== null && typeof item === 'object') found.push(...writeOnlyPaths(item as ObjectValue, nested.attributes, [...prefix, name, i]));
        });
      }
    }
  }
  return found;
}
