// Transactional handling with Kysely: `db` in the listeners is Kysely's transaction. The
// store runs its statements through it with `query`. With DATABASE_URL a real server
// (PostgresDialect over a pg Pool); without it PGlite (kysely-pglite-dialect).
// Run: INKLESS_WEBHOOK_SECRET=whsec_… [DATABASE_URL=postgres://…] pnpm --filter example-postgres kysely
import { PGlite } from '@electric-sql/pglite'
import { createInklessWebhooks } from '@inkless-webhooks/core'
import { createPostgresTransactionalStore } from '@inkless-webhooks/postgres'
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import { createTables, serve } from './serve.js'

const url = process.env.DATABASE_URL
const dialect = url
  ? new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) })
  : new PGliteDialect(await PGlite.create())
const kysely = new Kysely({ dialect })
await createTables({
  query: (text, values) => kysely.executeQuery(CompiledQuery.raw(text, values)),
})

const webhooks = createInklessWebhooks({
  dedupe: createPostgresTransactionalStore({
    query: (trx, text, values) => trx.executeQuery(CompiledQuery.raw(text, values)),
    transaction: (work) => kysely.transaction().execute(work),
  }),
  async onDocumentSigned(event, { db }) {
    await db
      .insertInto('documents')
      .values({ document_token: event.document_token, signatures: 1 })
      .onConflict((oc) =>
        oc.column('document_token').doUpdateSet({ signatures: sql`documents.signatures + 1` }),
      )
      .execute()
  },
  async onEvent(event, { db, stale, documentStatus }) {
    await db
      .insertInto('documents')
      .values({ document_token: event.document_token, status: documentStatus ?? null })
      .onConflict((oc) =>
        oc.column('document_token').doUpdateSet({ status: documentStatus ?? null }),
      )
      .execute()
    console.log(`${event.event}${stale ? ' (stale)' : ''}: ${documentStatus ?? 'no status yet'}`)
  },
})
serve(webhooks)
