import { dedupeKeyOf } from './dedupe-key.js'
import { InklessHandlerError, InklessWebhookError } from './errors.js'
import type { InklessUnknownEvent } from './events.js'
import {
  checkCallbackNames,
  createListenerRegistry,
  type DeliveryContext,
  type ListenerMethods,
  type ListenerOptions,
} from './listeners.js'
import { parseEvent } from './parse.js'
import type { Platform } from './platform.js'
import type { QueuedDelivery } from './queue.js'
import { createReporter, type ErrorContext, type Logger } from './report.js'
import { createTelemetry, type TelemetryOption } from './telemetry.js'

/**
 * What a queue stores per delivery: the signed bytes and what the receiver knew, not the
 * parsed event (the worker parses the bytes again, so a job holds the body once).
 */
export type StoredDelivery = Omit<QueuedDelivery, 'event'>

/** What every listener receives next to the event, in a queue worker. */
export interface JobContext extends DeliveryContext {
  /** The exact bytes Inkless signed, as the receiver stored them. */
  readonly rawBody: string
  /**
   * 1 on the first run, 2 on the first retry… A job re-run because its worker died mid-run
   * may keep its number: look at `dedupeKey` to stay idempotent.
   */
  readonly attempt: number
  /** The queue's id of the job (derived from the dedupe key). */
  readonly jobId: string
}

/** What a worker's `onError` receives beside the error. */
export interface JobErrorContext extends ErrorContext {
  /** The job that failed; absent for the worker's own connection errors. */
  readonly jobId?: string
  /** Which run failed: 1 on the first run, 2 on the first retry… */
  readonly attempt?: number
  /** How many runs the job gets in all. */
  readonly attempts?: number
  /** True when no run is left: the job stays in the queue's failed set. */
  readonly final?: boolean
}

/** The job being run, as its queue numbers it. */
export interface JobInfo {
  /** The queue's id of the job. */
  readonly id: string
  /** 1 on the first run, 2 on the first retry… */
  readonly attempt: number
  /** How many runs the job gets in all. */
  readonly attempts: number
}

/**
 * What became of one run: `processed` (every listener returned), `failed` (some threw: retry
 * it), `refused` (the job is not a delivery a receiver stored: never retry it).
 */
export type JobResult =
  | {
      /** Every listener returned. */
      readonly outcome: 'processed'
    }
  | {
      /** One or more listeners threw: the queue retries the job. */
      readonly outcome: 'failed'
      /** Names each listener that threw, and why, in its message. */
      readonly error: InklessHandlerError
    }
  | {
      /** Not a stored delivery, or its body does not match its dedupe key: no listener ran. */
      readonly outcome: 'refused'
      /** Code `job_refused`; the message says why. */
      readonly error: InklessWebhookError
    }

/**
 * A worker's callbacks and where it reports. `C`: the listeners' context, {@link JobContext}
 * and what the queue package adds to it (a transaction…).
 */
export interface JobRunnerOptions<C extends JobContext = JobContext> extends ListenerOptions<C> {
  /** Every failed or refused run. Default: `logger`, else one console line. */
  onError?: (error: Error, context: JobErrorContext) => void
  /** A pino-style logger for the same reports (docs/operations.md, "Logs"). */
  logger?: Logger
  /** As core's `telemetry` option: `false` turns spans and metrics off. */
  telemetry?: false | TelemetryOption
}

/** Runs stored deliveries through the listeners; a queue package calls it per job. */
export interface JobRunner<C extends JobContext = JobContext> extends ListenerMethods<C> {
  /**
   * Checks `data` (a {@link StoredDelivery} read back from the queue), rebuilds the event
   * from its raw body, checks the dedupe key, runs the listeners with `extra` added to their
   * context. Never rejects.
   */
  run(data: unknown, job: JobInfo, extra?: Omit<C, keyof JobContext>): Promise<JobResult>
  /** Reports a worker's own error (e.g. its connection) to `onError` or the logger. */
  report(error: Error, context?: JobErrorContext, level?: 'error' | 'warn'): void
}

const OTHER_OPTIONS = new Set(['onEvent', 'onUnknownEvent', 'onError'])
// A worker has no request: the signature was checked by the receiver that stored the job.
const NO_HEADERS = Object.freeze({})
const DEDUPE_KEY = /^[\w-]{43}$/

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error))
const refusal = (jobId: string, why: string) =>
  new InklessWebhookError('job_refused', `Job ${jobId} was refused: ${why}; no listener ran.`)

