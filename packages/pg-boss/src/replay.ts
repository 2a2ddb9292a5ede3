import { parseEvent } from '@inkless-webhooks/core'
import {
  createFailedDeliveries,
  type FailedDeliveries,
  type FailedJob,
  type FailedJobFilter,
  failedJobMatcher,
  newestFailureFirst,
} from '@inkless-webhooks/core/queue'
import { type JobWithMetadata, PgBoss } from 'pg-boss'
import { type InklessJobData, jobIdOf } from './job.js'
import { type InklessQueueOptions, jobOptionsOf } from './queue.js'
import { DEFAULT_QUEUE, deadLetterQueueOf } from './queues.js'

/**
 * What to replay, from which queue, and the attempts replayed jobs get (as given to
 * `createInklessQueue`, whose defaults they share).
 */
export interface ReplayFailedJobsOptions
  extends FailedJobFilter,
    Pick<
      InklessQueueOptions,
      'attempts' | 'retryDelayMs' | 'retryDelayMaxMs' | 'heartbeatMs' | 'dedupeWindowMs'
    > {
  /** List what would be replayed, change nothing. */
  dryRun?: boolean
  /** The queue the receivers send to; its dead-letter queue is read. Default `inkless`. */
  queueName?: string
}

// pg-boss's most rows per findJobs() call.
const PAGE = 1000

type DeadLetter = JobWithMetadata<Partial<InklessJobData>>

function summary(job: DeadLetter): FailedJob {
  const data = job.data ?? {}
  const rawBody = typeof data.rawBody === 'string' ? data.rawBody : undefined
  const parsed = rawBody === undefined ? undefined : parseEvent(rawBody)
  const output = (job.sourceOutput ?? {}) as { message?: unknown }
  return {
    // The job that failed in the work queue: its id derives from the dedupe key.
    id: job.sourceId ?? job.id,
    event: parsed?.ok && parsed.kind !== 'verification' ? parsed.event.event : '',
    dedupeKey: typeof data.dedupeKey === 'string' ? data.dedupeKey : undefined,
    tenant: typeof data.tenant === 'string' ? data.tenant : undefined,
    // It was dead-lettered the moment its last run failed.
    failedAt: job.createdOn,
    attempts: (job.sourceRetryCount ?? 0) + 1,
    reason: typeof output.message === 'string' ? output.message : '',
    rawBody,
  }
}

/** The dead-lettered jobs of `queueName` that match, newest failure first, and their ids there. */
async function findFailedJobs(
  boss: PgBoss,
  queueName: string,
  filter: FailedJobFilter,
): Promise<{ deadLetterId: string; failed: FailedJob }[]> {
  const matches = failedJobMatcher(filter, jobIdOf)
  const found: { deadLetterId: string; failed: FailedJob }[] = []
  let after: string | undefined
  for (;;) {
    // Queued: not yet taken (a redrive moves only those); its own source, as redrive checks.
    const page = (await boss.findJobs(deadLetterQueueOf(queueName), {
      queued: true,
      limit: PAGE,
      ...(after === undefined ? {} : { after }),
    })) as DeadLetter[]
    for (const job of page) {
      const failed = summary(job)
      if (job.sourceName === queueName && matches(failed)) {
        found.push({ deadLetterId: job.id, failed })
      }
    }
    if (page.length < PAGE) break
    after = page[page.length - 1]?.id
  }
  return newestFailureFirst(found)
}

/** A started `PgBoss` on a PostgreSQL URL that only reads and moves jobs; stopped by `close`. */
async function bossAt(url: string) {
  const boss = new PgBoss({
    connectionString: url,
    max: 2,
    supervise: false,
    schedule: false,
    migrate: false,
    createSchema: false,
  })
  // Without a listener, a pool error would end the process; start() rejects with it anyway.
  boss.on('error', () => {})
  await boss.start()
  return { boss, close: () => boss.stop({ graceful: false, timeout: 1000 }) }
}

/**
 * Runs dead-lettered deliveries again — by id, event, tenant or time of failure — with their
 * full attempts: moves them from `<queueName>.dead-letter` back to the work queue with
 * pg-boss's `redrive()`, after setting the queue's retry policy to the attempts and delays of
 * `options` (`createInklessQueue`'s defaults unless given), which redriven jobs take. Takes
 * a started `PgBoss` or a PostgreSQL URL (`postgres://…`). Resolves to the jobs replayed (with
 * `dryRun`, the jobs that would be; nothing changes).
 */
export async function replayFailedJobs(
  bossOrUrl: PgBoss | string,
  options: ReplayFailedJobsOptions = {},
): Promise<FailedJob[]> {
  const queueName = options.queueName ?? DEFAULT_QUEUE
  // Checked before anything connects.
  const job = jobOptionsOf(options, queueName)
  const at = typeof bossOrUrl === 'string' ? await bossAt(bossOrUrl) : undefined
  const boss = at?.boss ?? (bossOrUrl as PgBoss)
  try {
    const found = await findFailedJobs(boss, queueName, options)
    if (!options.dryRun && found.length > 0) {
      await boss.updateQueue(queueName, {
        retryLimit: job.retryLimit,
        retryDelay: job.retryDelay,
        retryDelayMax: job.retryDelayMax ?? null,
        retryBackoff: job.retryBackoff,
        heartbeatSeconds: job.heartbeatSeconds ?? null,
        deleteAfterSeconds: job.deleteAfterSeconds,
      })
      // One statement per page: each job leaves the dead-letter queue as its copy is created.
      for (let i = 0; i < found.length; i += PAGE) {
        const ids = found.slice(i, i + PAGE).map((f) => f.deadLetterId)
        await boss.redrive(deadLetterQueueOf(queueName), {
          ids,
          sourceName: queueName,
          limit: ids.length,
        })
      }
    }
    return found.map(({ failed }) => failed)
  } finally {
    await at?.close()
  }
}

/**
 * What `inkless-webhooks replay --pg-boss <url> --to <receiver>` sends: the dead-lettered
 * bytes (with `--resign`, as new deliveries: the failed originals keep their ids, so the same
 * bytes are answered `duplicate`).
 */
export const failedDeliveries = (
  url: string,
  options: ReplayFailedJobsOptions = {},
): FailedDeliveries =>
  createFailedDeliveries(
    `the dead-lettered jobs of ${options.queueName ?? DEFAULT_QUEUE} at ${new URL(url).host}`,
    () => bossAt(url),
    ({ boss }) => findFailedJobs(boss, options.queueName ?? DEFAULT_QUEUE, options),
  )
