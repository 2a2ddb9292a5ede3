import { type ListenerMethods, parseEvent } from '@inkless-webhooks/core'
import { checkOptionNames, renamedOption } from '@inkless-webhooks/core/adapter'
import {
  createWorkerBase,
  type JobContext,
  type JobErrorContext,
  type JobRunnerOptions,
  type WorkerOptionNames,
} from '@inkless-webhooks/core/queue'
import {
  createSchema,
  type Queryable,
  recordDelivery,
  type TableNames,
  type TransactionContext,
} from '@inkless-webhooks/postgres'
import type { Db, JobResult, JobWithMetadata, PgBoss, WorkOptions } from 'pg-boss'
import { createQueues, DEFAULT_QUEUE } from './queues.js'

export type { JobContext, JobErrorContext }

/**
 * What a transactional worker's listeners get: the job's context, the transaction pg-boss
 * completes the job in (`db`), and the document's order (`stale`, `documentStatus`).
 */
export type TransactionalJobContext = JobContext & TransactionContext<Queryable>

/**
 * How many jobs a worker takes and how often: pg-boss's `work()` options, with durations in
 * ms (pg-boss takes seconds: they are converted).
 */
export interface InklessWorkOptions {
  /** Jobs each loop fetches at once. Default 4. */
  batchSize?: number
  /** Fetch loops in this process. Default 2. */
  localConcurrency?: number
  /** How often an idle loop polls for jobs, in ms (at least 500). Default 500. */
  pollingIntervalMs?: number
  /**
   * The poll while pg-boss's LISTEN/NOTIFY is active for the queue, in ms (at least 500 and
   * at least `pollingIntervalMs`). Default pg-boss's, 30,000.
   */
  notifyPollingIntervalMs?: number
  /** How often a running job's heartbeat is refreshed, in ms. Default pg-boss's: half the heartbeat. */
  heartbeatRefreshMs?: number
  /**
   * `pollingIntervalMs` in seconds.
   *
   * @deprecated Use `pollingIntervalMs` (in ms).
   */
  pollingIntervalSeconds?: number
  /**
   * `notifyPollingIntervalMs` in seconds.
   *
   * @deprecated Use `notifyPollingIntervalMs` (in ms).
   */
  notifyPollingIntervalSeconds?: number
  /**
   * `heartbeatRefreshMs` in seconds.
   *
   * @deprecated Use `heartbeatRefreshMs` (in ms).
   */
  heartbeatRefreshSeconds?: number
}

/** What every worker takes beside its callbacks: its `PgBoss`, and how it takes jobs and shuts down. */
export interface InklessWorkerBaseOptions {
  /**
   * The pg-boss instance (started here if it is not). The worker owns it from now on:
   * `close()` stops it.
   */
  boss: PgBoss
  /** The queue the receivers send to. Default `inkless`. */
  queueName?: string
  /**
   * How jobs are taken: `localConcurrency` loops in this process, each fetching `batchSize`
   * jobs at once and running them side by side, fetching again at once while batches come
   * back full, else every `pollingIntervalMs`. Default 2 × 4 jobs, polling every 500 ms.
   */
  work?: InklessWorkOptions
  /**
   * How long `close()` waits for running jobs before it hands them back for a retry elsewhere
   * and stops the `PgBoss` anyway. Default 25,000 ms.
   */
  closeTimeoutMs?: number
  /**
   * Signals that close the worker, then end the process as the signal would have (unless
   * the application listens for it too). Default `['SIGTERM', 'SIGINT']`; `false`: none.
   */
  signals?: readonly NodeJS.Signals[] | false
}

/** The worker's callbacks (as core's) and its other options. */
export interface InklessWorkerOptions extends JobRunnerOptions, InklessWorkerBaseOptions {
  /** See {@link TransactionalWorkerOptions}. */
  transactional?: false
}

