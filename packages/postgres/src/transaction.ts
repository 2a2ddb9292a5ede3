import type { ClaimResult } from '@inkless-webhooks/core'
import { claimRow } from './deliveries.js'
import { type DocumentOrder, type OrderedEvent, recordDocument } from './documents.js'
import { type PoolErrorReporting, watchPool } from './pool-errors.js'
import { answeredWithin, durationMs, type Queryable, type QueryRows } from './queryable.js'
import { type QualifiedNames, qualify, type TableNames } from './schema.js'

/** The delivery being recorded: its dedupe key, event and tenant (core's `DeliveryContext` has them). */
export interface DeliveryToRecord {
  /** Core's dedupe key of the delivery (`context.dedupeKey`, a queued job's `dedupeKey`). */
  readonly dedupeKey: string
  /** The event (its name, document_token and timestamp order the document). */
  readonly event: OrderedEvent
  /** The tenant, on an endpoint serving several Inkless accounts. */
  readonly tenant?: string
}

/** What recording a delivery found: claimed for this transaction, or already there. */
export type RecordedDelivery = ClaimedDelivery | SkippedDelivery

/** This transaction inserted the delivery's row: its commit makes the delivery done. */
export interface ClaimedDelivery extends DocumentOrder {
  /** `claimed`: run the listeners in this transaction. */
  readonly status: 'claimed'
}

/** Another transaction has the delivery: do not run its listeners. */
export interface SkippedDelivery {
  /** `done`: committed already (a duplicate); `processing`: still in another open transaction (409). */
  readonly status: Exclude<ClaimResult, 'claimed'>
}

/** The listeners ran and their transaction committed with the delivery's row. */
export interface ProcessedDelivery<T> {
  /** `processed`: committed. */
  readonly status: 'processed'
  /** What the work resolved with. */
  readonly value: T
}

/** Runs `work` in one transaction: commits when it resolves, rolls back when it throws. */
export type TransactionRunner<Tx> = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>

/** Runs one SQL statement in the transaction `tx` (for drivers whose transaction has no `query`). */
export type QueryIn<Tx> = (tx: Tx, text: string, values: unknown[]) => Promise<QueryRows>

/** The part of a `pg` Pool transactional handling uses: a connection of its own per delivery. */
export interface PoolLike<Client> {
  /** Checks a connection out of the pool (`pg`'s `pool.connect()`). */
  connect(): Promise<Client & PooledConnection>
}

/**
 * `pg`'s callback `connect`, declared last in its Pool: the overload TypeScript infers from,
 * so that a `pg` Pool's own connection type (`PoolClient`) becomes the transaction's `db`.
 */
