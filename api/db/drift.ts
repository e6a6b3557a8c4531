import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Pool } from 'pg';

/**
 * Compares a migrated database with prisma/schema.prisma: tables, columns (type, nullability, default present),
 * enums, primary keys, unique constraints, indexes and foreign keys. Returns one line per difference; empty
 * means the migrations produce exactly the schema Prisma expects. Prisma's own `migrate diff` needs a native
 * engine these machines cannot download, so the comparison is made from the DMMF and the catalog.
 */
export const SCHEMA_PATH = resolve(__dirname, '../../prisma/schema.prisma');

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  nativeType?: [string, string[]] | null;
  isRequired: boolean;
  isList: boolean;
  hasDefaultValue: boolean;
  isUpdatedAt: boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  fields: Array<{ name: string }>;
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

function expectedType(field: DmmfField): string {
  let base: string;
  if (field.kind === 'enum') base = `"${field.type}"`;
  else if (field.nativeType) {
    const [name, args] = field.nativeType;
    const native: Record<string, string> = {
      Timestamptz: `timestamp(${args[0] ?? 6}) with time zone`,
      Timestamp: `timestamp(${args[0] ?? 6}) without time zone`,
      VarChar: `character varying(${args[0]})`,
      Uuid: 'uuid',
      Text: 'text',
      SmallInt: 'smallint',
      Integer: 'integer',
      BigInt: 'bigint',
      JsonB: 'jsonb',
      Json: 'json',
      Date: 'date',
    };
    base = native[name] ?? name.toLowerCase();
  } else base = SCALAR_TYPES[field.type] ?? field.type;
  return field.isList ? `${base}[]` : base;
}

