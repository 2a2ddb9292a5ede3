/** Which failed jobs a queue package's `replayFailedJobs` takes: every condition given must hold. */
export interface FailedJobFilter {
  /** Job ids or the dedupe keys they derive from. */
  ids?: readonly string[]
  /** Event names, e.g. `envelope_complete`. */
  event?: string | readonly string[]
  /** The tenant, on an endpoint serving several Inkless accounts. */
  tenant?: string
  /** Failed (for the last time) at or after this time: a `Date` or ms since the epoch. */
  since?: Date | number
}

/** A failed job, as a queue package's replay found it. */
export interface FailedJob {
  /** The job's id, as the queue package derives it from the dedupe key. */
  readonly id: string
  /** The event's name. */
  readonly event: string
  /** The delivery's dedupe key. */
  readonly dedupeKey: string | undefined
  /** The tenant, if the delivery had one. */
  readonly tenant: string | undefined
  /** When it failed for the last time. */
  readonly failedAt: Date | undefined
  /** Runs it had. */
  readonly attempts: number
  /** Why its last run failed. */
  readonly reason: string
  /** The signed bytes it holds, for a replay over HTTP. */
  readonly rawBody: string | undefined
}

/** A failed job's signed bytes, to send again. */
export interface FailedDelivery {
  /** The job's id and event, for the listing. */
  readonly label: string
  /** The exact bytes Inkless signed. */
  readonly body: string
}

/** The failed jobs of a queue as deliveries to send again (the testing CLI's `ReplaySource`). */
export interface FailedDeliveries {
  /** The queue and its server, for messages. */
  readonly name: string
  /** Connects, then yields each matching failed job's bytes, newest failure first. */
  deliveries(): AsyncIterable<FailedDelivery>
  /** Disconnects. */
  close(): Promise<void>
}

/**
 * The test of `filter` on a failed job. `jobIdOf` turns a dedupe key given in `ids` into the
 * queue package's job id. Throws a `TypeError` for a `since` that is not a date.
 */
export function failedJobMatcher(
  filter: FailedJobFilter,
  jobIdOf: (dedupeKey: string) => string,
): (job: FailedJob) => boolean {
  const ids =
    filter.ids &&
    new Set(
      filter.ids.flatMap((id) => {
        try {
          return [id, jobIdOf(id)]
        } catch {
          // Not a dedupe key: a job id, matched as given.
          return [id]
        }
      }),
    )
  const events = filter.event === undefined ? undefined : new Set([filter.event].flat())
  const since = filter.since === undefined ? undefined : new Date(filter.since).getTime()
  if (since !== undefined && Number.isNaN(since)) {
    throw new TypeError('inkless-webhooks: replayFailedJobs: since is not a valid date')
  }
  return (job) =>
    (ids === undefined || ids.has(job.id)) &&
    (events === undefined || events.has(job.event)) &&
    (filter.tenant === undefined || job.tenant === filter.tenant) &&
    (since === undefined || (job.failedAt?.getTime() ?? 0) >= since)
}

/** Orders failed jobs newest failure first, in place. */
export const newestFailureFirst = <
  T extends {
    /** The job, as the replay found it. */
    failed: FailedJob
  },
>(
  found: T[],
): T[] =>
  found.sort((a, b) => (b.failed.failedAt?.getTime() ?? 0) - (a.failed.failedAt?.getTime() ?? 0))

/**
 * For `inkless-webhooks replay --bullmq|--pg-boss <url> --to <receiver>`: the signed bytes of
 * the failed jobs `find` finds on what `open` connects (its `close` disconnects), in `find`'s
 * order.
 */
export function createFailedDeliveries<
  T extends {
    /** Disconnects. */
    close(): Promise<void>
  },
>(
  name: string,
  open: () => Promise<T>,
  find: (at: T) => Promise<readonly { failed: FailedJob }[]>,
): FailedDeliveries {
  let close: (() => Promise<void>) | undefined
  return {
    name,
    async *deliveries() {
      const at = await open()
      close = () => at.close()
      for (const { failed } of await find(at)) {
        if (failed.rawBody === undefined) continue
        yield { label: `${failed.id} ${failed.event}`, body: failed.rawBody }
      }
    },
    close: async () => {
      await close?.()
    },
  }
}
