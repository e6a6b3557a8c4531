import type { Pool } from 'pg';

/**
 * Every column of every row of every table in the database, as text: what a data dump or a backup holds.
 * (pg_dump is not part of the embedded PostgreSQL package, and the system's older pg_dump refuses a newer
 * server, so the rows are read the way pg_dump's data section reads them: every table, every column, in
 * PostgreSQL's own text output.)
 */
export async function dumpEveryTable(pool: Pool): Promise<{ tables: string[]; text: string; rows: number }> {
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
     ORDER BY 1`,
  );
  const parts: string[] = [];
  let count = 0;
  for (const { name } of tables) {
    // A row as a record literal: every column through its type's output function, as COPY writes it.
    const { rows } = await pool.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
    count += rows.length;
    parts.push(`-- ${name} (${rows.length} rows)`, ...rows.map((r) => r.row));
  }
  return { tables: tables.map((t) => t.name), text: parts.join('\n'), rows: count };
}

/** The forms a secret could take in a dump: as written, and the base64 and hex of its bytes. */
export function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [secret, bytes.toString('base64').replace(/=+$/, ''), bytes.toString('hex')];
  // A whsec_ secret is the base64 of 32 random bytes: its key bytes in hex too.
  if (secret.startsWith('whsec_')) {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    forms.push(secret.slice('whsec_'.length), key.toString('hex'));
  }
  return forms;
}
