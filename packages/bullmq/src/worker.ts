import type { ListenerMethods } from '@inkless-webhooks/core'
import { checkOptionNames, positiveOption } from '@inkless-webhooks/core/adapter'
import {
  createWorkerBase,
  type JobContext,
  type JobErrorContext,
  type JobRunnerOptions,
  type WorkerOptionNames,
} from '@inkless-webhooks/core/queue'
import {
  type ConnectionOptions,
  type Job,
  UnrecoverableError,
  Worker,
  type WorkerOptions,
} from 'bullmq'
import { assertRedisClient } from './connection.js'
import type { InklessJobData } from './job.js'

const INTEGER = { integer: true } as const

export type { JobContext, JobErrorContext }

/** How many jobs may start per interval, across every worker of the queue. */
export interface RateLimit {
  /** Jobs started per `durationMs`, at most. */
  max: number
  /** The interval, in ms. */
  durationMs: number
}

/** The worker's callbacks (as core's), its Redis connection, and BullMQ's worker options. */
export interface InklessWorkerOptions extends JobRunnerOptions {
  /** Redis, as BullMQ takes it: connection options or an ioredis instance. */
  connection: ConnectionOptions
  /** The queue the receivers add to. Default `inkless`. */
  queueName?: string
  /** Jobs run at once by this worker. Default 8. */
  concurrency?: number
  /**
   * At most `max` jobs started per `durationMs`, across every worker of the queue (BullMQ's
   * limiter, kept in Redis): for a downstream that allows so many calls per second.
   */
  rateLimit?: RateLimit
  /**
   * How long `close()` waits for running jobs before it disconnects anyway (a job cut short
   * runs again once its lock expires, `lockDuration`). Default 25,000 ms.
   */
  closeTimeoutMs?: number
  /**
   * Signals that close the worker, then end the process as the signal would have (unless
   * the application listens for it too). Default `['SIGTERM', 'SIGINT']`; `false`: none.
   */
  signals?: readonly NodeJS.Signals[] | false
  /** Other BullMQ worker options: `lockDuration`, `stalledInterval`, `maxStalledCount`, `prefix`… */
  worker?: Omit<WorkerOptions, 'connection' | 'concurrency' | 'autorun' | 'limiter'>
}

// The compiler fails here when InklessWorkerOptions gains an option this list lacks.
const OWN_OPTIONS: WorkerOptionNames<InklessWorkerOptions> = {
  connection: true,
  queueName: true,
  concurrency: true,
  rateLimit: true,
  worker: true,
}

// BullMQ's limiter says `duration`: given here, ours would quietly default to 1 ms.
const RATE_LIMIT_OPTIONS = Object.keys({ max: true, durationMs: true } satisfies Record<
  keyof RateLimit,
  true
>)

/** A running worker: add listeners, reach the BullMQ worker, close it. */
export interface InklessWorker extends ListenerMethods<JobContext> {
  /** The BullMQ worker, for its events and metrics. */
  readonly worker: Worker<InklessJobData>
  /**
   * Takes no new jobs, waits for the running ones (up to `closeTimeoutMs`), and disconnects;
   * resolves within about 2 s of the last job when Redis cannot be reached. Idempotent.
   */
  close(): Promise<void>
}

// Once the running jobs are done, what BullMQ gets to record them and quit before the
// connections are cut (Redis unreachable: its quit would wait forever).
const CLOSE_GRACE_MS = 2000

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.())

/**
 * The processing end of queue mode: runs the typed callbacks for each job the receivers
 * stored (core's job runner: the event is rebuilt from the stored bytes and checked against
 * the job's dedupe key first). A job whose listeners fail is retried with the job's backoff;
 * a job that fails the check goes to the failed set at once. `onError` hears both, and
 * Redis outages once each (then a count per minute).
 */
export function createInklessWorker(options: InklessWorkerOptions): InklessWorker {
  const { runner, closeTimeoutMs, outage, listeners, closer } = createWorkerBase(
    options,
    'Redis',
    OWN_OPTIONS,
  )
  assertRedisClient('createInklessWorker: connection', options.connection)
  if (options.rateLimit) checkOptionNames(options.rateLimit, RATE_LIMIT_OPTIONS, 'rateLimit')
  const limiter = options.rateLimit && {
    max: positiveOption('rateLimit.max', options.rateLimit.max, 1, INTEGER),
    duration: positiveOption('rateLimit.durationMs', options.rateLimit.durationMs, 1, INTEGER),
  }
  const running = new Set<Promise<unknown>>()

  const processJob = async (job: Job<InklessJobData>) => {
    const run = runner.run(job.data, {
      id: job.id as string,
      attempt: job.attemptsMade + 1,
      attempts: job.opts.attempts ?? 1,
    })
    running.add(run)
    const result = await run.finally(() => running.delete(run))
    if (result.outcome === 'refused') throw new UnrecoverableError(result.error.message)
    if (result.outcome === 'failed') throw result.error
  }

  const worker = new Worker<InklessJobData>(options.queueName ?? 'inkless', processJob, {
    ...options.worker,
    connection: options.connection,
    concurrency: options.concurrency ?? 8,
    ...(limiter === undefined ? {} : { limiter }),
  })
  worker.on('error', outage.failed)
  // A job taken is Redis answering again ('ready' fires once, at start, possibly after the
  // first error; 'drained' may follow a failed fetch).
  worker.on('active', outage.recovered)

  const close = closer(async () => {
    const stopped = worker.close().then(
      () => true,
      () => true,
    )
    const handlersDone = Promise.allSettled([...running]).then(() => sleep(CLOSE_GRACE_MS))
    const done = await Promise.race([
      stopped,
      handlersDone.then(() => false),
      sleep(closeTimeoutMs).then(() => false),
    ])
    if (done) return
    // Redis is away, or a handler outlived closeTimeoutMs: cut the connections.
    runner.report(
      new Error(
        `close(): ${running.size} job(s) still running or Redis unreachable; disconnecting (a job cut short runs again once its lock expires).`,
      ),
      {},
      'warn',
    )
    await Promise.race([worker.disconnect().then(() => stopped), sleep(1000)])
  })

  return { ...listeners, worker, close }
}
