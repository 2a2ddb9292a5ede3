export { type InklessJobData, jobIdOf } from './job.js'
export { type InklessQueueOptions, inklessQueue } from './queue.js'
export {
  createInklessWorker,
  type InklessWorker,
  type InklessWorkerOptions,
  type JobContext,
  type JobErrorContext,
} from './worker.js'
