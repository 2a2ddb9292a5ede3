import * as api from '@opentelemetry/api'
import {
  type HistogramMetricData,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { createInklessWebhooks, type DeliveryQueue } from '../src/index.js'
import { createJobRunner, type StoredDelivery, toStoredDelivery } from '../src/queue-worker.js'
import { eventBody, post, SECRET } from './helpers.js'

// A queue worker's spans and metrics, through OpenTelemetry's SDK with in-memory exporters:
// the job span continues the receiver's trace through the stored traceparent.

const { metrics, trace, SpanKind, SpanStatusCode } = api

/** Collects on demand, as a Prometheus scrape would. */
class PullReader extends MetricReader {
  protected override async onForceFlush() {}
  protected override async onShutdown() {}
}

let spans: InMemorySpanExporter
let reader: PullReader

const registerTracer = () => {
  spans = new InMemorySpanExporter()
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  )
}
const registerMeter = () => {
  reader = new PullReader()
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
}

afterEach(() => {
  trace.disable()
  metrics.disable()
})

async function collected(name: string): Promise<MetricData | undefined> {
  const { resourceMetrics } = await reader.collect()
  return resourceMetrics.scopeMetrics
    .filter((s) => s.scope.name === '@inkless-webhooks/core')
    .flatMap((s) => s.metrics)
    .find((m) => m.descriptor.name === name)
}
const points = (metric: MetricData | undefined) =>
  (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }))
const named = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name)
const childrenOf = (parent: ReadableSpan) =>
  spans
    .getFinishedSpans()
    .filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)

/** What a receiver stores for `body`, as a queue keeps it (JSON). */
async function stored(body: string, tenant?: string): Promise<StoredDelivery> {
  let job: StoredDelivery | undefined
  const queue: DeliveryQueue = {
    enqueue: (delivery) => {
      job = JSON.parse(JSON.stringify(toStoredDelivery(delivery)))
      return 'queued'
    },
  }
  const receiver = createInklessWebhooks({
    secret: tenant === undefined ? SECRET : () => SECRET,
    ...(tenant === undefined ? {} : { tenant: () => tenant }),
    queue,
  })
  expect((await receiver.handle(post(body))).status).toBe(200)
  return job as StoredDelivery
}