/**
 * A worker whose listeners run in the transaction pg-boss completes their jobs in, with
 * `@inkless-webhooks/postgres`'s delivery row: what they write through `context.db` commits
 * with the job's completion and the row, or not at all (a throw rolls back the batch and
 * pg-boss retries its jobs). A delivery whose row is committed already is not run again.
 */
export interface TransactionalWorkerOptions
  extends JobRunnerOptions<TransactionalJobContext>,
    InklessWorkerBaseOptions {
  /**
   * `true`, or the table names `createSchema` was given (it runs at start). A batch is one
   * transaction: keep `work.batchSize` at 1 if one job's failure must not re-run the others.
   */
  transactional: true | TableNames
}

// The compiler fails here when either options type gains an option this list lacks.
const OWN_OPTIONS: WorkerOptionNames<InklessWorkerOptions | TransactionalWorkerOptions> = {
  boss: true,
  queueName: true,
  work: true,
  transactional: true,
}

/** A running worker: add listeners, reach its `PgBoss`, close it. */
export interface InklessWorker<C extends JobContext = JobContext> extends ListenerMethods<C> {
  /** The pg-boss instance, for its events, `getQueueStats()`, `redrive()`… */
  readonly boss: PgBoss
  /**
   * Takes no new jobs, waits up to `closeTimeoutMs` for the running ones (the others are
   * failed, so another worker retries them), and stops the `PgBoss`. Resolves within that
   * bound even when PostgreSQL is gone. Idempotent.
   */
  close(): Promise<void>
}

// Our name in ms, pg-boss's in seconds (also our deprecated name), the least value, the default.
const INTERVALS = [
  ['pollingIntervalMs', 'pollingIntervalSeconds', 500, 500],
  ['notifyPollingIntervalMs', 'notifyPollingIntervalSeconds', 500, undefined],
  ['heartbeatRefreshMs', 'heartbeatRefreshSeconds', 0, undefined],
] as const

// pg-boss's own work() names (in seconds, or ones we set) are not ours: refused, not ignored.
const WORK_OPTIONS = Object.keys({
  batchSize: true,
  localConcurrency: true,
  pollingIntervalMs: true,
  notifyPollingIntervalMs: true,
  heartbeatRefreshMs: true,
  pollingIntervalSeconds: true,
  notifyPollingIntervalSeconds: true,
  heartbeatRefreshSeconds: true,
} satisfies Record<keyof InklessWorkOptions, true>)

/** pg-boss's `work()` options from ours: the defaults, durations converted to seconds. */
function pgBossWork(work: InklessWorkOptions = {}): WorkOptions {
  checkOptionNames(work, WORK_OPTIONS, 'work')
  const result: WorkOptions = {
    batchSize: work.batchSize ?? 4,
    localConcurrency: work.localConcurrency ?? 2,
  }
  for (const [name, seconds, least, fallback] of INTERVALS) {
    const ms = renamedOption(work, name, seconds, fallback, { aliasInSeconds: true })
    if (ms === undefined) continue
    if (ms < least) {
      throw new TypeError(`inkless-webhooks: work.${name} must be at least ${least} (got ${ms}).`)
    }
    result[seconds] = ms / 1000
  }
  return result
}

/**
 * The processing end of queue mode on PostgreSQL: runs the typed callbacks for each job the
 * receivers committed (core's job runner: the event is rebuilt from the stored bytes and
 * checked against the job's dedupe key first). A job whose listeners fail is retried with
 * backoff, then moved to the dead-letter queue; a job that fails the check goes there at
 * once. Resolves once the worker takes jobs; rejects when PostgreSQL cannot be reached.
 */
