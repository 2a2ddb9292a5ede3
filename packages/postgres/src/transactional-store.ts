import type { ClaimInfo, ContextClaim, DedupeStore } from '@inkless-webhooks/core'
import { answeredWithin, type Queryable } from './queryable.js'
import {
  inTransaction,
  type TransactionalOptions,
  type TransactionContext,
  transactionalParts,
} from './transaction.js'

/**
 * The store of transactional handling: each claim is an open transaction holding the
 * delivery's row, so it is `transactional` (core refuses `respond: 'immediately'` with it).
 */
export type PostgresTransactionalStore<Tx> = DedupeStore<TransactionContext<Tx>> & {
  /** Always `true`: the answer comes after the commit. */
  readonly transactional: true
}

/** Why the work gave up its transaction (rolled back on purpose, not an error of PostgreSQL). */
const ROLLED_BACK = Symbol('rolled back')

/**
 * Transactional handling: pass it as `dedupe` and each delivery's listeners run inside ONE
 * transaction that also inserts the delivery's row, with that transaction in their context
 * (`onEnvelopeComplete: (event, { db }) => db.query('update …')`). Core answers 200 only
 * once it committed; a listener's throw rolls back their writes with the row (500), a crash
 * rolls back everything (the connection dies), and Inkless's retry runs on a clean slate. A
 * duplicate arriving while the delivery's transaction is open waits for its row up to half
 * of `timeoutMs`, then gets 409; `stale` and `documentStatus` order the document's events.
 * `respond: 'immediately'` with it throws when the instance is made: 200 means committed.
 */
export function createPostgresTransactionalStore<Tx = Queryable>(
  options: TransactionalOptions<Tx>,
): PostgresTransactionalStore<Tx> {
  const parts = transactionalParts(options)
  const { timeoutMs } = parts
  /** Each open claim's way to end its transaction: resolves once committed or rolled back. */
  const open = new WeakMap<object, (commit: boolean) => Promise<void>>()

  const claim = (key: string, info: ClaimInfo | undefined) =>
    new Promise<'done' | 'processing' | ContextClaim<TransactionContext<Tx>>>((resolve, reject) => {
      if (info === undefined) {
        reject(new TypeError('inkless-webhooks: the transactional store needs the delivery'))
        return
      }
      let abandoned = false
      let decide: (commit: boolean) => void = () => {}
      const decided = new Promise<boolean>((settle) => {
        decide = settle
      })
      // Connecting and inserting the row must fit in timeoutMs, or the answer is 503.
      const timer = setTimeout(() => {
        abandoned = true
        reject(new Error(`PostgreSQL did not open the delivery within ${timeoutMs} ms`))
      }, timeoutMs)
      const finished = inTransaction(
        parts,
        {
          dedupeKey: key,
          event: info.event,
          ...(info.tenant === undefined ? {} : { tenant: info.tenant }),
        },
        async (context) => {
          clearTimeout(timer)
          if (abandoned) throw ROLLED_BACK
          const claimed = { status: 'claimed' as const, context }
          open.set(claimed, (commit) => {
            decide(commit)
            return answeredWithin(ended, timeoutMs, commit ? 'the commit' : 'the rollback')
          })
          resolve(claimed)
          if (!(await decided)) throw ROLLED_BACK
        },
      )
      const ended = finished.then(
        (result) => {
          clearTimeout(timer)
          if (result.status !== 'processed') resolve(result.status)
        },
        (error: unknown) => {
          clearTimeout(timer)
          // Before the claim resolved this rejects it (503); after, only a failed commit
          // reaches core (through complete), and a rollback is what release asked for.
          reject(error)
          if (error !== ROLLED_BACK) throw error
        },
      )
      // Nobody awaits a transaction whose claim was abandoned or answered already.
      ended.catch(() => {})
    })

  const end = (claimed: object | undefined, commit: boolean) => {
    const close = claimed === undefined ? undefined : open.get(claimed)
    if (close === undefined) return Promise.resolve()
    open.delete(claimed as object)
    return close(commit)
  }

  return {
    transactional: true,
    claim,
    complete: (_key, claimed) => end(claimed, true),
    release: (_key, claimed) => end(claimed, false),
  }
}
