/**
 * Ack Inkless webhooks as soon as they are stored in BullMQ, and process them in workers that
 * retry and scale out: {@link createInklessQueue} for the receiver's `queue` option,
 * {@link createInklessWorker} for the processing end.
 *
 * @module @inkless-webhooks/bullmq
 */

export type {
  FailedDeliveries,
  FailedDelivery,
  FailedJob,
  FailedJobFilter,
} from '@inkless-webhooks/core/queue'
export { type InklessJobData, jobIdOf } from './job.js'
export { createInklessQueue, type InklessQueueOptions, inklessQueue } from './queue.js'
export { failedDeliveries, type ReplayFailedJobsOptions, replayFailedJobs } from './replay.js'
export {
  createInklessWorker,
  type InklessWorker,
  type InklessWorkerOptions,
  type JobContext,
  type JobErrorContext,
  type RateLimit,
} from './worker.js'
