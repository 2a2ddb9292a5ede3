import type { ListenerMethods } from '@inkless-webhooks/core'
import {
  createJobRunner,
  type JobContext,
  type JobErrorContext,
  type JobRunnerOptions,
} from '@inkless-webhooks/core/queue'
import {
  type ConnectionOptions,
  type Job,
  UnrecoverableError,
  Worker,
  type WorkerOptions,
} from 'bullmq'
import type { InklessJobData } from './job.js'

export type { JobContext, JobErrorContext }

/** The worker's callbacks (as core's), its Redis connection, and BullMQ's worker options. */
export interface InklessWorkerOptions extends JobRunnerOptions {
  /** Redis, as BullMQ takes it: connection options or an ioredis instance. */
  connection: ConnectionOptions
  /** The queue the receivers add to. Default `inkless`. */
  queueName?: string
  /** Jobs run at once by this worker. Default 8. */
  concurrency?: number
  /** Other BullMQ worker options: `lockDuration`, `stalledInterval`, `maxStalledCount`, `prefix`… */
  worker?: Omit<WorkerOptions, 'connection' | 'concurrency' | 'autorun'>
}

/** A running worker: add listeners, reach the BullMQ worker, close it. */
export interface InklessWorker extends ListenerMethods<JobContext> {
  /** The BullMQ worker, for its events and metrics. */
  readonly worker: Worker<InklessJobData>
  /** Finishes the jobs running now, takes no new ones, and disconnects. */
  close(): Promise<void>
}

/**
 * The processing end of queue mode: runs the typed callbacks for each job the receivers
 * stored (core's job runner: the event is rebuilt from the stored bytes and checked against
 * the job's dedupe key first). A job whose listeners fail is retried with the job's backoff;
 * a job that fails the check goes to the failed set at once. `onError` hears both.
 */
export function createInklessWorker(options: InklessWorkerOptions): InklessWorker {
  const runner = createJobRunner(options)

  const processJob = async (job: Job<InklessJobData>) => {
    const result = await runner.run(job.data, {
      id: job.id as string,
      attempt: job.attemptsMade + 1,
      attempts: job.opts.attempts ?? 1,
    })
    if (result.outcome === 'refused') throw new UnrecoverableError(result.error.message)
    if (result.outcome === 'failed') throw result.error
  }

  const worker = new Worker<InklessJobData>(options.queueName ?? 'inkless', processJob, {
    ...options.worker,
    connection: options.connection,
    concurrency: options.concurrency ?? 8,
  })
  worker.on('error', (error) => runner.report(error))

  return {
    on: runner.on,
    onAny: runner.onAny,
    off: runner.off,
    offAny: runner.offAny,
    worker,
    close: () => worker.close(),
  }
}
