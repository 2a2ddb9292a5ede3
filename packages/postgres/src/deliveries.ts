import type { ClaimResult } from '@inkless-webhooks/core'
import { type Queryable, rowsOf } from './queryable.js'
import type { QualifiedNames } from './schema.js'

/**
 * Claims a delivery's row in one statement: inserts it, or takes over a row whose lease
 * expired (a crashed holder) or whose retention ended; otherwise says what is there.
 * `state` is what the row becomes: `processing` under a lease (the store), or `done` at once
 * (transactional handling, where the transaction's commit is what makes it true).
 */
export async function claimRow(
  db: Queryable,
  names: QualifiedNames,
  key: string,
  claim: {
    readonly state: 'processing' | 'done'
    readonly token: string
    readonly leaseMs: number
    readonly retentionMs: number
  },
): Promise<ClaimResult> {
  const t = names.deliveries
  const rows = await rowsOf<{ state: string }>(
    db.query(
      `WITH claimed AS (
  INSERT INTO ${t} AS d (dedupe_key, state, token, lease_until, settled_at)
  VALUES ($1, $2::text, $3,
    CASE WHEN $2::text = 'processing' THEN now() + $4::float8 * interval '1 millisecond' END,
    CASE WHEN $2::text = 'done' THEN now() END)
  ON CONFLICT (dedupe_key) DO UPDATE SET state = excluded.state, token = excluded.token,
    lease_until = excluded.lease_until, settled_at = excluded.settled_at
  WHERE (d.state = 'processing' AND d.lease_until <= now())
     OR (d.state = 'done' AND d.settled_at <= now() - $5::float8 * interval '1 millisecond')
  RETURNING 'claimed'::text AS state
)
SELECT state FROM claimed
UNION ALL
SELECT d.state FROM ${t} d WHERE d.dedupe_key = $1 AND NOT EXISTS (SELECT 1 FROM claimed)`,
      [key, claim.state, claim.token, claim.leaseMs, claim.retentionMs],
    ),
  )
  const found = rows[0]?.state
  if (found === 'claimed') return 'claimed'
  if (found === 'done') return 'done'
  if (found === 'processing') return 'processing'
  // The row was committed by another transaction after this statement's snapshot (it waited
  // on that row): a fresh look says which.
  const now = await rowsOf<{ state: string }>(
    db.query(`SELECT state FROM ${t} WHERE dedupe_key = $1`, [key]),
  )
  return now[0]?.state === 'done' ? 'done' : 'processing'
}

/** Marks a delivery done (whoever holds it now: its listeners succeeded). */
export const completeRow = (db: Queryable, names: QualifiedNames, key: string) =>
  db.query(
    `INSERT INTO ${names.deliveries} AS d (dedupe_key, state, settled_at) VALUES ($1, 'done', now())
ON CONFLICT (dedupe_key) DO UPDATE SET state = 'done', token = NULL, lease_until = NULL, settled_at = now()`,
    [key],
  )

/** Deletes a claim if it is still ours (after a lease expiry another instance may hold it). */
export const releaseRow = (db: Queryable, names: QualifiedNames, key: string, token: string) =>
  db.query(
    `DELETE FROM ${names.deliveries} WHERE dedupe_key = $1 AND token = $2 AND state = 'processing'`,
    [key, token],
  )

/**
 * Deletes done rows older than the retention and processing rows whose lease ended that long
 * ago, at most `limit` per call; resolves with how many.
 */
export async function deleteExpired(
  db: Queryable,
  names: QualifiedNames,
  retentionMs: number,
  limit: number,
): Promise<number> {
  const t = names.deliveries
  const rows = await rowsOf<{ deleted: number }>(
    db.query(
      `WITH gone AS (
  DELETE FROM ${t} WHERE dedupe_key IN (
    SELECT dedupe_key FROM ${t}
    WHERE coalesce(settled_at, lease_until) < now() - $1::float8 * interval '1 millisecond'
    LIMIT $2::int)
  RETURNING 1)
SELECT count(*)::int AS deleted FROM gone`,
      [retentionMs, limit],
    ),
  )
  return rows[0]?.deleted ?? 0
}