export function createInklessWorker(options: InklessWorkerOptions): Promise<InklessWorker>
export function createInklessWorker(
  options: TransactionalWorkerOptions,
): Promise<InklessWorker<TransactionalJobContext>>
export async function createInklessWorker(
  options: InklessWorkerOptions | TransactionalWorkerOptions,
): Promise<InklessWorker<JobContext> | InklessWorker<TransactionalJobContext>> {
  const { boss } = options
  const queueName = options.queueName ?? DEFAULT_QUEUE
  const { runner, closeTimeoutMs, outage, listeners, closer } =
    createWorkerBase<TransactionalJobContext>(
      options as TransactionalWorkerOptions,
      'PostgreSQL',
      OWN_OPTIONS,
    )
  const work = { ...pgBossWork(options.work), burstWhenBatchFull: true }
  const tables = options.transactional === true ? {} : options.transactional || undefined

  const infoOf = (job: JobWithMetadata<unknown>) => ({
    id: job.id,
    attempt: job.retryCount + 1,
    attempts: job.retryLimit + 1,
  })
  const settle = async (job: JobWithMetadata<unknown>): Promise<JobResult> => {
    const result = await runner.run(job.data, infoOf(job))
    if (result.outcome === 'processed') return { id: job.id, status: 'completed' }
    // A refused job would fail the same way on every run: straight to the dead-letter queue.
    const status = result.outcome === 'refused' ? 'deadletter' : 'failed'
    return { id: job.id, status, output: { message: result.error.message } }
  }

  // One after the other (one connection): each job's row, then its listeners; a job that
  // is not processed throws, rolling back the batch for pg-boss to retry.
  const inTransaction = async (jobs: JobWithMetadata<unknown>[], tx: Db, names: TableNames) => {
    outage.recovered()
    const db: Queryable = { query: (text, values) => tx.executeSql(text, values) }
    for (const job of jobs) {
      const data = (job.data ?? {}) as { rawBody?: unknown; dedupeKey?: unknown; tenant?: string }
      const parsed = typeof data.rawBody === 'string' ? parseEvent(data.rawBody) : undefined
      let extra: TransactionContext<Queryable> | undefined
      // Anything else is refused by the runner, before any listener.
      if (parsed?.ok && parsed.kind === 'event' && typeof data.dedupeKey === 'string') {
        const delivery = { dedupeKey: data.dedupeKey, event: parsed.event, tenant: data.tenant }
        const recorded = await recordDelivery(db, delivery, names)
        if (recorded.status !== 'claimed') {
          // Committed already: the listeners ran; the job completes without them.
          if (recorded.status === 'done') continue
          throw new Error(`job ${job.id}: another open transaction holds its delivery`)
        }
        extra = { db, stale: recorded.stale, documentStatus: recorded.documentStatus }
      }
      const result = await runner.run(job.data, infoOf(job), extra)
      if (result.outcome !== 'processed') throw result.error
    }
  }

  // Without a listener, an 'error' event would throw and end the process.
  boss.on('error', outage.failed)
  try {
    await boss.start()
    await createQueues(boss, queueName)
    if (tables === undefined) {
      await boss.work(
        queueName,
        { ...work, includeMetadata: true, perJobResults: true },
        (jobs) => {
          // Jobs were fetched: PostgreSQL answers again.
          outage.recovered()
          return Promise.all(jobs.map(settle))
        },
      )
    } else {
      const db = boss.getDb()
      await createSchema({ query: (text, values) => db.executeSql(text, values) }, tables)
      await boss.work(
        queueName,
        { ...work, includeMetadata: true, transactional: true },
        (jobs, tx) => inTransaction(jobs, tx, tables),
      )
    }
  } catch (error) {
    boss.off('error', outage.failed)
    throw error
  }

  const close = closer(async () => {
    let timer: ReturnType<typeof setTimeout> | undefined
    // pg-boss's stop() waits for running jobs up to the timeout, then fails what still runs
    // (a retry, elsewhere). With PostgreSQL gone that last step can wait on a connection:
    // give up shortly after the bound rather than hold the process.
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, closeTimeoutMs + 1000)
    })
    await Promise.race([
      boss.stop({ graceful: true, timeout: closeTimeoutMs }).catch(outage.failed),
      bound,
    ])
    clearTimeout(timer)
    boss.off('error', outage.failed)
  })

  return { ...listeners, boss, close }
}