export async function schemaDrift(pool: Pool, schemaPath: string = SCHEMA_PATH): Promise<string[]> {
  // @prisma/internals parses the schema with Prisma's own (Wasm) parser; loaded lazily, it is a dev tool.
  const { getDMMF } = require('@prisma/internals') as {
    getDMMF(o: { datamodel: string }): Promise<{ datamodel: { models: DmmfModel[]; enums: Array<{ name: string; values: Array<{ name: string }> }>; indexes: DmmfIndex[] } }>;
  };
  const { datamodel } = await getDMMF({ datamodel: readFileSync(schemaPath, 'utf8') });
  const problems: string[] = [];
  const tableOf = new Map(datamodel.models.map((m) => [m.name, m.dbName ?? m.name]));
  const columnOf = (model: DmmfModel, fieldName: string) => {
    const f = model.fields.find((x) => x.name === fieldName)!;
    return f.dbName ?? f.name;
  };

  // A partitioned table (relkind 'p') is the table a model names; its partitions (relispartition) are the
  // retention sweeper's, made and dropped as time passes, and not part of the schema.
  const { rows: tables } = await pool.query<{ table_name: string }>(
    `SELECT c.relname AS table_name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> '_prisma_migrations'`,
  );
  const actualTables = new Set(tables.map((t) => t.table_name));
  for (const t of actualTables) if (![...tableOf.values()].includes(t)) problems.push(`table ${t} exists in the database but not in schema.prisma`);

  const { rows: columns } = await pool.query<{ table_name: string; column_name: string; type: string; not_null: boolean; has_default: boolean }>(
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, a.atthasdef AS has_default
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  for (const model of datamodel.models) {
    const table = tableOf.get(model.name)!;
    if (!actualTables.has(table)) {
      problems.push(`table ${table} (model ${model.name}) is missing`);
      continue;
    }
    const actual = new Map(columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c]));
    const expectedNames = new Set<string>();
    for (const field of model.fields) {
      if (field.kind === 'object' || field.kind === 'unsupported') continue;
      const name = field.dbName ?? field.name;
      expectedNames.add(name);
      const col = actual.get(name);
      if (!col) {
        problems.push(`column ${table}.${name} is missing`);
        continue;
      }
      const type = expectedType(field);
      const actualType = col.type.startsWith('"') || !/^[a-z]/.test(col.type) ? col.type : col.type;
      const normalise = (t: string) => t.replace(/"/g, '');
      if (normalise(actualType) !== normalise(type)) problems.push(`column ${table}.${name} is ${col.type}, schema.prisma expects ${type}`);
      const wantNotNull = field.isRequired && !field.isList;
      if (col.not_null !== wantNotNull) problems.push(`column ${table}.${name} is ${col.not_null ? 'NOT NULL' : 'nullable'}, schema.prisma expects ${wantNotNull ? 'NOT NULL' : 'nullable'}`);
      const wantDefault = field.hasDefaultValue && !field.isUpdatedAt;
      if (col.has_default !== wantDefault) problems.push(`column ${table}.${name} ${col.has_default ? 'has' : 'lacks'} a default, schema.prisma ${wantDefault ? 'declares one' : 'declares none'}`);
    }
    for (const name of actual.keys()) if (!expectedNames.has(name)) problems.push(`column ${table}.${name} exists in the database but not in schema.prisma`);
  }

  const { rows: enums } = await pool.query<{ name: string; values: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' GROUP BY t.typname`,
  );
  const actualEnums = new Map(enums.map((e) => [e.name, e.values]));
  for (const e of datamodel.enums) {
    const values = actualEnums.get(e.name);
    const want = e.values.map((v) => v.name);
    if (!values) problems.push(`enum ${e.name} is missing`);
    else if (values.join(',') !== want.join(',')) problems.push(`enum ${e.name} has values ${values.join(', ')}, schema.prisma expects ${want.join(', ')}`);
  }
  for (const name of actualEnums.keys()) if (!datamodel.enums.some((e) => e.name === name)) problems.push(`enum ${name} exists in the database but not in schema.prisma`);

  const { rows: indexes } = await pool.query<{ table_name: string; primary: boolean; unique: boolean; columns: string[] }>(
    `SELECT t.relname AS table_name, i.indisprimary AS primary, i.indisunique AS unique,
            array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND NOT t.relispartition AND t.relname <> '_prisma_migrations'`,
  );
  const key = (table: string, kind: string, cols: string[]) => `${table}:${kind}:${cols.join(',')}`;
  const actualIndexKeys = new Set(indexes.map((i) => key(i.table_name, i.primary ? 'id' : i.unique ? 'unique' : 'normal', i.columns)));
  const expectedIndexKeys = new Set<string>();
  for (const index of datamodel.indexes) {
    const model = datamodel.models.find((m) => m.name === index.model)!;
    const table = tableOf.get(model.name)!;
    const k = key(table, index.type === 'fulltext' ? 'normal' : index.type, index.fields.map((f) => columnOf(model, f.name)));
    expectedIndexKeys.add(k);
    if (!actualIndexKeys.has(k)) problems.push(`${index.type} index on ${table}(${index.fields.map((f) => columnOf(model, f.name)).join(', ')}) is missing`);
  }
  for (const k of actualIndexKeys) if (!expectedIndexKeys.has(k)) problems.push(`index ${k} exists in the database but not in schema.prisma`);

  const { rows: fks } = await pool.query<{ table_name: string; columns: string[]; ref_table: string; ref_columns: string[]; on_delete: string }>(
    `SELECT c.conrelid::regclass::text AS table_name, c.confrelid::regclass::text AS ref_table,
            array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS columns,
            array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS ref_columns,
            c.confdeltype AS on_delete
       FROM pg_constraint c WHERE c.contype = 'f' AND c.conparentid = 0 AND c.connamespace = 'public'::regnamespace`,
  );
  const unquote = (s: string) => s.replace(/"/g, '');
  const actualFks = new Map(fks.map((f) => [`${unquote(f.table_name)}(${f.columns.join(',')})->${unquote(f.ref_table)}(${f.ref_columns.join(',')})`, f.on_delete]));
  const expectedFks = new Set<string>();
  const ON_DELETE: Record<string, string> = { Cascade: 'c', Restrict: 'r', NoAction: 'a', SetNull: 'n', SetDefault: 'd' };
  for (const model of datamodel.models) {
    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.relationFromFields?.length) continue;
      const target = datamodel.models.find((m) => m.name === field.type)!;
      const k = `${tableOf.get(model.name)}(${field.relationFromFields.map((f) => columnOf(model, f)).join(',')})->${tableOf.get(target.name)}(${field.relationToFields!.map((f) => columnOf(target, f)).join(',')})`;
      expectedFks.add(k);
      const action = actualFks.get(k);
      if (action === undefined) problems.push(`foreign key ${k} is missing`);
      else if (field.relationOnDelete && ON_DELETE[field.relationOnDelete] !== action) problems.push(`foreign key ${k} has ON DELETE '${action}', schema.prisma expects ${field.relationOnDelete}`);
    }
  }
  for (const k of actualFks.keys()) if (!expectedFks.has(k)) problems.push(`foreign key ${k} exists in the database but not in schema.prisma`);
  return problems;
}
