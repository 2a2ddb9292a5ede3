import { positiveOption, withDeadline } from '@inkless-webhooks/core/adapter'

/**
 * The one method the package calls: a parameterised statement (`$1`, `$2`, …) and its values,
 * resolving with the rows. A `pg` Pool, PoolClient or Client, and a PGlite instance or
 * transaction, are `Queryable` as they are; an ORM's transaction is one line of adapter
 * (docs/postgres.md shows Kysely and Drizzle).
 */
export interface Queryable {
  /** Runs one statement; rejects when it fails or the database cannot be reached. */
  query(text: string, values?: unknown[]): Promise<QueryRows>
}

/** What a statement resolves with: its rows (`pg`'s and PGlite's results have more). */
export interface QueryRows {
  /** One object per row, by column name. */
  readonly rows: readonly object[]
}

/** Rows as the statements shape them. */
export const rowsOf = async <Row>(result: Promise<QueryRows>) =>
  (await result).rows as readonly Row[]

/** Rejects after `ms` unless `work` settled first, naming what PostgreSQL did not answer. */
export const answeredWithin = <T>(work: Promise<T>, ms: number, what: string): Promise<T> =>
  withDeadline(work, ms, () => new Error(`PostgreSQL did not answer ${what} within ${ms} ms`))

/** A duration option: a positive integer of milliseconds, or its default. */
export const durationMs = (name: string, value: number | undefined, fallback: number) =>
  positiveOption(name, value, fallback, { integer: true })
