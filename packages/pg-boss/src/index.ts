/**
 * Ack Inkless webhooks as soon as they are committed to PostgreSQL, and process them in
 * workers that retry and scale out, with pg-boss: {@link createInklessQueue} for the
 * receiver's `queue` option, {@link createInklessWorker} for the processing end.
 *
 * @module @inkless-webhooks/pg-boss
 */

export type {
  FailedDeliveries,
  FailedDelivery,
  FailedJob,
  FailedJobFilter,
} from '@inkless-webhooks/core/queue'
export { type InklessJobData, jobIdOf } from './job.js'
export { createInklessQueue, type InklessQueueOptions } from './queue.js'
export { deadLetterQueueOf } from './queues.js'
export { failedDeliveries, type ReplayFailedJobsOptions, replayFailedJobs } from './replay.js'
export {
  createInklessWorker,
  type InklessWorker,
  type InklessWorkerBaseOptions,
  type InklessWorkerOptions,
  type InklessWorkOptions,
  type JobContext,
  type JobErrorContext,
  type TransactionalJobContext,
  type TransactionalWorkerOptions,
} from './worker.js'
