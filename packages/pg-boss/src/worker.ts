import type { ListenerMethods } from '@inkless-webhooks/core'
import {
  closeOnSignals,
  createJobRunner,
  createOutageReporter,
  type JobContext,
  type JobErrorContext,
  type JobRunnerOptions,
} from '@inkless-webhooks/core/queue'
import type { JobResult, JobWithMetadata, PgBoss, WorkOptions } from 'pg-boss'
import { createQueues, DEFAULT_QUEUE } from './queues.js'

export type { JobContext, JobErrorContext }

/** The pg-boss `work()` options a worker passes on: how many jobs it takes and how often. */
export type InklessWorkOptions = Pick<
  WorkOptions,
  | 'batchSize'
  | 'localConcurrency'
  | 'pollingIntervalSeconds'
  | 'notifyPollingIntervalSeconds'
  | 'heartbeatRefreshSeconds'
>

/** The worker's callbacks (as core's), its `PgBoss`, and how it takes jobs and shuts down. */
export interface InklessWorkerOptions extends JobRunnerOptions {
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
   * back full, else every `pollingIntervalSeconds`. Default 2 × 4 jobs, polling every 0.5 s.
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

/** A running worker: add listeners, reach its `PgBoss`, close it. */
export interface InklessWorker extends ListenerMethods<JobContext> {
  /** The pg-boss instance, for its events, `getQueueStats()`, `redrive()`… */
  readonly boss: PgBoss
  /**
   * Takes no new jobs, waits up to `closeTimeoutMs` for the running ones (the others are
   * failed, so another worker retries them), and stops the `PgBoss`. Resolves within that
   * bound even when PostgreSQL is gone. Idempotent.
   */
  close(): Promise<void>
}

const WORK_DEFAULTS: InklessWorkOptions = {
  batchSize: 4,
  localConcurrency: 2,
  pollingIntervalSeconds: 0.5,
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved <= 0) {
    throw new TypeError(`inkless-webhooks: ${name} must be a positive integer`)
  }
  return resolved
}

/**
 * The processing end of queue mode on PostgreSQL: runs the typed callbacks for each job the
 * receivers committed (core's job runner: the event is rebuilt from the stored bytes and
 * checked against the job's dedupe key first). A job whose listeners fail is retried with
 * backoff, then moved to the dead-letter queue; a job that fails the check goes there at
 * once. Resolves once the worker takes jobs; rejects when PostgreSQL cannot be reached.
 */
export async function createInklessWorker(options: InklessWorkerOptions): Promise<InklessWorker> {
  const { boss } = options
  const queueName = options.queueName ?? DEFAULT_QUEUE
  const closeTimeoutMs = positive('closeTimeoutMs', options.closeTimeoutMs, 25_000)
  const runner = createJobRunner(options)
  const outage = createOutageReporter('PostgreSQL (createInklessWorker)', (error, level) =>
    runner.report(error, {}, level),
  )

  const settle = async (job: JobWithMetadata<unknown>): Promise<JobResult> => {
    const result = await runner.run(job.data, {
      id: job.id,
      attempt: job.retryCount + 1,
      attempts: job.retryLimit + 1,
    })
    if (result.outcome === 'processed') return { id: job.id, status: 'completed' }
    // A refused job would fail the same way on every run: straight to the dead-letter queue.
    const status = result.outcome === 'refused' ? 'deadletter' : 'failed'
    return { id: job.id, status, output: { message: result.error.message } }
  }

  // Without a listener, an 'error' event would throw and end the process.
  boss.on('error', outage.failed)
  try {
    await boss.start()
    await createQueues(boss, queueName)
    await boss.work(
      queueName,
      {
        ...WORK_DEFAULTS,
        burstWhenBatchFull: true,
        ...options.work,
        includeMetadata: true,
        perJobResults: true,
      },
      (jobs) => {
        // Jobs were fetched: PostgreSQL answers again.
        outage.recovered()
        return Promise.all(jobs.map(settle))
      },
    )
  } catch (error) {
    boss.off('error', outage.failed)
    throw error
  }

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      unregister()
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
    })()
    return closing
  }
  const unregister =
    options.signals === false
      ? () => {}
      : closeOnSignals(options.signals ?? ['SIGTERM', 'SIGINT'], close)

  return {
    on: runner.on,
    onAny: runner.onAny,
    off: runner.off,
    offAny: runner.offAny,
    boss,
    close,
  }
}
