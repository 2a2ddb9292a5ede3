// Transactional handling with node-postgres: each delivery's listeners run in one
// transaction with the delivery's row, and `db` is that transaction. With DATABASE_URL a
// real server (a pg Pool); without it PostgreSQL in WebAssembly (PGlite), in memory.
// Run: INKLESS_WEBHOOK_SECRET=whsec_… [DATABASE_URL=postgres://…] pnpm --filter example-postgres pg
import { PGlite } from '@electric-sql/pglite'
import { createInklessWebhooks } from '@inkless-webhooks/core'
import { createPostgresTransactionalStore } from '@inkless-webhooks/postgres'
import pg from 'pg'
import { createTables, serve } from './serve.js'

const url = process.env.DATABASE_URL
const pool = url ? new pg.Pool({ connectionString: url, connectionTimeoutMillis: 2000 }) : undefined
const pglite = pool ? undefined : await PGlite.create()
await createTables(pool ?? pglite)

const webhooks = createInklessWebhooks({
  dedupe: createPostgresTransactionalStore(
    pool ? { pool } : { transaction: (work) => pglite.transaction(work) },
  ),
  // Writes through `db` commit with the delivery's row, or roll back with it.
  async onDocumentSigned(event, { db }) {
    await db.query(
      `INSERT INTO documents (document_token, signatures) VALUES ($1, 1)
       ON CONFLICT (document_token) DO UPDATE SET signatures = documents.signatures + 1`,
      [event.document_token],
    )
  },
  // Deliveries arrive out of order: documentStatus only moves forward, stale says a newer
  // event of this document was recorded already.
  async onEvent(event, { db, stale, documentStatus }) {
    await db.query(
      `INSERT INTO documents (document_token, status) VALUES ($1, $2)
       ON CONFLICT (document_token) DO UPDATE SET status = $2`,
      [event.document_token, documentStatus ?? null],
    )
    console.log(`${event.event}${stale ? ' (stale)' : ''}: ${documentStatus ?? 'no status yet'}`)
  },
})
serve(webhooks)