describe('a worker with tracer and meter providers registered', () => {
  it('each run is an inkless.job span in the delivery span’s trace, listener spans under it, counted by outcome', async () => {
    registerTracer()
    registerMeter()
    const signed = await stored(eventBody('document_signed'), 'acme')
    const linkViewed = await stored(eventBody('link_viewed'))
    expect(signed.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    const runner = createJobRunner({
      onError: () => {},
      onDocumentSigned: () => {},
      onLinkViewed: () => {
        throw new RangeError('no such link')
      },
    })
    expect(await runner.run(signed, { id: 'j1', attempt: 1, attempts: 3 })).toEqual({
      outcome: 'processed',
    })
    expect((await runner.run(linkViewed, { id: 'j2', attempt: 2, attempts: 3 })).outcome).toBe(
      'failed',
    )
    // The receiver's fields and traceparent around bytes it did not store.
    const forged = { ...signed, rawBody: 'not even json' }
    expect((await runner.run(forged, { id: 'j3', attempt: 1, attempts: 3 })).outcome).toBe(
      'refused',
    )

    const deliveries = named('inkless.webhook')
    const [processed, failed, refused] = named('inkless.job') as [
      ReadableSpan,
      ReadableSpan,
      ReadableSpan,
    ]
    // One trace from the receiver to the worker.
    expect(processed.spanContext().traceId).toBe(deliveries[0]?.spanContext().traceId)
    expect(processed.parentSpanContext?.spanId).toBe(deliveries[0]?.spanContext().spanId)
    expect(failed.parentSpanContext?.spanId).toBe(deliveries[1]?.spanContext().spanId)
    expect(processed.kind).toBe(SpanKind.CONSUMER)
    expect(processed.attributes).toEqual({
      'inkless.job.id': 'j1',
      'inkless.job.attempt': 1,
      'inkless.outcome': 'processed',
      'inkless.event': 'document_signed',
      'inkless.tenant': 'acme',
      'inkless.dedupe_key': signed.dedupeKey,
    })
    expect(processed.status.code).toBe(SpanStatusCode.UNSET)
    expect(childrenOf(processed).map((s) => s.name)).toEqual(['inkless.listener onDocumentSigned'])

    expect(failed.attributes).toMatchObject({
      'inkless.job.attempt': 2,
      'inkless.outcome': 'failed',
      'error.type': 'failed',
    })
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'failed' })
    const [listener] = childrenOf(failed)
    expect(listener?.name).toBe('inkless.listener onLinkViewed')
    expect(listener?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'RangeError' })
    expect(listener?.events.map((e) => e.attributes?.['exception.message'])).toEqual([
      'no such link',
    ])

    // A job no receiver stored: its own trace, no listener, none of its claimed facts.
    expect(refused.parentSpanContext).toBeUndefined()
    expect(refused.attributes).toEqual({
      'inkless.job.id': 'j3',
      'inkless.job.attempt': 1,
      'inkless.outcome': 'refused',
      'error.type': 'refused',
    })
    expect(childrenOf(refused)).toEqual([])

    expect(points(await collected('inkless.webhook.jobs'))).toEqual([
      {
        attributes: { 'inkless.outcome': 'processed', 'inkless.event': 'document_signed' },
        value: 1,
      },
      { attributes: { 'inkless.outcome': 'failed', 'inkless.event': 'link_viewed' }, value: 1 },
      { attributes: { 'inkless.outcome': 'refused' }, value: 1 },
    ])
    const durations = (await collected('inkless.webhook.handler.duration')) as HistogramMetricData
    expect(durations.dataPoints.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ 'inkless.listener': 'onDocumentSigned', 'inkless.event': 'document_signed' }, 1],
      [
        {
          'inkless.listener': 'onLinkViewed',
          'inkless.event': 'link_viewed',
          'error.type': 'RangeError',
        },
        1,
      ],
    ])
  })

  it('a stored traceparent that is malformed or all zeros starts a trace of its own', async () => {
    registerTracer()
    const job = await stored(eventBody())
    const runner = createJobRunner({ onEvent: () => {} })
    const [, traceId, spanId] = (job.traceparent as string).split('-')
    const bad = [
      'garbage',
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      `01-${traceId}-${spanId}-01`,
      42,
    ]
    for (const [i, traceparent] of bad.entries()) {
      await runner.run({ ...job, traceparent }, { id: `j${i}`, attempt: 1, attempts: 1 })
    }
    await runner.run(job, { id: 'good', attempt: 1, attempts: 1 })
    expect(
      named('inkless.job').map((s) => [
        s.attributes['inkless.job.id'],
        s.parentSpanContext?.spanId,
        s.parentSpanContext?.traceFlags,
      ]),
    ).toEqual([...bad.map((_, i) => [`j${i}`, undefined, undefined]), ['good', spanId, 1]])
  })
})

describe('a worker with fewer providers', () => {
  it('a meter provider alone: jobs counted, no spans', async () => {
    registerMeter()
    const job = await stored(eventBody())
    expect(job.traceparent).toBeUndefined()
    const runner = createJobRunner({ onEvent: () => {} })
    await runner.run(job, { id: 'j1', attempt: 1, attempts: 1 })
    expect(points(await collected('inkless.webhook.jobs'))).toEqual([
      {
        attributes: { 'inkless.outcome': 'processed', 'inkless.event': 'document_signed' },
        value: 1,
      },
    ])
  })

  it('none: nothing recorded, and providers registered later are picked up without a new worker', async () => {
    const job = await stored(eventBody())
    const runner = createJobRunner({ onEvent: () => {} })
    await runner.run(job, { id: 'before', attempt: 1, attempts: 1 })
    registerTracer()
    registerMeter()
    expect(await collected('inkless.webhook.jobs')).toBeUndefined()
    await runner.run(job, { id: 'after', attempt: 1, attempts: 1 })
    expect(named('inkless.job').map((s) => s.attributes['inkless.job.id'])).toEqual(['after'])
    expect(points(await collected('inkless.webhook.jobs'))).toHaveLength(1)
  })

  it('telemetry: false records nothing even with providers; telemetry: { api } uses the module given', async () => {
    registerTracer()
    registerMeter()
    const job = await stored(eventBody())
    spans.reset()
    await createJobRunner({ telemetry: false, onEvent: () => {} }).run(job, {
      id: 'off',
      attempt: 1,
      attempts: 1,
    })
    expect(spans.getFinishedSpans()).toEqual([])
    expect(await collected('inkless.webhook.jobs')).toBeUndefined()
    await createJobRunner({ telemetry: { api }, onEvent: () => {} }).run(job, {
      id: 'given',
      attempt: 1,
      attempts: 1,
    })
    expect(named('inkless.job').map((s) => s.attributes['inkless.job.id'])).toEqual(['given'])
    expect(() => createJobRunner({ telemetry: { api: { trace } as never } })).toThrow(
      /`telemetry.api` must be the @opentelemetry\/api module/,
    )
  })
})
