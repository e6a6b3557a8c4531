import { z } from 'zod';

/** zod schemas as OpenAPI 3.1 schemas (JSON Schema 2020-12, which zod emits natively). */
type Json = Record<string, unknown>;

const SCHEMA_OPTIONS = { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' } as const;
const componentRef = (id: string) => `#/components/schemas/${id}`;

/** The components: every named zod schema, referring to each other by $ref. */
export function componentSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { ...SCHEMA_OPTIONS, uri: componentRef });
  if ('__shared' in schemas) throw new Error('a schema is reused without a name: give it .meta({ id })');
  for (const s of Object.values(schemas)) {
    // Fragment-only $ids are not allowed by JSON Schema 2020-12; components are addressed by their path anyway.
    delete (s as Json).$schema;
    delete (s as Json).$id;
  }
  return schemas as Record<string, Json>;
}

/** A $ref to a named schema, or the schema inlined (named schemas inside it become $refs). */
export function schemaOf(schema: z.ZodType): Json {
  const id = z.globalRegistry.get(schema)?.id;
  if (typeof id === 'string') return { $ref: componentRef(id) };
  const json = z.toJSONSchema(schema, SCHEMA_OPTIONS) as Json;
  delete json.$schema;
  delete json.$defs;
  return JSON.parse(JSON.stringify(json).replace(/"#\/\$defs\/([^"]+)"/g, (_, name: string) => JSON.stringify(componentRef(name))));
}

