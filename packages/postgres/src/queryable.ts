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

/** Rejects after `ms` unless `work` settled first. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL did not answer ${what} within ${ms} ms`)),
      ms,
    )
    work.then(resolve, reject).finally(() => clearTimeout(timer))
  })
}

/** Checks a duration option: a positive integer of milliseconds. */
export function positiveMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new TypeError(
      `inkless-webhooks: ${name} must be a positive integer of milliseconds, got ${String(value)}`,
    )
  return value
}