export interface CallbackConnect<Client> {
  /** `pool.connect((error, client, done) => …)`; never called by this package. */
  connect(
    callback: (
      error: Error | undefined,
      client: Client | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void
}

/** A connection checked out of a pool. */
export interface PooledConnection extends Queryable {
  /** Returns it to the pool; with an argument (an error), destroys it instead. */
  release(destroy?: unknown): void
}

/**
 * How transactional handling opens a transaction: a `pg` Pool, or your driver's own
 * transaction function (PGlite, Kysely, Drizzle, Knex, Prisma), plus `query` when its
 * transaction object has no `query(text, values)` method.
 */
export type TransactionSource<Tx> =
  | {
      /**
       * A `pg` Pool: a connection of its own per delivery, BEGIN … COMMIT. Its `'error'`
       * events are listened to (see `onError`).
       */
      readonly pool: PoolLike<Tx> | (PoolLike<Tx> & CallbackConnect<Tx>)
      /** Not with `pool`. */
      readonly transaction?: never
      /** Not with `pool`. */
      readonly query?: never
    }
  | {
      /**
       * Runs one statement in `tx`; needed when `tx` has no `query(text, values)`. Annotate
       * its first parameter (`(tx: Transaction<DB>, text, values) => …`): that type is `db`.
       * Written before `transaction`, TypeScript reads `Tx` from it.
       */
      readonly query?: QueryIn<Tx>
      /** Your driver's transaction: `(work) => db.transaction(work)`. */
      readonly transaction: TransactionRunner<Tx>
      /** Not with `transaction`. */
      readonly pool?: never
    }

/**
 * Options of {@link runDeliveryInTransaction} and the transactional store. `Tx`, the
 * transaction your listeners get as `db`, is the pool's connection type (`pg`'s `PoolClient`,
 * so `db.query<Row>()` types its rows), else the type `query`'s first parameter is annotated
 * with, else {@link Queryable} (a PGlite transaction).
 */
export type TransactionalOptions<Tx> = TransactionSource<Tx> &
  TableNames &
  PoolErrorReporting & {
    /**
     * A statement slower than this counts as an outage (503), and a duplicate waits at most
     * half of it for the delivery's row before being answered 409. Default 2,000 ms.
     */
    timeoutMs?: number
    /** How long a processed delivery is remembered. Default 86,400,000 ms (24 h). */
    retentionMs?: number
  }

/** What the listeners of a delivery get in their context under transactional handling. */
export interface TransactionContext<Tx> extends DocumentOrder {
  /** The delivery's transaction: write through it, and your writes commit with its row. */
  readonly db: Tx
}

/**
 * Inserts the delivery's row inside the caller's transaction, then records its event
 * against its document. `claimed`: this transaction owns the delivery (its commit makes it
 * done; a rollback forgets it). `done` or `processing`: another transaction has it.
 * A row another open transaction inserted is waited for (row lock) up to `lockTimeoutMs`,
 * then answered `processing`. For queue workers that already hold a transaction.
 */
export async function recordDelivery(
  db: Queryable,
  delivery: DeliveryToRecord,
  options: TableNames & { retentionMs?: number; lockTimeoutMs?: number } = {},
): Promise<RecordedDelivery> {
  return record(db, qualify(options), delivery, {
    retentionMs: durationMs('retentionMs', options.retentionMs, 86_400_000),
    lockTimeoutMs: durationMs('lockTimeoutMs', options.lockTimeoutMs, 1000),
  })
}

async function record(
  db: Queryable,
  names: QualifiedNames,
  delivery: DeliveryToRecord,
  timing: { retentionMs: number; lockTimeoutMs: number },
): Promise<RecordedDelivery> {
  // SET LOCAL takes no parameters; the value is a checked integer.
  await db.query(`SET LOCAL lock_timeout = ${timing.lockTimeoutMs}`)
  let status: ClaimResult
  try {
    status = await claimRow(db, names, delivery.dedupeKey, {
      state: 'done',
      token: 'transaction',
      leaseMs: 1,
      retentionMs: timing.retentionMs,
    })
  } catch (error) {
    if (isLockTimeout(error)) return { status: 'processing' }
    throw error
  }
  if (status !== 'claimed') return { status }
  try {
    const order = await recordDocument(db, names, delivery.event, delivery.tenant)
    return { status: 'claimed', ...order }
  } catch (error) {
    // Another delivery of the same document holds its row: this one is retried (409).
    if (isLockTimeout(error)) return { status: 'processing' }
    throw error
  }
}

/** lock_not_available: the row is held by another open transaction past lock_timeout. */
const isLockTimeout = (error: unknown) => (error as { code?: unknown } | null)?.code === '55P03'

/** A connection that emits its errors as events (`pg`'s clients). */
interface Listening {
  on(event: 'error', listener: () => void): unknown
}

const listening = new WeakSet<object>()
const pools = new WeakSet<object>()

/**
 * pg emits a connection's errors (the server shutting down, a network cut) on the client:
 * one that reaches a client with no listener crashes the process. The statement in flight
 * rejects with the same error, which is what answers the delivery, so the event itself is
 * ignored: once per connection, for its whole life, since a late one (the socket's end after
 * a FATAL) can follow the release and the pool's own listener in any order.
 */
function listenForErrors(client: unknown): void {
  const events = client as Partial<Listening>
  if (typeof events.on !== 'function' || listening.has(client as object)) return
  listening.add(client as object)
  events.on('error', () => {})
}

/** The transaction of a `pg` Pool: BEGIN … COMMIT on a connection of its own. */
export function poolTransaction<Client>(pool: PoolLike<Client>): TransactionRunner<Client> {
  // Every connection the pool opens, also those another caller checks out; once per pool,
  // however many calls (runDeliveryInTransaction checks its options on each) share it.
  if (!pools.has(pool)) {
    pools.add(pool)
    ;(pool as Partial<{ on(event: 'connect', listener: (client: unknown) => void): unknown }>).on?.(
      'connect',
      listenForErrors,
    )
  }
  return async (work) => {
    const client = await pool.connect()
    listenForErrors(client)
    let broken: unknown
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      // A connection that cannot even roll back is destroyed, not returned to the pool.
      broken = await client.query('ROLLBACK').then(
        () => undefined,
        (failed: unknown) => failed ?? true,
      )
      throw error
    } finally {
      client.release(broken)
    }
  }
}

/** The checked parts of {@link TransactionalOptions}. */
export function transactionalParts<Tx>(options: TransactionalOptions<Tx>) {
  const source = options as {
    pool?: PoolLike<Queryable>
    transaction?: TransactionRunner<Tx>
    query?: QueryIn<Tx>
  }
  if ((source.pool === undefined) === (source.transaction === undefined))
    throw new TypeError('inkless-webhooks: pass exactly one of pool or transaction')
  if (source.pool !== undefined && typeof source.pool.connect !== 'function')
    throw new TypeError('inkless-webhooks: pool must be a pg Pool (a connect() method)')
  const outage = source.pool === undefined ? undefined : watchPool(source.pool, options)
  const transaction =
    source.transaction ??
    (poolTransaction(source.pool as PoolLike<Queryable>) as TransactionRunner<Tx>)
  const query: QueryIn<Tx> =
    source.query ?? ((tx, text, values) => (tx as Queryable).query(text, values))
  const timeoutMs = durationMs('timeoutMs', options.timeoutMs, 2000)
  return {
    transaction,
    queryable: (tx: Tx): Queryable => ({ query: (text, values = []) => query(tx, text, values) }),
    names: qualify(options),
    outage,
    timeoutMs,
    timing: {
      retentionMs: durationMs('retentionMs', options.retentionMs, 86_400_000),
      lockTimeoutMs: Math.max(1, Math.floor(timeoutMs / 2)),
    },
  }
}

/** Why a transaction was rolled back on purpose (not an error of the work). */
const NOT_CLAIMED = Symbol('not claimed')

/**
 * Runs `work` (a delivery's listeners) in one transaction with the delivery's row: inserted
 * first, committed together. Resolves `{ status: 'processed', value }` after the commit, or
 * `{ status: 'done' | 'processing' }` without running `work` when another transaction has
 * (or is processing) the delivery. A throw from `work`, or a crash, rolls back both, so a
 * retry runs on a clean slate. For queue workers (pg-boss) and custom receivers; the
 * transactional store builds on it.
 */
export async function runDeliveryInTransaction<Tx = Queryable, T = unknown>(
  options: TransactionalOptions<Tx>,
  delivery: DeliveryToRecord,
  work: (context: TransactionContext<Tx>) => Promise<T>,
): Promise<ProcessedDelivery<T> | SkippedDelivery> {
  const parts = transactionalParts(options)
  return inTransaction(parts, delivery, work)
}

/** {@link runDeliveryInTransaction} with its options already checked. */
export async function inTransaction<Tx, T>(
  parts: ReturnType<typeof transactionalParts<Tx>>,
  delivery: DeliveryToRecord,
  work: (context: TransactionContext<Tx>) => Promise<T>,
  onRecorded?: (recorded: RecordedDelivery) => void,
): Promise<ProcessedDelivery<T> | SkippedDelivery> {
  let found: 'done' | 'processing' = 'processing'
  try {
    const value = await parts.transaction(async (tx) => {
      const recorded = await answeredWithin(
        record(parts.queryable(tx), parts.names, delivery, parts.timing),
        parts.timeoutMs,
        'a claim',
      )
      parts.outage?.recovered()
      onRecorded?.(recorded)
      if (recorded.status !== 'claimed') {
        found = recorded.status
        throw NOT_CLAIMED
      }
      return work({ db: tx, stale: recorded.stale, documentStatus: recorded.documentStatus })
    })
    return { status: 'processed', value }
  } catch (error) {
    if (error === NOT_CLAIMED) return { status: found }
    throw error
  }
}
