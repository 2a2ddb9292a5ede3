import type { InklessEventOf } from '@inkless-webhooks/core'
import {
  type Attempt,
  buildHandshakeRequest,
  buildSignedRequest,
  createTestEvent,
  type Delivery,
  type DeliveryHistory,
  type FailedJobFilter,
  type HistoryEntry,
  type HistoryResponse,
  type ReplayDelivery,
  type ReplayedJob,
  type ReplaySource,
  type SignedRequest,
  type SimulationReport,
  sendWebhook,
  simulate,
  type WebhookResponse,
} from '@inkless-webhooks/testing'
import { expectAssignable, expectError, expectType } from 'tsd'

expectType<InklessEventOf<'document_signed'>>(createTestEvent('document_signed'))
expectType<'envelope_complete'>(createTestEvent('envelope_complete', { document_token: 't' }).event)
expectError(createTestEvent('document_voided'))
expectError(createTestEvent('document_signed', { secure_link_id: 'x' }))

expectType<SignedRequest>(buildSignedRequest(createTestEvent('link_viewed'), { secret: 's' }))
expectType<SignedRequest>(buildSignedRequest('{"raw":true}', { secret: 's' }))
expectType<string>(buildHandshakeRequest().verificationSecret)
expectType<Promise<WebhookResponse>>(
  sendWebhook('http://127.0.0.1/webhook', createTestEvent('otp_sent'), { secret: 's' }),
)
expectType<Promise<SimulationReport>>(
  simulate('http://127.0.0.1/webhook', { envelopes: 2, shuffle: true }),
)
expectError(simulate('http://127.0.0.1/webhook', { duplicates: 'some' }))

// What stopped a run (a 401, 404, 405 or 413), and the last failure, answer or network error.
declare const report: SimulationReport
expectType<WebhookResponse | undefined>(report.stoppedBy)
expectType<WebhookResponse | Error | undefined>(report.lastFailure)
expectError<WebhookResponse>(report.stoppedBy)
// A signal cancels a delivery, or the rest of a simulation.
sendWebhook('http://127.0.0.1/webhook', '{}', { secret: 's', signal: AbortSignal.timeout(1) })
simulate('http://127.0.0.1/webhook', { signal: new AbortController().signal })
expectError(simulate('http://127.0.0.1/webhook', { signal: 'stop' }))

// A history file as `inkless-webhooks dev` exports it; a queue package's failed jobs as a source.
declare const history: DeliveryHistory
expectType<'inkless-webhooks-history'>(history.format)
expectType<string>((history.deliveries[0] as HistoryEntry).request.body)
expectType<HistoryResponse | undefined>(history.deliveries[0]?.response)
expectType<number | undefined>(history.deliveries[0]?.response?.status)
const failedJobs: ReplaySource = {
  name: 'bullmq inkless on redis://127.0.0.1:6379',
  *deliveries(): Iterable<ReplayDelivery> {
    yield { label: 'job 1', body: '{"event":"document_signed"}' }
  },
}
expectType<string>(failedJobs.name)
expectError<ReplaySource>({ name: 'x', deliveries: () => [{ label: 'job 1' }] })
expectError<HistoryEntry['kind']>('replayed')

// What a queue package exports for `replay --bullmq`: @inkless-webhooks/bullmq fits the seam.
declare const queueFailedDeliveries: typeof import('@inkless-webhooks/bullmq').failedDeliveries
declare const queueReplayFailedJobs: typeof import('@inkless-webhooks/bullmq').replayFailedJobs
expectAssignable<(url: string, filter: FailedJobFilter) => ReplaySource>(queueFailedDeliveries)
expectAssignable<(url: string, filter: FailedJobFilter) => Promise<readonly ReplayedJob[]>>(
  queueReplayFailedJobs,
)
expectError<FailedJobFilter>({ since: '1h' })
expectError<FailedJobFilter>({ event: 'link_viewed' })

// Every attempt of a simulation, retries included: what was sent and the answer or the error.
simulate('http://127.0.0.1/webhook', {
  onAttempt(attempt) {
    expectType<Attempt>(attempt)
    expectType<string>(attempt.delivery.body)
    expectType<number>(attempt.retry)
    expectType<WebhookResponse | undefined>(attempt.answer)
    expectType<Error | undefined>(attempt.error)
  },
})
expectError(simulate('http://127.0.0.1/webhook', { onAttempt: (a: { status: number }) => a }))

// The deprecated name is the same type.
expectType<WebhookResponse>(null as unknown as Delivery)
