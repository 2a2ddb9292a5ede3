import {
  type DeliveryContext,
  type ErrorContext,
  InklessHandlerError,
  type ListenerMethods,
  type ListenerOptions,
} from '@inkless-webhooks/core'
import {
  createListenerRegistry,
  eventCallbackNames,
  isEventCallbackName,
} from '@inkless-webhooks/core/adapter'
import {
  type ConnectionOptions,
  type Job,
  UnrecoverableError,
  Worker,
  type WorkerOptions,
} from 'bullmq'
import type { InklessJobData } from './job.js'

/** What every listener receives next to the event, in a worker. */
export interface JobContext extends DeliveryContext {
  /** The exact bytes Inkless signed, as the receiver stored them. */
  readonly rawBody: string
  /**
   * 1 on the first run, 2 on the first retry… (`job.attemptsMade + 1`). A job re-run because
   * its worker died mid-run keeps its number: look at `dedupeKey` to stay idempotent.
   */
  readonly attempt: number
  /** The BullMQ job's id: `inkless-` and the dedupe key. */
  readonly jobId: string
}

/** What the worker's `onError` receives beside the error. */
export interface JobErrorContext extends ErrorContext {
  /** The job that failed; absent for the worker's own Redis errors. */
  readonly jobId?: string
  /** Which run failed: 1 on the first run, 2 on the first retry… */
  readonly attempt?: number
  /** The job's `attempts` (default 8). */
  readonly attempts?: number
  /** True when no attempt is left: the job stays in the failed set until retried. */
  readonly final?: boolean
}

export interface InklessWorkerOptions extends ListenerOptions<JobContext> {
  /** Redis, as BullMQ takes it: connection options or an ioredis instance. */
  connection: ConnectionOptions
  /** The queue the receivers add to. Default `inkless`. */
  queueName?: string
  /** Jobs run at once by this worker. Default 8. */
  concurrency?: number
  /** Every failed attempt (an `InklessHandlerError`) and the worker's Redis errors. Default `console.error`. */
  onError?: (error: Error, context: JobErrorContext) => void
  /** Other BullMQ worker options: `lockDuration`, `stalledInterval`, `maxStalledCount`, `prefix`… */
  worker?: Omit<WorkerOptions, 'connection' | 'concurrency' | 'autorun'>
}

export interface InklessWorker extends ListenerMethods<JobContext> {
  /** The BullMQ worker, for its events and metrics. */
  readonly worker: Worker<InklessJobData>
  /** Finishes the jobs running now, takes no new ones, and disconnects. */
  close(): Promise<void>
}

const OTHER_CALLBACKS = new Set(['onEvent', 'onUnknownEvent', 'onError'])
// A worker has no request: the signature was checked by the receiver that stored the job.
const NO_HEADERS = Object.freeze({})

const consoleError = (error: Error) => console.error(`[inkless-webhooks] ${error.message}`, error)

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * The processing end of queue mode: runs the typed callbacks for each job the receivers
 * stored. A job whose listeners fail is retried with the job's backoff; `onError` hears
 * every failed attempt.
 */
export function createInklessWorker(options: InklessWorkerOptions): InklessWorker {
  for (const key of Object.keys(options)) {
    if (/^on[A-Z]/.test(key) && !isEventCallbackName(key) && !OTHER_CALLBACKS.has(key)) {
      throw new TypeError(
        `inkless-webhooks: unknown option "${key}". Event callbacks are ${eventCallbackNames().join(', ')}.`,
      )
    }
  }
  const listeners = createListenerRegistry<JobContext>(options)
  const onError = options.onError ?? consoleError
  const report = (error: Error, context: JobErrorContext) => {
    try {
      onError(error, context)
    } catch {
      // A throwing onError must not change what happens to the job.
    }
  }

  const processJob = async (job: Job<InklessJobData>) => {
    const { event, dedupeKey, rawBody, receivedAt, tenant } = job.data ?? {}
    const jobId = job.id as string
    if (typeof event?.event !== 'string' || typeof dedupeKey !== 'string') {
      const error = new UnrecoverableError(`job ${jobId} holds no Inkless delivery`)
      report(error, { jobId, final: true })
      throw error
    }
    const attempt = job.attemptsMade + 1
    const context: JobContext = {
      dedupeKey,
      rawBody,
      headers: NO_HEADERS,
      receivedAt,
      ...(tenant === undefined ? {} : { tenant }),
      attempt,
      jobId,
    }
    const failures = await listeners.run(event, context)
    if (failures.length === 0) return
    const error = new InklessHandlerError(event.event, failures)
    // BullMQ keeps only the message (failedReason) and stack of a failed attempt: say why.
    error.message = `${failures.length} listener(s) failed for "${event.event}": ${failures
      .map((f) => `${f.listener} (${reason(f.error)})`)
      .join(', ')}`
    const attempts = job.opts.attempts ?? 1
    report(error, {
      event,
      dedupeKey,
      ...(tenant === undefined ? {} : { tenant }),
      listeners: failures.map((f) => f.listener),
      jobId,
      attempt,
      attempts,
      final: attempt >= attempts,
    })
    throw error
  }

  const worker = new Worker<InklessJobData>(options.queueName ?? 'inkless', processJob, {
    ...options.worker,
    connection: options.connection,
    concurrency: options.concurrency ?? 8,
  })
  worker.on('error', (error) => report(error, {}))

  return {
    on: listeners.on,
    onAny: listeners.onAny,
    off: listeners.off,
    offAny: listeners.offAny,
    worker,
    close: () => worker.close(),
  }
}
