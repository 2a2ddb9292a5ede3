// Transactional handling with Drizzle: `db` in the listeners is Drizzle's transaction. The
// store runs its statements through it with `query`. With DATABASE_URL a real server
// (drizzle-orm/node-postgres); without it PGlite (drizzle-orm/pglite).
// Run: INKLESS_WEBHOOK_SECRET=whsec_… [DATABASE_URL=postgres://…] pnpm --filter example-postgres drizzle
import { PGlite } from '@electric-sql/pglite'
import { createInklessWebhooks } from '@inkless-webhooks/core'
import { createPostgresTransactionalStore } from '@inkless-webhooks/postgres'
import { sql } from 'drizzle-orm'
import { drizzle as overPg } from 'drizzle-orm/node-postgres'
import { integer, pgTable, text } from 'drizzle-orm/pg-core'
import { drizzle as overPglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { createTables, serve } from './serve.js'

const documents = pgTable('documents', {
  document_token: text().primaryKey(),
  status: text(),
  signatures: integer().notNull().default(0),
})

const url = process.env.DATABASE_URL
const db = url ? overPg(new pg.Pool({ connectionString: url })) : overPglite(await PGlite.create())
// The driver under Drizzle (a pg Pool, PGlite) answers query(text, values) itself.
await createTables(db.$client)

const webhooks = createInklessWebhooks({
  dedupe: createPostgresTransactionalStore({
    // The store's statement as Drizzle SQL: its text, with each $n bound to values[n - 1].
    query: (tx, text, values) =>
      tx.execute(
        sql.join(
          text
            .split(/\$(\d+)/)
            .map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`)),
        ),
      ),
    transaction: (work) => db.transaction(work),
  }),
  async onDocumentSigned(event, { db }) {
    await db
      .insert(documents)
      .values({ document_token: event.document_token, signatures: 1 })
      .onConflictDoUpdate({
        target: documents.document_token,
        set: { signatures: sql`${documents.signatures} + 1` },
      })
  },
  async onEvent(event, { db, stale, documentStatus }) {
    await db
      .insert(documents)
      .values({ document_token: event.document_token, status: documentStatus ?? null })
      .onConflictDoUpdate({
        target: documents.document_token,
        set: { status: documentStatus ?? null },
      })
    console.log(`${event.event}${stale ? ' (stale)' : ''}: ${documentStatus ?? 'no status yet'}`)
  },
})
serve(webhooks)
