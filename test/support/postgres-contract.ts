import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInklessWebhooks } from '@inkless-webhooks/core'
import {
  createPostgresDedupeStore,
  createPostgresTransactionalStore,
  createSchema,
  type Queryable,
  runDeliveryInTransaction,
  schemaSql,
  type TransactionRunner,
} from '@inkless-webhooks/postgres'
import { describe, expect, it, vi } from 'vitest'
import { eventBody, SECRET, signed } from './deliveries.js'
import { dedupeStoreContract } from './store-contract.js'

let schemas = 0
/** A schema of its own per test, so tests sharing one database never see each other's rows. */
export const freshSchema = async (db: Queryable) => {
  const schema = `t${process.pid}_${++schemas}`
  await createSchema(db, { schema })
  return schema
}

const rowCount = async (db: Queryable, schema: string, table = 'inkless_webhook_deliveries') =>
  Number(
    (
      (await db.query(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`)).rows[0] as {
        n: number
      }
    ).n,
  )

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The store's contract, run against a real PostgreSQL and against PGlite: `db()` answers
 * statements, `transaction` opens one.
 */
export function postgresStoreContract(
  name: string,
  db: () => Queryable,
  transaction: () => TransactionRunner<Queryable>,
) {
  dedupeStoreContract(
    `createPostgresDedupeStore on ${name}`,
    async () => {
      const schema = await freshSchema(db())
      return ({ leaseMs } = {}) =>
        createPostgresDedupeStore({ client: db(), schema, ...(leaseMs ? { leaseMs } : {}) })
    },
    300,
  )

  describe(`createPostgresDedupeStore on ${name}`, () => {
    it('remembers a processed delivery for retentionMs; cleanup() deletes it after', async () => {
      const schema = await freshSchema(db())
      const store = createPostgresDedupeStore({ pool: db(), schema, retentionMs: 300 })
      await store.claim('old')
      await store.complete('old')
      expect(await store.claim('old')).toBe('done')
      expect(await store.cleanup()).toBe(0)
      await sleep(350)
      await store.claim('new')
      await store.complete('new')
      expect(await store.cleanup()).toBe(1)
      expect(await rowCount(db(), schema)).toBe(1)
      expect(await store.claim('old')).toBe('claimed')
    })

    it('createSchema is idempotent, takes names, and the shipped schema.sql is schemaSql()', async () => {
      const names = { schema: `named_${process.pid}`, table: 'deliveries', documentsTable: 'docs' }
      await createSchema(db(), names)
      await createSchema(db(), names)
      const store = createPostgresDedupeStore({ pool: db(), ...names })
      expect(await store.claim('k')).toBe('claimed')
      expect(await rowCount(db(), names.schema, 'deliveries')).toBe(1)
      const shipped = readFileSync(
        join(import.meta.dirname, '../../packages/postgres/schema.sql'),
        'utf8',
      )
      expect(shipped).toBe(schemaSql())
      expect(() =>
        createPostgresDedupeStore({ pool: db(), table: 'x"; drop table y; --' }),
      ).toThrow(/^inkless-webhooks: table must be a plain identifier/)
    })

    it('runDeliveryInTransaction: the row and the work commit together; a throw rolls back both', async () => {
      const schema = await freshSchema(db())
      await db().query(`CREATE TABLE "${schema}".effects (id text)`)
      const delivery = {
        dedupeKey: 'k',
        event: { event: 'document_signed', document_token: 'd', timestamp: '2026-03-11T23:25:31Z' },
      }
      const options = { transaction: transaction(), schema }
      const write =
        (fail: boolean) =>
        async ({ db: tx }: { db: Queryable }) => {
          await tx.query(`INSERT INTO "${schema}".effects VALUES ('k')`)
          if (fail) throw new Error('after the write')
          return 'written'
        }
      await expect(runDeliveryInTransaction(options, delivery, write(true))).rejects.toThrow(
        'after the write',
      )
      expect(await rowCount(db(), schema, 'effects')).toBe(0)
      expect(await rowCount(db(), schema)).toBe(0)
      expect(await runDeliveryInTransaction(options, delivery, write(false))).toEqual({
        status: 'processed',
        value: 'written',
      })
      expect(await runDeliveryInTransaction(options, delivery, write(false))).toEqual({
        status: 'done',
      })
      expect(await rowCount(db(), schema, 'effects')).toBe(1)
    })

    it('transactional handling behind handle(): a throw after writing rolls back the write and the row (500); the retry commits both once (200); then duplicate', async () => {
      const schema = await freshSchema(db())
      await db().query(`CREATE TABLE "${schema}".effects (token text, event text)`)
      let fail = true
      const webhooks = createInklessWebhooks({
        secret: SECRET,
        onError: () => {},
        dedupe: createPostgresTransactionalStore({ transaction: transaction(), schema }),
        onDocumentSigned: async (event, { db: tx }) => {
          await tx.query(`INSERT INTO "${schema}".effects VALUES ($1, $2)`, [
            event.document_token,
            event.event,
          ])
          if (fail) throw new Error('after the write')
        },
      })
      const body = eventBody()
      const delivery = { method: 'POST', headers: signed(body), rawBody: body }
      expect((await webhooks.handle(delivery)).status).toBe(500)
      expect(await rowCount(db(), schema, 'effects')).toBe(0)
      expect(await rowCount(db(), schema)).toBe(0)
      fail = false
      expect(await webhooks.handle(delivery)).toMatchObject({ status: 200, body: 'ok' })
      expect(await webhooks.handle(delivery)).toMatchObject({ status: 200, body: 'duplicate' })
      expect(await rowCount(db(), schema, 'effects')).toBe(1)
      expect(await rowCount(db(), schema)).toBe(1)
    })

    it('transactional handling: a commit that fails is answered 503, nothing stays; the retry commits', async () => {
      const schema = await freshSchema(db())
      // A deferred constraint is checked at COMMIT: the second insert of a token fails there.
      await db().query(
        `CREATE TABLE "${schema}".once (token text UNIQUE DEFERRABLE INITIALLY DEFERRED)`,
      )
      let copies = 2
      const onError = vi.fn()
      const webhooks = createInklessWebhooks({
        secret: SECRET,
        onError,
        dedupe: createPostgresTransactionalStore({ transaction: transaction(), schema }),
        onDocumentSigned: async (event, { db: tx }) => {
          for (let i = 0; i < copies; i++)
            await tx.query(`INSERT INTO "${schema}".once VALUES ($1)`, [event.document_token])
        },
      })
      const body = eventBody()
      const delivery = { method: 'POST', headers: signed(body), rawBody: body }
      expect((await webhooks.handle(delivery)).status).toBe(503)
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'store_unavailable' })
      expect(await rowCount(db(), schema, 'once')).toBe(0)
      expect(await rowCount(db(), schema)).toBe(0)
      copies = 1
      expect((await webhooks.handle(delivery)).status).toBe(200)
      expect(await rowCount(db(), schema, 'once')).toBe(1)
    })
  })
}
