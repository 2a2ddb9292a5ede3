import type {
  DeliveryContext,
  InklessEvent,
  InklessHandlerError,
  InklessUnknownEvent,
  InklessWebhookError,
  QueuedDelivery,
} from '@inkless-webhooks/core'
import {
  closeOnSignals,
  createJobRunner,
  createOutageReporter,
  type JobContext,
  type JobErrorContext,
  type JobResult,
  type JobRunner,
  type JobRunnerOptions,
  type OutageReporter,
  type StoredDelivery,
  toStoredDelivery,
  type WorkerOptionNames,
} from '@inkless-webhooks/core/queue'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'

// The runner: core's callbacks with a job's context.
const runner = createJobRunner({
  onDocumentSigned: (event, context) => {
    expectType<'document_signed'>(event.event)
    expectType<number>(context.attempt)
    expectType<string>(context.jobId)
    expectType<string>(context.rawBody)
    expectAssignable<DeliveryContext>(context)
  },
  onEvent: (event, context) => {
    expectType<InklessEvent>(event)
    expectType<JobContext>(context)
  },
  onUnknownEvent: (event) => expectType<InklessUnknownEvent>(event),
  onError: (error, context) => {
    expectType<Error>(error)
    expectType<JobErrorContext>(context)
    expectType<boolean | undefined>(context.final)
  },
  telemetry: false,
})
expectType<JobRunner>(runner)
runner.on('otp_sent', (event, context) => {
  expectType<'otp_sent'>(event.event)
  expectType<number>(context.attempt)
})

// run() takes what the queue read back (unknown) and says what became of it.
const result = await runner.run({ anything: true }, { id: 'inkless-x', attempt: 1, attempts: 8 })
expectType<JobResult>(result)
if (result.outcome === 'failed') expectType<InklessHandlerError>(result.error)
if (result.outcome === 'refused') expectType<InklessWebhookError>(result.error)
if (result.outcome === 'processed') expectError(result.error)

// A job stores the delivery without its parsed event.
declare const delivery: QueuedDelivery
const stored = toStoredDelivery(delivery)
expectType<StoredDelivery>(stored)
expectType<string>(stored.rawBody)
expectNotAssignable<{ event: unknown }>(stored)

// A misspelt callback, a wrong job description, a callback for another event.
expectError(createJobRunner({ onDocumentSignd: () => {} }))
expectError(runner.run({}, { id: 1, attempt: 1, attempts: 8 }))
expectError(runner.run({}))
expectError(createJobRunner({ onOtpSent: (event: { event: 'document_signed' }) => event }))

// A worker's close() on signals; the unregistering function.
expectType<() => void>(closeOnSignals(['SIGTERM', 'SIGINT'], async () => {}))
expectType<() => void>(closeOnSignals(undefined, async () => {}))
expectType<() => void>(closeOnSignals(false, async () => {}))
expectError(closeOnSignals('SIGTERM', async () => {}))
expectError(closeOnSignals(['SIGTERM'], () => {}))

// Outage reports: a name, where to report, optional interval and clock.
const outage = createOutageReporter('Redis (my queue)', (error, level) => {
  expectType<InklessWebhookError>(error)
  expectType<'error' | 'warn'>(level)
})
expectType<OutageReporter>(outage)
outage.failed(new Error('ECONNREFUSED'))
outage.failed('anything thrown')
outage.recovered()
createOutageReporter('x', () => {}, { intervalMs: 30_000, now: () => 0 })
expectError(createOutageReporter('x', () => {}, { intervalMs: '1m' }))

// A queue package's list of its own worker options: each of them, core's left out; the
// compiler fails when the options type gains one the list lacks.
interface PackageWorkerOptions extends JobRunnerOptions {
  connection: string
  concurrency?: number
  closeTimeoutMs?: number
}
expectAssignable<WorkerOptionNames<PackageWorkerOptions>>({ connection: true, concurrency: true })
expectNotAssignable<WorkerOptionNames<PackageWorkerOptions>>({ connection: true })
expectNotAssignable<WorkerOptionNames<PackageWorkerOptions>>({
  connection: true,
  concurrency: true,
  logger: true,
})
// A union of option types: the keys of each.
expectNotAssignable<WorkerOptionNames<PackageWorkerOptions | { other?: 1 }>>({
  connection: true,
  concurrency: true,
})
