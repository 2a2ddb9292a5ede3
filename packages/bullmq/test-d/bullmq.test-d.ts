import {
  createInklessQueue,
  createInklessWorker,
  type FailedJob,
  failedDeliveries,
  type InklessJobData,
  type InklessQueueOptions,
  type InklessWorker,
  inklessQueue,
  type JobErrorContext,
  replayFailedJobs,
} from '@inkless-webhooks/bullmq'
import {
  createInklessWebhooks,
  type DeliveryContext,
  type DeliveryQueue,
  type InklessEvent,
  type InklessEventOf,
} from '@inkless-webhooks/core'
import { Queue, type Worker } from 'bullmq'
import {
  expectAssignable,
  expectDeprecated,
  expectError,
  expectNotDeprecated,
  expectType,
} from 'tsd'

const connection = { host: '127.0.0.1', port: 6379 }

// Receiver: a BullMQ Queue becomes core's `queue` option.
const queue = inklessQueue(new Queue('inkless', { connection }), {
  timeoutMs: 1000,
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  dedupeWindowSeconds: 3600,
})
expectType<DeliveryQueue>(queue)
createInklessWebhooks({ secret: 's', queue })
expectError(inklessQueue({}))
expectError(inklessQueue(new Queue('inkless', { connection }), { timeoutMs: '2s' }))
expectError(inklessQueue(new Queue<{ other: true }>('other', { connection })))
// Durations in ms; the old name in seconds is deprecated.
createInklessQueue(new Queue('inkless', { connection }), { dedupeWindowMs: 3_600_000 })
expectError(createInklessQueue(new Queue('inkless', { connection }), { dedupeWindowMS: 1 }))
declare const queueOptions: InklessQueueOptions
expectNotDeprecated(queueOptions.dedupeWindowMs)
expectDeprecated(queueOptions.dedupeWindowSeconds)

// Worker: core's callbacks, narrowed, with the job's context.
const worker = createInklessWorker({
  connection,
  queueName: 'inkless',
  concurrency: 4,
  worker: { lockDuration: 60_000, stalledInterval: 30_000 },
  onDocumentSigned: (event, context) => {
    expectType<'document_signed'>(event.event)
    expectType<number | null | undefined>(event.secure_link_id)
    expectType<number>(context.attempt)
    expectType<string>(context.jobId)
    expectType<string>(context.rawBody)
    expectAssignable<DeliveryContext>(context)
  },
  // Every other callback is typed as core's job runner's (core's test-d/queue.test-d.ts).
  onError: (_error, context) => expectType<JobErrorContext>(context),
})
expectType<InklessWorker>(worker)
expectType<Worker<InklessJobData>>(worker.worker)
expectType<Promise<void>>(worker.close())
worker.on('email_bounced', (event, context) => {
  expectType<'email_bounced'>(event.event)
  expectType<number>(context.attempt)
})
worker.onAny((event) => {
  expectType<InklessEvent>(event)
})

// A misspelt callback or event name, a callback for another event, a missing connection.
expectError(createInklessWorker({ connection, onDocumentSignd: () => {} }))
expectError(worker.on('document_sigend', () => {}))
expectError(
  createInklessWorker({
    connection,
    onDocumentComplete: (event: InklessEventOf<'link_viewed'>) => event,
  }),
)
expectError(createInklessWorker({ onDocumentSigned: () => {} }))
expectError(createInklessWorker({ connection, concurrency: 'many' }))

// Hardening options: retention of failed jobs, bounded adds, outage reports, rate limit, shutdown.
inklessQueue(new Queue('inkless', { connection }), {
  failedRetentionMs: 7 * 86_400_000,
  maxInFlight: 500,
  onError: (error) => expectType<Error>(error),
})
createInklessWorker({
  connection,
  rateLimit: { max: 10, durationMs: 1000 },
  closeTimeoutMs: 10_000,
  signals: ['SIGTERM'],
  onEvent: () => {},
})
createInklessWorker({ connection, signals: false })
expectError(createInklessWorker({ connection, rateLimit: { max: 10 } }))
expectError(createInklessWorker({ connection, signals: ['SIGTERN'] }))
expectError(createInklessWorker({ connection, worker: { limiter: { max: 1, duration: 1 } } }))
expectError(inklessQueue(new Queue('inkless', { connection }), { failedRetentionMs: '7d' }))

// Replay: a Queue or a Redis URL, filters, the jobs found.
const replayed = await replayFailedJobs(new Queue('inkless', { connection }), {
  ids: ['inkless-abc'],
  event: ['envelope_complete', 'document_complete'],
  tenant: 'acme',
  since: new Date(Date.now() - 3_600_000),
  dryRun: true,
})
expectType<FailedJob[]>(replayed)
expectType<string>(replayed[0]?.id ?? '')
expectType<Date | undefined>(replayed[0]?.failedAt)
await replayFailedJobs('redis://127.0.0.1:6379', { queueName: 'inkless', since: 0 })
expectError(replayFailedJobs(new Queue('inkless', { connection }), { since: '1h' }))
expectError(replayFailedJobs(42))
const source = failedDeliveries('redis://127.0.0.1:6379', { event: 'link_viewed' })
expectType<string>(source.name)

// create* beside createInklessWorker, durations in ms; the old names are deprecated aliases.
expectType<DeliveryQueue>(createInklessQueue(new Queue('q'), { dedupeWindowMs: 3_600_000 }))
expectType<typeof createInklessQueue>(inklessQueue)
expectError(createInklessQueue(new Queue('q'), { dedupeWindowMs: '1h' }))
