/** A reporter of connection errors that says the first at once and counts the rest. */
export interface OutageReporter {
  (error: unknown): void
  /** Says what is still counted, and stops the timer. */
  stop(): void
}

const toError = (error: unknown): Error =>
  error instanceof Error
    ? error
    : // pg-boss emits some errors as plain copies ({ ...error, message, stack, queue }).
      new Error(String((error as { message?: unknown } | null)?.message ?? error))

/**
 * While PostgreSQL is away every pg-boss worker fails each poll, and the supervisor each
 * round: one report for the first error, then at most one per `intervalMs` saying how many
 * followed and the last one's message. The timer ends with the outage (an interval with no
 * error), so a healthy worker holds none.
 */
export function createOutageReporter(
  report: (error: Error) => void,
  intervalMs: number,
): OutageReporter {
  let timer: ReturnType<typeof setInterval> | undefined
  let count = 0
  let last: Error | undefined
  const flush = () => {
    if (count > 0) {
      report(
        new Error(
          `pg-boss: ${count} more error(s) in the last ${intervalMs} ms, the last: ${last?.message}`,
        ),
      )
      count = 0
      return
    }
    clearInterval(timer)
    timer = undefined
  }
  const reporter = (error: unknown) => {
    if (timer !== undefined) {
      count += 1
      last = toError(error)
      return
    }
    report(toError(error))
    timer = setInterval(flush, intervalMs)
    timer.unref()
  }
  reporter.stop = () => {
    flush()
    clearInterval(timer)
    timer = undefined
  }
  return reporter
}
