import type { Queryable } from './queryable.js'

/** Where the package keeps its two tables. */
export interface TableNames {
  /** The PostgreSQL schema of both tables. Default `public`. */
  schema?: string
  /** One row per delivery (its dedupe key and state). Default `inkless_webhook_deliveries`. */
  table?: string
  /**
   * One row per (tenant, document): the newest event time and the forward-only status, kept
   * by transactional handling. Default `inkless_webhook_documents`.
   */
  documentsTable?: string
}

/** The quoted, schema-qualified names the statements use. */
export interface QualifiedNames {
  readonly deliveries: string
  readonly documents: string
  readonly schema: string
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

export function qualify(names: TableNames = {}): QualifiedNames {
  const schema = names.schema ?? 'public'
  const table = names.table ?? 'inkless_webhook_deliveries'
  const documents = names.documentsTable ?? 'inkless_webhook_documents'
  for (const [option, value] of [
    ['schema', schema],
    ['table', table],
    ['documentsTable', documents],
  ] as const) {
    // Names are spliced into SQL: only plain identifiers, so nothing needs escaping.
    if (typeof value !== 'string' || !IDENTIFIER.test(value))
      throw new TypeError(
        `inkless-webhooks: ${option} must be a plain identifier (letters, digits, _; at most 63), got ${JSON.stringify(value)}`,
      )
  }
  return {
    schema: `"${schema}"`,
    deliveries: `"${schema}"."${table}"`,
    documents: `"${schema}"."${documents}"`,
  }
}

/**
 * The migration that creates the package's tables, for your migration tool. Idempotent
 * (`IF NOT EXISTS` throughout). With the default names it is the `schema.sql` file shipped in
 * the package (`@inkless-webhooks/postgres/schema.sql`).
 */
export function schemaSql(names: TableNames = {}): string {
  const q = qualify(names)
  const index = (names.table ?? 'inkless_webhook_deliveries').concat('_expires')
  return `-- @inkless-webhooks/postgres: deliveries (dedupe) and documents (event order).
CREATE SCHEMA IF NOT EXISTS ${q.schema};

-- One row per delivery: 'processing' while a claim holds it (until lease_until), 'done'
-- once its listeners succeeded (kept for the retention after settled_at).
CREATE TABLE IF NOT EXISTS ${q.deliveries} (
  dedupe_key text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('processing', 'done')),
  token text,
  lease_until timestamptz,
  settled_at timestamptz
);

CREATE INDEX IF NOT EXISTS "${index}" ON ${q.deliveries} ((coalesce(settled_at, lease_until)));

-- One row per (tenant, document): the newest event time seen and the furthest status.
CREATE TABLE IF NOT EXISTS ${q.documents} (
  tenant text NOT NULL,
  document_token text NOT NULL,
  status text,
  status_rank smallint NOT NULL,
  latest_event text NOT NULL,
  latest_event_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, document_token)
);
`
}

/**
 * Creates the tables if they are missing (the statements of {@link schemaSql}, one by one, so
 * it runs through any `{ query }` client, PGlite included). Safe to call at every start;
 * run it from one process at a time (two concurrent `CREATE TABLE IF NOT EXISTS` of the
 * same table can collide in PostgreSQL's catalog).
 */
export async function createSchema(db: Queryable, names: TableNames = {}): Promise<void> {
  const statements = schemaSql(names)
    .split(/;\n/)
    .map((statement) => statement.replace(/^--.*$/gm, '').trim())
    .filter((statement) => statement !== '')
  for (const statement of statements) await db.query(statement)
}
