import { type InklessErrorCode, InklessWebhookError } from './errors.js'

/** What an {@link OutageReporter} tells: the error to report, and whether it is a recovery. */
export type OutageReport = (error: InklessWebhookError, level: 'error' | 'warn') => void

/** Turns a stream of connection errors into a few reports; see {@link createOutageReporter}. */
export interface OutageReporter {
  /** One connection error: the first of an outage is reported, later ones are counted. */
  failed(error: unknown): void
  /** The connection works again: reports the outage's length and error count, once. */
  recovered(): void
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * A connection outage (Redis, PostgreSQL) as an operator wants to hear it: once when it
 * starts, then at most once per `intervalMs` with the count of errors since, and once when
 * it ends; however fast the client fails (a client retrying in a loop reports as one).
 * `code` is the reports' error code: `queue_unavailable` unless a dedupe store reports.
 */
export function createOutageReporter(
  what: string,
  report: OutageReport,
  {
    intervalMs = 60_000,
    now = Date.now,
    code = 'queue_unavailable',
  }: {
    intervalMs?: number
    now?: () => number
    code?: Extract<InklessErrorCode, 'queue_unavailable' | 'store_unavailable'>
  } = {},
): OutageReporter {
  let since: number | undefined
  let lastReport = 0
  let count = 0
  let total = 0
  return {
    failed(error) {
      const at = now()
      total++
      if (since === undefined) {
        since = lastReport = at
        total = 1
        count = 0
        report(
          new InklessWebhookError(
            code,
            `${what} failed: ${messageOf(error)}. Further errors are counted and reported once per ${seconds(intervalMs)} until it works again.`,
            { cause: error },
          ),
          'error',
        )
        return
      }
      count++
      if (at - lastReport < intervalMs) return
      report(
        new InklessWebhookError(
          code,
          `${what} still failing after ${seconds(at - since)}: ${count} more error(s) in the last ${seconds(at - lastReport)}, the last: ${messageOf(error)}.`,
          { cause: error },
        ),
        'error',
      )
      lastReport = at
      count = 0
    },
    recovered() {
      if (since === undefined) return
      report(
        new InklessWebhookError(
          code,
          `${what} works again after ${seconds(now() - since)} (${total} error(s)).`,
        ),
        'warn',
      )
      since = undefined
    },
  }
}