/** The stored fields, each of its type; a string naming the first wrong one otherwise. */
function storedDeliveryOf(data: unknown): StoredDelivery | string {
  if (typeof data !== 'object' || data === null) return 'it holds no Inkless delivery'
  const d = data as Record<string, unknown>
  if (typeof d.rawBody !== 'string') return 'it holds no Inkless delivery (no rawBody)'
  if (typeof d.dedupeKey !== 'string' || !DEDUPE_KEY.test(d.dedupeKey))
    return 'its dedupeKey is not a dedupe key'
  if (typeof d.receivedAt !== 'number') return 'its receivedAt is not a number'
  if (d.tenant !== undefined && typeof d.tenant !== 'string') return 'its tenant is not a string'
  return data as StoredDelivery
}

/** Builds a job runner over a platform's digest and OpenTelemetry loader (queue-worker.ts). */
export function createRunner<C extends JobContext>(
  options: JobRunnerOptions<C>,
  platform: Pick<Platform, 'digest' | 'openTelemetry'>,
): JobRunner<C> {
  checkCallbackNames(options, OTHER_OPTIONS)
  const listeners = createListenerRegistry<C>(options)
  const reporter = createReporter<Error>({ logger: options.logger, onError: options.onError })
  const api =
    options.telemetry === false ? undefined : (options.telemetry?.api ?? platform.openTelemetry?.())
  const telemetry = api && createTelemetry(api, { queued: true })

  const report = (
    error: Error,
    context: JobErrorContext = {},
    level: 'error' | 'warn' = 'error',
  ) => {
    const { jobId, attempt, attempts, final } = context
    reporter({
      level,
      error,
      context,
      fields: { jobId, attempt, attempts, final },
    })
  }

  const run = async (
    data: unknown,
    job: JobInfo,
    extra?: Omit<C, keyof JobContext>,
  ): Promise<JobResult> => {
    const jobId = job.id
    const stored = storedDeliveryOf(data)
    const parsed = typeof stored === 'string' ? undefined : parseEvent(stored.rawBody)
    let event: InklessUnknownEvent | undefined
    let why = typeof stored === 'string' ? stored : undefined
    if (parsed !== undefined) {
      if (!parsed.ok) why = `its rawBody is not an Inkless event (${parsed.reason})`
      else if (parsed.kind === 'verification') why = 'its rawBody is a handshake, not an event'
      else event = parsed.event
    }
    const delivery = stored as StoredDelivery
    if (event !== undefined) {
      const key = await dedupeKeyOf(event, delivery.tenant, platform.digest)
      if (key !== delivery.dedupeKey) why = 'its rawBody does not match its dedupeKey'
    }
    const facts = {
      event,
      jobId,
      attempt: job.attempt,
      ...(why === undefined ? { tenant: delivery.tenant, dedupeKey: delivery.dedupeKey } : {}),
    }
    const recording = telemetry?.job(facts, why === undefined ? delivery.traceparent : undefined)
    if (why !== undefined || event === undefined) {
      const error = refusal(jobId, why as string)
      recording?.end('refused')
      report(error, { jobId, attempt: job.attempt, attempts: job.attempts, final: true })
      return { outcome: 'refused', error }
    }
    const { tenant, dedupeKey } = delivery
    const context: JobContext = {
      dedupeKey,
      rawBody: delivery.rawBody,
      headers: NO_HEADERS,
      receivedAt: delivery.receivedAt,
      ...(tenant === undefined ? {} : { tenant }),
      attempt: job.attempt,
      jobId,
    }
    const failures = await listeners.run(
      event,
      (extra === undefined ? context : { ...extra, ...context }) as C,
      recording?.listener,
    )
    recording?.end(failures.length === 0 ? 'processed' : 'failed')
    if (failures.length === 0) return { outcome: 'processed' }
    const error = new InklessHandlerError(event.event, failures)
    // Queues keep only a failed run's message and stack: say who failed and why.
    error.message = `${failures.length} listener(s) failed for "${event.event}": ${failures
      .map((f) => `${f.listener} (${reasonOf(f.error)})`)
      .join(', ')}`
    report(error, {
      event,
      dedupeKey,
      ...(tenant === undefined ? {} : { tenant }),
      listeners: failures.map((f) => f.listener),
      jobId,
      attempt: job.attempt,
      attempts: job.attempts,
      final: job.attempt >= job.attempts,
    })
    return { outcome: 'failed', error }
  }

  return {
    on: listeners.on,
    onAny: listeners.onAny,
    off: listeners.off,
    offAny: listeners.offAny,
    run,
    report,
  }
}

/** What a queue stores for a delivery the receiver hands it: everything but the parsed event. */
export function toStoredDelivery(delivery: QueuedDelivery): StoredDelivery {
  const { event: _event, ...stored } = delivery
  return stored
}
