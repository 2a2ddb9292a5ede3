import {
  createFailedDeliveries,
  type FailedDeliveries,
  type FailedJob,
  type FailedJobFilter,
  failedJobMatcher,
  newestFailureFirst,
} from '@inkless-webhooks/core/queue'
import { type Job, Queue } from 'bullmq'
import { type InklessJobData, jobIdOf } from './job.js'

/** What to replay, and from where when the first argument is a Redis URL. */
export interface ReplayFailedJobsOptions extends FailedJobFilter {
  /** List what would be replayed, change nothing. */
  dryRun?: boolean
  /** The queue, when the first argument is a Redis URL. Default `inkless`. */
  queueName?: string
  /** BullMQ's key prefix, when the first argument is a Redis URL. Default `bull`. */
  prefix?: string
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

/** The failed jobs of `queue` that match, newest failure first. */
async function findFailedJobs(
  queue: Queue<InklessJobData>,
  filter: FailedJobFilter = {},
): Promise<{ job: Job<InklessJobData>; failed: FailedJob }[]> {
  const matches = failedJobMatcher(filter, jobIdOf)
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
  return newestFailureFirst(found)
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
  return createFailedDeliveries(
    `the failed jobs of ${options.queueName ?? 'inkless'} at ${new URL(url).host}`,
    () => queueAt(url, options),
    (at) => findFailedJobs(at.queue, options),
  )
}
