// What the three examples share: the tables they write, and the server they listen on.
import http from 'node:http'
import { inklessWebhooks } from '@inkless-webhooks/node'
import { createSchema } from '@inkless-webhooks/postgres'

/** The package's tables, and the application's own: one row per document. */
export async function createTables(db) {
  await createSchema(db)
  await db.query(
    'CREATE TABLE IF NOT EXISTS documents (document_token text PRIMARY KEY, status text, signatures int NOT NULL DEFAULT 0)',
  )
}

/** Serves the receiver on PORT (default 3000) and prints where. */
export function serve(webhooks) {
  const host = process.env.HOST ?? '127.0.0.1'
  const server = http.createServer(inklessWebhooks(webhooks, { path: '/webhook' }))
  server.listen(Number(process.env.PORT ?? 3000), host, () => {
    console.log(`listening on http://${host}:${server.address().port}/webhook`)
  })
  return server
}
