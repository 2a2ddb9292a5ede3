import { createOutageReporter, type OutageReporter } from '@inkless-webhooks/core/queue'

/** Where the PostgreSQL outages a `pg` Pool emits are reported (both stores take it). */
export interface PoolErrorReporting {
  /**
   * PostgreSQL outages the pool sees (an idle connection cut by a restart or a network
   * failure): once when one starts, then a count per minute, then once when it ends.
   * Default: one console line each. (Each 503 is also reported to core's `onError`.)
   */
  onError?: (error: Error) => void
}

/** A pool that emits its idle connections' errors (`pg`'s Pool). */
interface EmittingPool {
  on(event: 'error', listener: (error: unknown) => void): unknown
}

const consoleError = (error: Error) => console.error(`[inkless-webhooks] ${error.message}`)
const watched = new WeakMap<object, OutageReporter>()

/**
 * pg emits an idle connection's error (PostgreSQL restarting, a network cut) on the pool,
 * and an 'error' event with no listener ends the process: the store listens itself, so the
 * next deliveries get 503 until the server is back, and the outage is reported once. One
 * listener per pool, however many stores or calls share it; the first one's `onError` hears it.
 */
export function watchPool(pool: unknown, options: PoolErrorReporting): OutageReporter | undefined {
  const events = pool as Partial<EmittingPool> | null
  if (typeof events?.on !== 'function') return undefined
  let outage = watched.get(pool as object)
  if (outage === undefined) {
    const report = options.onError ?? consoleError
    outage = createOutageReporter(
      'PostgreSQL (the pool)',
      (error) => {
        try {
          report(error)
        } catch {
          // A throwing onError must not end the process it protects.
        }
      },
      { code: 'store_unavailable' },
    )
    watched.set(pool as object, outage)
    events.on('error', outage.failed)
  }
  return outage
}
