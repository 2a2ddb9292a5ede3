import { randomUUID } from 'node:crypto'
import type { DedupeStore } from '@inkless-webhooks/core'
import { createHeldClaims } from '@inkless-webhooks/core/adapter'
import { claimRow, completeRow, deleteExpired, releaseRow } from './deliveries.js'
import { type PoolErrorReporting, watchPool } from './pool-errors.js'
import { answeredWithin, durationMs, type Queryable } from './queryable.js'
import { qualify, type TableNames } from './schema.js'

/** The options both Postgres stores share. */
export interface PostgresStoreTiming {
  /**
   * How long a claim lives while its listeners run. If the instance dies mid-delivery,
   * Inkless's next retry after this is processed. Keep it above your slowest handler.
   * Default 300,000 ms (5 min).
   */
  leaseMs?: number
  /** How long a processed delivery is remembered, from its completion. Default 86,400,000 ms (24 h). */
  retentionMs?: number
  /** A statement slower than this counts as an outage (answered 503). Default 2,000 ms. */
  timeoutMs?: number
  /**
   * How often a claim also deletes rows past their retention (in the background, at most
   * 10,000 per run). Default 3,600,000 ms (1 h). `cleanup()` runs it on demand.
   */
  cleanupIntervalMs?: number
}

/** Options of {@link createPostgresDedupeStore}: a connection (pool or client), names and timing. */
export type PostgresDedupeStoreOptions = TableNames &
  PostgresStoreTiming &
  PoolErrorReporting &
  (
    | {
        /**
         * A `pg` Pool (recommended: `connectionTimeoutMillis` set), or any {@link Queryable}.
         * The store listens to the pool's `'error'` events (see `onError`).
         */
        pool: Queryable
        /** Not with `pool`. */
        client?: never
      }
    | {
        /** A single connection (a `pg` Client, PGlite) instead of a pool. */
        client: Queryable
        /** Not with `client`. */
        pool?: never
      }
  )

/** A dedupe store (core's `DedupeStore`) on PostgreSQL, plus its retention cleanup. */
export interface PostgresDedupeStore extends DedupeStore {
  /** Deletes up to 10,000 rows past their retention now; resolves with how many. */
  cleanup(): Promise<number>
}

const CLEANUP_BATCH = 10_000

/** Reads the timing options with their defaults, each checked. */
export function timingOf(options: PostgresStoreTiming) {
  return {
    leaseMs: durationMs('leaseMs', options.leaseMs, 300_000),
    retentionMs: durationMs('retentionMs', options.retentionMs, 86_400_000),
    timeoutMs: durationMs('timeoutMs', options.timeoutMs, 2000),
    cleanupIntervalMs: durationMs('cleanupIntervalMs', options.cleanupIntervalMs, 3_600_000),
  }
}

/** The connection of the options: `pool` or `client`, exactly one. */
export function connectionOf(options: { pool?: unknown; client?: unknown }, kind: string) {
  const db = options.pool ?? options.client
  if ((options.pool === undefined) === (options.client === undefined) || db === null)
    throw new TypeError(`inkless-webhooks: pass exactly one of pool or client (${kind})`)
  if (typeof (db as Queryable).query !== 'function')
    throw new TypeError(`inkless-webhooks: pool/client must have a query(text, values) method`)
  return db as Queryable
}

/**
 * A dedupe store shared by every instance, in your PostgreSQL:
 * `createInklessWebhooks({ dedupe: createPostgresDedupeStore({ pool }) })`. One row per
 * delivery (`INSERT … ON CONFLICT`), a lease while its listeners run (taken over once
 * expired, so a crashed instance blocks a delivery for at most `leaseMs`), and the retention
 * cleanup. Create the tables first: `createSchema(pool)` or the shipped `schema.sql`.
 */
export function createPostgresDedupeStore(
  options: PostgresDedupeStoreOptions,
): PostgresDedupeStore {
  const db = connectionOf(options, 'createPostgresDedupeStore')
  const outage = options.pool === undefined ? undefined : watchPool(options.pool, options)
  const names = qualify(options)
  const { leaseMs, retentionMs, timeoutMs, cleanupIntervalMs } = timingOf(options)
  const timed = <T>(work: Promise<T>, what: string) => answeredWithin(work, timeoutMs, what)
  // Claims this process holds (release deletes only its own); completions and releases
  // PostgreSQL did not take yet, retried until it does.
  const held = createHeldClaims(
    {
      complete: (key) => timed(completeRow(db, names, key), 'a completion'),
      release: (key, token) => timed(releaseRow(db, names, key, token), 'a release'),
    },
    leaseMs,
  )
  let lastCleanup = Number.NEGATIVE_INFINITY
  const cleanup = () => timed(deleteExpired(db, names, retentionMs, CLEANUP_BATCH), 'the cleanup')

  return {
    async claim(key) {
      if (held.completing(key)) return 'done'
      if (Date.now() - lastCleanup >= cleanupIntervalMs) {
        lastCleanup = Date.now()
        cleanup().catch(() => {
          lastCleanup = Number.NEGATIVE_INFINITY
        })
      }
      const token = randomUUID()
      const claiming = claimRow(db, names, key, {
        state: 'processing',
        token,
        leaseMs,
        retentionMs,
      })
      let result: Awaited<typeof claiming>
      try {
        result = await timed(claiming, 'a claim')
      } catch (error) {
        // Core answers 503 and will neither process nor release this claim, but the
        // statement may still commit (a slow server answers late): delete it if it did, or
        // Inkless's retries would get 409 for the whole lease.
        claiming.then(
          (late) => {
            if (late === 'claimed') held.releaseLater(key, token)
          },
          () => {},
        )
        throw error
      }
      outage?.recovered()
      if (result === 'claimed') held.hold(key, token)
      return result
    },
    complete: held.complete,
    release: held.release,
    cleanup,
  }
}
