/**
 * Exactly-once Inkless webhooks in your own PostgreSQL: a dedupe store shared by every
 * instance, transactional handling (a delivery's row and its listeners' writes in one
 * transaction) and the per-document order of out-of-order deliveries.
 *
 * @module @inkless-webhooks/postgres
 */
export {
  DOCUMENT_STATUSES,
  type DocumentOrder,
  type DocumentStatus,
  type OrderedEvent,
} from './documents.js'
export type { PoolErrorReporting } from './pool-errors.js'
export type { Queryable, QueryRows } from './queryable.js'
export { createSchema, schemaSql, type TableNames } from './schema.js'
export {
  createPostgresDedupeStore,
  type PostgresDedupeStore,
  type PostgresDedupeStoreOptions,
  type PostgresStoreTiming,
} from './store.js'
export {
  type CallbackConnect,
  type ClaimedDelivery,
  type DeliveryToRecord,
  type PooledConnection,
  type PoolLike,
  type ProcessedDelivery,
  poolTransaction,
  type QueryIn,
  type RecordedDelivery,
  recordDelivery,
  runDeliveryInTransaction,
  type SkippedDelivery,
  type TransactionalOptions,
  type TransactionContext,
  type TransactionRunner,
  type TransactionSource,
} from './transaction.js'
export {
  createPostgresTransactionalStore,
  type PostgresTransactionalStore,
} from './transactional-store.js'
