/**
 * For queue packages (`@inkless-webhooks/bullmq`, `@inkless-webhooks/pg-boss`): what a worker
 * does with each job, in one place. {@link createJobRunner} checks a stored delivery,
 * rebuilds its event from the raw body with core's parser, checks its dedupe key, and runs
 * the listeners with core's context, reports and telemetry. Applications do not need it.
 *
 * @module @inkless-webhooks/core/queue
 */
import { checkOptionNames, positiveOption } from './checks.js'
import { digest } from './crypto-node.js'
import {
  createRunner,
  type JobContext,
  type JobRunner,
  type JobRunnerOptions,
} from './job-runner.js'
import type { ListenerMethods } from './listeners.js'
import { createOutageReporter, type OutageReporter } from './outage.js'
import { closeOnSignals } from './shutdown.js'

export {
  createFailedDeliveries,
  type FailedDeliveries,
  type FailedDelivery,
  type FailedJob,
  type FailedJobFilter,
  failedJobMatcher,
  newestFailureFirst,
} from './failed-jobs.js'
export {
  createOutageReporter,
  type OutageReport,
  type OutageReporter,
} from './outage.js'

import { openTelemetry } from './open-telemetry-node.js'

export {
  type JobContext,
  type JobErrorContext,
  type JobInfo,
  type JobResult,
  type JobRunner,
  type JobRunnerOptions,
  type StoredDelivery,
  toStoredDelivery,
} from './job-runner.js'
// Every type of the main entry, so that what this entry's signatures name can be named here.
export type * from './public-api.js'
export { closeOnSignals } from './shutdown.js'

/**
 * The per-job work of a queue worker. `run(job.data, { id, attempt, attempts })` for each
 * job: a `refused` result must not be retried (the job goes to the failed set), a `failed`
 * one is retried with the queue's backoff. Throws a `TypeError` for a misspelt callback.
 */
export const createJobRunner = <C extends JobContext = JobContext>(
  options: JobRunnerOptions<C>,
): JobRunner<C> => createRunner(options, { digest, openTelemetry })

/** What every queue package's worker takes beside its callbacks and its backend. */
export interface WorkerShutdownOptions {
  /** How long `close()` waits for running jobs. Default 25,000 ms. */
  closeTimeoutMs?: number
  /** Signals that close the worker (see {@link closeOnSignals}). */
  signals?: readonly NodeJS.Signals[] | false
}

// Core's worker options but the callbacks (`on…`, checked by name in listeners.ts): the
// compiler fails here when one is added or removed and this list does not follow.
const CORE_OPTION_NAMES: Record<
  Exclude<keyof (JobRunnerOptions & WorkerShutdownOptions), `on${string}`>,
  true
> = { logger: true, telemetry: true, closeTimeoutMs: true, signals: true }

/**
 * A queue package's own worker options, the ones core's do not have: `true` for each, typed
 * so that the compiler fails when `O` (its worker options, or a union of them) gains or loses
 * one and the package's list does not follow.
 */
export type WorkerOptionNames<O> = Record<
  Exclude<
    O extends unknown ? keyof O : never,
    keyof (JobRunnerOptions & WorkerShutdownOptions) | `on${string}`
  >,
  true
>

/** What {@link createWorkerBase} gives a queue package's worker. */
export interface WorkerBase<C extends JobContext> {
  /** The per-job work ({@link createJobRunner}). */
  readonly runner: JobRunner<C>
  /** `closeTimeoutMs`, checked. */
  readonly closeTimeoutMs: number
  /** Reports the backend's outages through the runner's `onError`: once, then a count a minute. */
  readonly outage: OutageReporter
  /** The runner's `on`, `onAny`, `off` and `offAny`, for the worker's own object. */
  readonly listeners: ListenerMethods<C>
  /**
   * The worker's `close()` from what stops it: `stop` runs once (every call gets the same
   * promise), after the worker leaves `options.signals`, which close it meanwhile.
   */
  closer(stop: () => Promise<void>): () => Promise<void>
}

/**
 * The parts every queue worker shares: its job runner, `closeTimeoutMs`, an outage reporter
 * for `backend` (e.g. `Redis`), its listener methods and an idempotent `close()` on signals.
 * An option neither core's nor in `ownOptions` (the package's, see {@link WorkerOptionNames})
 * throws a `TypeError` naming the option it is close to: in JavaScript, `concurency` would
 * otherwise quietly be the default.
 */
export function createWorkerBase<C extends JobContext>(
  options: JobRunnerOptions<C> & WorkerShutdownOptions,
  backend: string,
  ownOptions: Readonly<Record<string, true>>,
): WorkerBase<C> {
  checkOptionNames(options, [...Object.keys(CORE_OPTION_NAMES), ...Object.keys(ownOptions)])
  const runner = createJobRunner<C>(options)
  const closeTimeoutMs = positiveOption('closeTimeoutMs', options.closeTimeoutMs, 25_000, {
    integer: true,
  })
  const outage = createOutageReporter(`${backend} (createInklessWorker)`, (error, level) =>
    runner.report(error, {}, level),
  )
  const { on, onAny, off, offAny } = runner
  return {
    runner,
    closeTimeoutMs,
    outage,
    listeners: { on, onAny, off, offAny },
    closer(stop) {
      let closing: Promise<void> | undefined
      const close = () => {
        if (closing === undefined) {
          unregister()
          closing = stop()
        }
        return closing
      }
      const unregister = closeOnSignals(options.signals, close)
      return close
    },
  }
}
