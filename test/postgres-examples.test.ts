// examples/postgres as its comments run them: pg, Kysely and Drizzle, each a receiver with
// transactional handling on a real PostgreSQL 15 (DATABASE_URL); events sent out of order
// and twice. The PGlite default of pg.js runs in postgres-pglite.test.ts.
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { PostgresServer } from './support/postgres.js'
import { PRINTED, playOutOfOrder, startExample, stopExamples } from './support/postgres-examples.js'

let server: PostgresServer
let admin: pg.Client
beforeAll(async () => {
  server = await PostgresServer.start()
  admin = new pg.Client(server.url)
  await admin.connect()
})
afterEach(stopExamples)
afterAll(async () => {
  await admin.end()
  await server.destroy()
})

describe.each(['pg', 'kysely', 'drizzle'])('examples/postgres/%s.js', (name) => {
  it('runs the listeners in the delivery transaction: out-of-order events keep the newest status, a duplicate runs nothing', async () => {
    const database = `example_${name}`
    await admin.query(`CREATE DATABASE ${database}`)
    const { url, stdout } = await startExample(`${name}.js`, {
      DATABASE_URL: `${server.url.replace(/\/postgres$/, '')}/${database}`,
    })
    expect(await playOutOfOrder(url)).toEqual(['200 ok', '200 ok', '200 ok', '200 duplicate'])
    await vi.waitFor(() => expect(stdout).toEqual(PRINTED))
    const db = new pg.Client(`${server.url.replace(/\/postgres$/, '')}/${database}`)
    await db.connect()
    try {
      const { rows } = await db.query('SELECT document_token, status, signatures FROM documents')
      expect(rows).toEqual([
        { document_token: 'doc-example', status: 'envelope_complete', signatures: 1 },
      ])
      const deliveries = await db.query(
        `SELECT count(*)::int AS n FROM inkless_webhook_deliveries WHERE state = 'done'`,
      )
      expect(deliveries.rows).toEqual([{ n: 3 }])
    } finally {
      await db.end()
    }
  })
})
