import { type Job, Queue } from 'bullmq'
import { type InklessJobData, jobIdOf } from './job.js'

/** Which failed jobs: every condition given must hold. */
export interface FailedJobFilter {
  /** Job ids (`inkless-…`) or the dedupe keys they derive from. */
  ids?: readonly string[]
  /** Event names, e.g. `envelope_complete`. */
  event?: string | readonly string[]
  /** The tenant, on an endpoint serving several Inkless accounts. */
  tenant?: string
  /** Failed (for the last time) at or after this time: a `Date` or ms since the epoch. */
  since?: Date | number
}

/** What to replay, and from where when the first argument is a Redis URL. */
export interface ReplayFailedJobsOptions extends FailedJobFilter {
  /** List what would be replayed, change nothing. */
  dryRun?: boolean
  /** The queue, when the first argument is a Redis URL. Default `inkless`. */
  queueName?: string
  /** BullMQ's key prefix, when the first argument is a Redis URL. Default `bull`. */
  prefix?: string
}

/** A failed job, as the replay found it. */
export interface FailedJob {
  /** The job's id: `inkless-` and the dedupe key. */
  readonly id: string
  /** The event's name (the job's name). */
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

const PAGE = 500

function summary(job: Job<InklessJobData>): FailedJob {
  const data = (job.data ?? {}) as Partial<InklessJobData>
  return {
    id: job.id as string,
    event: job.name,
    dedupeKey: typeof data.dedupeKey === 'string' ? data.dedupeKey : undefined,
    tenant: typeof data.tenant === 'string' ? data.tenant : undefined,
    failedAt: job.finishedOn === undefined ? undefined : new Date(job.finishedOn),
    attempts: job.attemptsMade,
    reason: job.failedReason ?? '',
    rawBody: typeof data.rawBody === 'string' ? data.rawBody : undefined,
  }
}

function matcher(filter: FailedJobFilter) {
  const ids = filter.ids && new Set(filter.ids.flatMap((id) => [id, jobIdOf(id)]))
  const events = filter.event === undefined ? undefined : new Set([filter.event].flat())
  const since = filter.since === undefined ? undefined : new Date(filter.since).getTime()
  if (since !== undefined && Number.isNaN(since)) {
    throw new TypeError('inkless-webhooks: replayFailedJobs: since is not a valid date')
  }
  return (job: FailedJob) =>
    (ids === undefined || ids.has(job.id)) &&
    (events === undefined || events.has(job.event)) &&
    (filter.tenant === undefined || job.tenant === filter.tenant) &&
    (since === undefined || (job.failedAt?.getTime() ?? 0) >= since)
}

/** The failed jobs of `queue` that match, newest failure first. */
async function findFailedJobs(
  queue: Queue<InklessJobData>,
  filter: FailedJobFilter = {},
): Promise<{ job: Job<InklessJobData>; failed: FailedJob }[]> {
  const matches = matcher(filter)
  const found: { job: Job<InklessJobData>; failed: FailedJob }[] = []
  for (let start = 0; ; start += PAGE) {
    const page = (await queue.getFailed(start, start + PAGE - 1)) as Job<InklessJobData>[]
    for (const job of page) {
      if (!job) continue
      const failed = summary(job)
      if (matches(failed)) found.push({ job, failed })
    }
    if (page.length < PAGE) break
  }
  return found.sort(
    (a, b) => (b.failed.failedAt?.getTime() ?? 0) - (a.failed.failedAt?.getTime() ?? 0),
  )
}

/** A queue on a Redis URL, connected or failing at once; closed with its connection. */
async function queueAt(url: string, options: ReplayFailedJobsOptions) {
  const { Redis } = await import('ioredis')
  // A one-off command: fail at once when Redis is unreachable, never retry in the background.
  const connection = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    retryStrategy: () => null,
  })
  let cause: Error | undefined
  connection.on('error', (error: Error) => {
    cause ??= error
  })
  // Its rejection says only "Connection is closed": the error event says why.
  await connection.connect().catch((error: unknown) => {
    throw cause ?? error
  })
  const queue = new Queue<InklessJobData>(options.queueName ?? 'inkless', {
    connection,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  })
  return {
    queue,
    close: async () => {
      await queue.close()
      connection.disconnect()
    },
  }
}

/**
 * Runs failed jobs again — by id, event, tenant or time of failure — with their full
 * attempts: what hosted webhook gateways call "recover failed messages since …". Takes the
 * receivers' BullMQ `Queue`, or a Redis URL (`redis://…`, with `queueName`). Resolves to
 * the jobs replayed (with `dryRun`, the jobs that would be; nothing changes).
 */
export async function replayFailedJobs(
  queueOrUrl: Queue<InklessJobData> | string,
  options: ReplayFailedJobsOptions = {},
): Promise<FailedJob[]> {
  const at = typeof queueOrUrl === 'string' ? await queueAt(queueOrUrl, options) : undefined
  const queue = at?.queue ?? (queueOrUrl as Queue<InklessJobData>)
  try {
    const found = await findFailedJobs(queue, options)
    if (!options.dryRun) {
      for (const { job } of found) await job.retry('failed', { resetAttemptsMade: true })
    }
    return found.map(({ failed }) => failed)
  } finally {
    await at?.close()
  }
}

/**
 * For `inkless-webhooks replay --bullmq <url> --to <receiver>`: the failed jobs' signed
 * bytes, to send again over HTTP (with `--resign`, as new deliveries: the originals are
 * still in the failed set, so their own bytes are answered `duplicate`).
 */
export function failedDeliveries(
  url: string,
  options: ReplayFailedJobsOptions = {},
): FailedDeliveries {
  let close: (() => Promise<void>) | undefined
  return {
    name: `the failed jobs of ${options.queueName ?? 'inkless'} at ${new URL(url).host}`,
    async *deliveries() {
      const at = await queueAt(url, options)
      close = at.close
      for (const { failed } of await findFailedJobs(at.queue, options)) {
        if (failed.rawBody === undefined) continue
        yield { label: `${failed.id} ${failed.event}`, body: failed.rawBody }
      }
    },
    close: async () => {
      await close?.()
    },
  }
}
