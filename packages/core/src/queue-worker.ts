/**
 * For queue packages (`@inkless-webhooks/bullmq`, `@inkless-webhooks/pg-boss`): what a worker
 * does with each job, in one place. {@link createJobRunner} checks a stored delivery,
 * rebuilds its event from the raw body with core's parser, checks its dedupe key, and runs
 * the listeners with core's context, reports and telemetry. Applications do not need it.
 *
 * @module @inkless-webhooks/core/queue
 */
import { digest } from './crypto-node.js'
import {
  createRunner,
  type JobContext,
  type JobRunner,
  type JobRunnerOptions,
} from './job-runner.js'

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
