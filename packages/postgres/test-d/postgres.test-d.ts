import {
  type AnyInklessWebhooks,
  createInklessWebhooks,
  type DedupeStore,
} from '@inkless-webhooks/core'
import {
  createPostgresDedupeStore,
  createPostgresTransactionalStore,
  createSchema,
  type DocumentStatus,
  type PoolLike,
  type PostgresDedupeStore,
  type PostgresTransactionalStore,
  type ProcessedDelivery,
  type Queryable,
  runDeliveryInTransaction,
  type SkippedDelivery,
  schemaSql,
  type TransactionContext,
} from '@inkless-webhooks/postgres'
import pg from 'pg'
import { expectAssignable, expectError, expectType } from 'tsd'

const pool = new pg.Pool()
const store = createPostgresDedupeStore({ pool, schema: 'app', leaseMs: 60_000 })
expectType<PostgresDedupeStore>(store)
expectAssignable<DedupeStore>(store)
expectType<Promise<number>>(store.cleanup())
createPostgresDedupeStore({ client: new pg.Client(), retentionMs: 3_600_000, timeoutMs: 500 })
expectAssignable<Queryable>(pool)
expectAssignable<Queryable>(new pg.Client())
expectType<Promise<void>>(createSchema(pool, { table: 'deliveries' }))
expectType<string>(schemaSql())
createInklessWebhooks({ secret: 's', dedupe: store, onStoreError: 'process' })

expectError(createPostgresDedupeStore({}))
expectError(createPostgresDedupeStore({ pool: {} }))
expectError(createPostgresDedupeStore({ pool, leaseMs: '5m' }))
expectError(createPostgresDedupeStore({ pool, ttlSeconds: 60 }))
// The pool's outages: an Error each, once when one starts, a count a minute, once when it ends.
createPostgresDedupeStore({ pool, onError: (error) => expectType<Error>(error) })
createPostgresTransactionalStore({ pool, onError: (error) => expectType<Error>(error) })
expectError(createPostgresDedupeStore({ pool, onError: 'log' }))

const delivery = {
  dedupeKey: 'k',
  event: { event: 'document_signed', document_token: 'd', timestamp: '2026-03-11T23:25:31Z' },
}
// pg: the transaction is the pool's own connection type, with pg's typed rows.
const ran = runDeliveryInTransaction({ pool }, delivery, async ({ db, stale }) => {
  expectType<pg.PoolClient>(db)
  expectType<boolean>(stale)
  const { rows } = await db.query<{ n: number }>('SELECT 1 AS n')
  expectType<number | undefined>(rows[0]?.n)
  return 1
})
expectType<Promise<ProcessedDelivery<number> | SkippedDelivery>>(ran)
// A pool whose connections are only Queryable: `db` is a Queryable (no row type argument).
declare const plainPool: PoolLike<Queryable>
runDeliveryInTransaction({ pool: plainPool }, delivery, async ({ db }) => {
  expectType<Queryable>(db)
  expectType<readonly object[]>((await db.query('SELECT 1 AS n')).rows)
})
// Another driver: its transaction function, and `query` when its transaction has none.
interface OrmTx {
  run(sql: string, params: unknown[]): Promise<{ rows: object[] }>
}
declare const orm: { transaction<T>(work: (tx: OrmTx) => Promise<T>): Promise<T> }
runDeliveryInTransaction(
  {
    query: (tx: OrmTx, text, values) => tx.run(text, values),
    transaction: (work) => orm.transaction(work),
  },
  delivery,
  async ({ db }) => expectType<OrmTx>(db),
)
// A driver whose transaction has `query` (PGlite): `db` is a Queryable.
declare const pglite: { transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> }
runDeliveryInTransaction(
  { transaction: (work) => pglite.transaction(work) },
  delivery,
  async ({ db }) => expectType<Queryable>(db),
)
expectError(
  runDeliveryInTransaction({ pool, transaction: orm.transaction }, delivery, async () => 1),
)

// Transactional handling: `db`, `stale` and `documentStatus` typed in every listener.
const transactional = createPostgresTransactionalStore({ pool })
expectType<PostgresTransactionalStore<pg.PoolClient>>(transactional)
expectType<PostgresTransactionalStore<Queryable>>(
  createPostgresTransactionalStore({ pool: plainPool }),
)
// It says it is transactional (core refuses `respond: 'immediately'` with it, at runtime).
expectType<true>(transactional.transactional)
expectAssignable<DedupeStore<TransactionContext<pg.PoolClient>>>(transactional)
const webhooks = createInklessWebhooks({
  secret: 's',
  dedupe: transactional,
  onEnvelopeComplete: async (event, { db, stale, documentStatus, dedupeKey }) => {
    expectType<pg.PoolClient>(db)
    expectType<number>((await db.query<{ n: number }>('SELECT 1 AS n')).rows.length)
    expectType<boolean>(stale)
    expectType<DocumentStatus | undefined>(documentStatus)
    expectType<string>(dedupeKey)
    await db.query('UPDATE envelopes SET done = true WHERE token = $1', [event.document_token])
  },
})
webhooks.on('document_signed', (_event, { db }) => expectType<pg.PoolClient>(db))
// Such an instance is what every adapter takes (`inklessWebhooks(webhooks, { path })`).
expectAssignable<AnyInklessWebhooks>(webhooks)
// A typed ORM transaction flows to the listeners.
createInklessWebhooks({
  dedupe: createPostgresTransactionalStore({
    query: (tx: OrmTx, text, values) => tx.run(text, values),
    transaction: (work) => orm.transaction(work),
  }),
  onDocumentSigned: (_event, { db }) => expectType<OrmTx>(db),
})
// Without a transactional store there is no `db`.
expectError(createInklessWebhooks({ dedupe: store, onDocumentSigned: (_e, { db }) => db }))
expectError(createInklessWebhooks({ onDocumentSigned: (_e, { db }) => db }))
