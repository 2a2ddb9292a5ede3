import {
  createInklessWebhooks,
  type DeliveryContext,
  type DeliveryQueue,
  type InklessEvent,
  type InklessEventOf,
} from '@inkless-webhooks/core'
import {
  createInklessQueue,
  createInklessWorker,
  deadLetterQueueOf,
  type FailedJob,
  failedDeliveries,
  type InklessJobData,
  type InklessWorker,
  type InklessWorkOptions,
  type JobErrorContext,
  jobIdOf,
  type ReplayFailedJobsOptions,
  replayFailedJobs,
  type TransactionalJobContext,
} from '@inkless-webhooks/pg-boss'
import type { Queryable } from '@inkless-webhooks/postgres'
import { PgBoss } from 'pg-boss'
import {
  expectAssignable,
  expectDeprecated,
  expectError,
  expectNotDeprecated,
  expectType,
} from 'tsd'

const boss = new PgBoss('postgres://localhost/inkless')

// Receiver: a PgBoss becomes core's `queue` option.
const queue = createInklessQueue(boss, {
  queueName: 'webhooks',
  timeoutMs: 1000,
  attempts: 5,
  retryDelayMs: 2000,
  retryDelayMaxMs: 60_000,
  heartbeatMs: 20_000,
  dedupeWindowMs: 3_600_000,
  onError: (error) => expectType<Error>(error),
})
expectType<DeliveryQueue>(queue)
createInklessWebhooks({ secret: 's', queue })
expectError(createInklessQueue({}))
expectError(createInklessQueue('postgres://localhost/inkless'))
expectError(createInklessQueue(boss, { timeoutMs: '2s' }))
// The BullMQ package's option names are not pg-boss's.
expectError(createInklessQueue(boss, { backoff: { type: 'exponential', delay: 500 } }))
expectError(createInklessQueue(boss, { dedupeWindowSeconds: 3600 }))

expectType<string>(jobIdOf('k'))
expectType<string>(deadLetterQueueOf('inkless'))
expectAssignable<InklessJobData>({ rawBody: '{}', dedupeKey: 'k', receivedAt: 0 })

// Worker: core's callbacks, narrowed, with the job's context; a promise of the worker.
const worker = await createInklessWorker({
  boss,
  queueName: 'webhooks',
  work: { localConcurrency: 4, batchSize: 2, pollingIntervalMs: 1000 },
  closeTimeoutMs: 10_000,
  signals: ['SIGTERM'],
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
expectType<PgBoss>(worker.boss)
expectType<Promise<void>>(worker.close())
worker.on('email_bounced', (event, context) => {
  expectType<'email_bounced'>(event.event)
  expectType<number>(context.attempt)
})
worker.onAny((event) => {
  expectType<InklessEvent>(event)
})
createInklessWorker({ boss, signals: false })

// A misspelt callback or event name, a callback for another event, no boss, options the
// worker sets itself or that are not pg-boss's.
expectError(createInklessWorker({ boss, onDocumentSignd: () => {} }))
expectError(worker.on('document_sigend', () => {}))
expectError(
  createInklessWorker({
    boss,
    onDocumentComplete: (event: InklessEventOf<'link_viewed'>) => event,
  }),
)
expectError(createInklessWorker({ onDocumentSigned: () => {} }))
expectError(createInklessWorker({ connection: { host: 'localhost' }, onDocumentSigned: () => {} }))
expectError(createInklessWorker({ boss, work: { perJobResults: false } }))
expectError(createInklessWorker({ boss, work: { localConcurrency: 'many' } }))
expectError(createInklessWorker({ boss, signals: 'SIGTERM' }))
expectError(createInklessWorker({ boss, closeTimeoutMs: '30s' }))
// Work durations in ms; pg-boss's names in seconds are deprecated aliases, still typed.
createInklessWorker({ boss, work: { notifyPollingIntervalMs: 30_000, heartbeatRefreshMs: 5000 } })
createInklessWorker({ boss, work: { pollingIntervalSeconds: 1 } })
expectError(createInklessWorker({ boss, work: { pollingIntervalMs: '1s' } }))
expectError(createInklessWorker({ boss, work: { pollingIntervalMS: 1000 } }))
declare const workOptions: InklessWorkOptions
expectNotDeprecated(workOptions.pollingIntervalMs)
expectDeprecated(workOptions.pollingIntervalSeconds)
expectDeprecated(workOptions.notifyPollingIntervalSeconds)
expectDeprecated(workOptions.heartbeatRefreshSeconds)

// transactional: the listeners' context has the job's transaction and the document's order.
const transactional = await createInklessWorker({
  boss,
  transactional: { schema: 'webhooks' },
  onEnvelopeComplete: async (event, context) => {
    expectType<'envelope_complete'>(event.event)
    expectType<Queryable>(context.db)
    expectType<boolean>(context.stale)
    expectType<string>(context.jobId)
    await context.db.query('INSERT INTO crm_updates (token) VALUES ($1)', [event.document_token])
  },
})
expectType<InklessWorker<TransactionalJobContext>>(transactional)
transactional.on('document_signed', (_event, context) => {
  expectType<Queryable>(context.db)
})
// Without it, there is no transaction in the context.
createInklessWorker({
  boss,
  onEnvelopeComplete: (_event, context) => {
    expectError(context.db)
  },
})
expectError(createInklessWorker({ boss, transactional: 'yes' }))

// replayFailedJobs: the same filters and result as @inkless-webhooks/bullmq's, on a PgBoss or a URL.
const replayed = await replayFailedJobs(boss, {
  ids: [jobIdOf('a'.repeat(43))],
  event: ['envelope_complete', 'document_complete'],
  tenant: 'acme',
  since: new Date(Date.now() - 3_600_000),
  dryRun: true,
  attempts: 8,
})
expectType<FailedJob[]>(replayed)
expectType<string>(replayed[0]?.id ?? '')
expectType<Date | undefined>(replayed[0]?.failedAt)
expectType<number>(replayed[0]?.attempts ?? 0)
await replayFailedJobs('postgres://127.0.0.1/inkless', { queueName: 'inkless', since: 0 })
expectAssignable<ReplayFailedJobsOptions>({ retryDelayMs: 1000, dedupeWindowMs: 60_000 })
expectError(replayFailedJobs(boss, { since: '1h' }))
expectError(replayFailedJobs(boss, { retryDelaySeconds: 1 }))
expectError(replayFailedJobs(42))
const source = failedDeliveries('postgres://127.0.0.1/inkless', { event: 'link_viewed' })
expectType<string>(source.name)
