import { AsyncLocalStorage } from 'node:async_hooks'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createInklessWorker, inklessQueue } from '@inkless-webhooks/bullmq'
import type { InklessWebhooks, QueuedDelivery } from '@inkless-webhooks/core'
import { inklessWebhooks as nodeAdapter } from '@inkless-webhooks/node'
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
import { Queue } from 'bullmq'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createInklessWebhooks,
  type InklessResponse,
  type InklessWebhooks as SourceWebhooks,
} from '../packages/core/src/index.js'
import { reasonOf } from '../packages/core/src/outcome.js'
import * as answers from '../packages/core/src/responses.js'
import * as web from '../packages/core/src/web.js'
import { eventBody, handshakeBody, SECRET, signed } from './support/deliveries.js'
import { send } from './support/http.js'
import { RedisServer } from './support/redis.js'

const { context, metrics, trace, SpanKind, SpanStatusCode, ROOT_CONTEXT } = api
const run = promisify(execFile)

/** What @opentelemetry/context-async-hooks does: the active context follows async calls. */
class AsyncLocalStorageContextManager implements api.ContextManager {
  private readonly storage = new AsyncLocalStorage<api.Context>()
  active() {
    return this.storage.getStore() ?? ROOT_CONTEXT
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: api.Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args))
  }
  bind<T>(_ctx: api.Context, target: T): T {
    return target
  }
  enable() {
    return this
  }
  disable() {
    this.storage.disable()
    return this
  }
}

/** Collects on demand, as a Prometheus scrape would. */
class PullReader extends MetricReader {
  protected override async onForceFlush() {}
  protected override async onShutdown() {}
}

let spans: InMemorySpanExporter
let reader: PullReader

function registerProviders() {
  spans = new InMemorySpanExporter()
  reader = new PullReader()
  context.setGlobalContextManager(new AsyncLocalStorageContextManager())
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  )
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }))
}

function unregisterProviders() {
  trace.disable()
  metrics.disable()
  context.disable()
}

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
const deliverySpans = () => named('inkless.webhook')
const childrenOf = (parent: ReadableSpan) =>
  spans
    .getFinishedSpans()
    .filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)

const servers: Server[] = []
/**
 * A real server for `webhooks`. Each request runs in an active SERVER span, as
 * @opentelemetry/instrumentation-http would make it, so the delivery span is its child.
 */
async function serve(webhooks: InklessWebhooks | SourceWebhooks) {
  // An instance of core's sources (for coverage) is the built one's shape, but TypeScript
  // tells the two builds' private body marker apart.
  const middleware = nodeAdapter(webhooks as InklessWebhooks, { path: '/webhook' })
  const server = createServer((req, res) =>
    trace
      .getTracer('http')
      .startActiveSpan('POST /webhook', { kind: SpanKind.SERVER }, (span) =>
        middleware(req, res).finally(() => span.end()),
      ),
  )
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`
}

const deliver = (url: string, body: string, headers: Record<string, string> = signed(body)) =>
  send(url, { body, headers })

beforeEach(registerProviders)
afterEach(async () => {
  unregisterProviders()
  for (const server of servers.splice(0)) {
    server.close()
    await once(server, 'close')
  }
})

describe('traces', () => {
  it('one inkless.webhook span per delivery, a child span per listener, handler spans inside', async () => {
    const webhooks = createInklessWebhooks({
      secret: SECRET,
      onDocumentSigned: () =>
        trace.getTracer('app').startActiveSpan('crm.update', (span) => span.end()),
    })
    webhooks.on('document_signed', async function notifySales() {})
    const url = await serve(webhooks)

    expect((await deliver(url, eventBody('document_signed'))).status).toBe(200)

    const [delivery] = deliverySpans()
    expect(deliverySpans()).toHaveLength(1)
    expect(delivery?.kind).toBe(SpanKind.INTERNAL)
    expect(delivery?.attributes).toMatchObject({
      'inkless.event': 'document_signed',
      'inkless.outcome': 'handled',
      'http.response.status_code': 200,
    })
    expect(delivery?.attributes['inkless.dedupe_key']).toMatch(/^[\w-]{43}$/)
    expect(delivery?.attributes['inkless.reason']).toBeUndefined()
    expect(delivery?.status.code).toBe(SpanStatusCode.UNSET)
    // The delivery span belongs to the HTTP server span of its request.
    const [http] = named('POST /webhook')
    expect(delivery?.parentSpanContext?.spanId).toBe(http?.spanContext().spanId)

    const listeners = childrenOf(delivery as ReadableSpan)
    expect(listeners.map((s) => s.name).sort()).toEqual([
      'inkless.listener on(document_signed) notifySales',
      'inkless.listener onDocumentSigned',
    ])
    const callback = listeners.find((s) => s.name === 'inkless.listener onDocumentSigned')
    expect(callback?.attributes).toEqual({
      'inkless.listener': 'onDocumentSigned',
      'inkless.event': 'document_signed',
    })
    // A span the handler starts is a child of its listener's span.
    expect(childrenOf(callback as ReadableSpan).map((s) => s.name)).toEqual(['crm.update'])
  })

  it('a forged request: rejected, bad_signature, 401, no listener span', async () => {
    const webhooks = createInklessWebhooks({ secret: SECRET, onEvent: () => {} })
    const url = await serve(webhooks)
    const body = eventBody('document_signed')

    expect((await deliver(url, body, signed(body, 'whsec_forged'))).status).toBe(401)

    const [delivery] = deliverySpans()
    expect(delivery?.attributes).toEqual({
      'inkless.outcome': 'rejected',
      'inkless.reason': 'bad_signature',
      'http.response.status_code': 401,
    })
    expect(delivery?.status.code).toBe(SpanStatusCode.UNSET)
    expect(childrenOf(delivery as ReadableSpan)).toEqual([])
  })

  it('names each outcome: duplicate, handshake, too_large, bad_payload, not a POST', async () => {
    const webhooks = createInklessWebhooks({ secret: SECRET, maxBodyBytes: 1024, onEvent() {} })
    const url = await serve(webhooks)
    const body = eventBody('link_viewed')
    const notJson = '{"event":'

    await deliver(url, body)
    await deliver(url, body)
    await deliver(url, handshakeBody(), { 'content-type': 'application/json' })
    await deliver(url, eventBody('link_viewed', { note: 'x'.repeat(2000) }))
    await deliver(url, notJson)
    await send(url, { method: 'GET' })

    expect(
      deliverySpans().map((s) => [
        s.attributes['inkless.outcome'],
        s.attributes['inkless.reason'] ?? null,
        s.attributes['http.response.status_code'],
      ]),
    ).toEqual([
      ['handled', null, 200],
      ['duplicate', null, 200],
      ['handshake', null, 200],
      ['rejected', 'too_large', 413],
      ['rejected', 'bad_payload', 400],
      ['rejected', 'method_not_allowed', 405],
    ])
  })

  it('a failing listener: its span records the exception, the delivery is failed (500)', async () => {
    const webhooks = createInklessWebhooks({
      secret: SECRET,
      onError: () => {},
      onEnvelopeComplete: async () => {
        throw new TypeError('CRM down')
      },
      onEvent: () => {},
    })
    const url = await serve(webhooks)

    expect((await deliver(url, eventBody('envelope_complete'))).status).toBe(500)

    const [delivery] = deliverySpans()
    expect(delivery?.attributes).toMatchObject({
      'inkless.outcome': 'failed',
      'inkless.reason': 'handler_failed',
      'error.type': 'handler_failed',
      'http.response.status_code': 500,
    })
    expect(delivery?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'handler_failed' })
    const failed = named('inkless.listener onEnvelopeComplete')[0]
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TypeError' })
    expect(failed?.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'CRM down'],
    ])
    expect(named('inkless.listener onEvent')[0]?.status.code).toBe(SpanStatusCode.UNSET)
  })

  it("respond: 'immediately': the span ends when the handlers do, after the 200", async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const webhooks = createInklessWebhooks({
      secret: SECRET,
      respond: 'immediately',
      onError: () => {},
      onDocumentComplete: async () => {
        await gate
        throw new Error('archive download failed')
      },
    })
    const url = await serve(webhooks)

    expect((await deliver(url, eventBody('document_complete'))).status).toBe(200)
    expect(deliverySpans()).toEqual([])
    release()
    await webhooks.idle()

    expect(deliverySpans()[0]?.attributes).toMatchObject({
      'inkless.outcome': 'failed',
      'inkless.reason': 'handler_failed',
      'http.response.status_code': 200,
    })
  })

  it('a queued delivery carries the W3C traceparent of its span', async () => {
    const jobs: QueuedDelivery[] = []
    const webhooks = createInklessWebhooks({
      secret: SECRET,
      queue: {
        enqueue(delivery) {
          jobs.push(delivery)
          return 'queued'
        },
      },
    })
    const url = await serve(webhooks)

    expect((await deliver(url, eventBody('document_signed'))).status).toBe(200)

    const [delivery] = deliverySpans()
    const { traceId, spanId } = (delivery as ReadableSpan).spanContext()
    expect(jobs[0]?.traceparent).toBe(`00-${traceId}-${spanId}-01`)
    expect(delivery?.attributes['inkless.outcome']).toBe('queued')

    unregisterProviders()
    await deliver(url, eventBody('document_signed'))
    expect(jobs[1]).toBeDefined()
    expect(jobs[1]).not.toHaveProperty('traceparent')
  })
})

describe('queue mode: one trace from the HTTP request to the worker', () => {
  let redis: RedisServer
  beforeAll(async () => {
    redis = await RedisServer.start('none')
  })
  afterAll(() => redis.destroy())

  it('BullMQ: the job span is a child of the delivery span; its listeners, timed and counted, under it', async () => {
    const connection = { host: '127.0.0.1', port: redis.port }
    const queue = new Queue('inkless-telemetry', { connection })
    const url = await serve(createInklessWebhooks({ secret: SECRET, queue: inklessQueue(queue) }))
    const worker = createInklessWorker({
      connection,
      queueName: queue.name,
      onError: () => {},
      onDocumentSigned: () =>
        trace.getTracer('app').startActiveSpan('crm.update', (span) => span.end()),
    })
    try {
      expect((await deliver(url, eventBody('document_signed'))).status).toBe(200)
      // A job someone else put in the queue: refused, counted, its own trace.
      await queue.add('forged', { rawBody: 'not even json', dedupeKey: 'x'.repeat(43) } as never)
      await vi.waitFor(async () => {
        expect(await queue.getCompletedCount()).toBe(1)
        expect(await queue.getFailedCount()).toBe(1)
      })
    } finally {
      await worker.close()
      await queue.close()
    }

    const [http] = named('POST /webhook')
    const [delivery] = deliverySpans()
    const jobs = named('inkless.job')
    const job = jobs.find((s) => s.attributes['inkless.outcome'] === 'processed')
    expect(delivery?.parentSpanContext?.spanId).toBe(http?.spanContext().spanId)
    expect(job?.spanContext().traceId).toBe(http?.spanContext().traceId)
    expect(job?.parentSpanContext?.spanId).toBe(delivery?.spanContext().spanId)
    expect(job?.kind).toBe(SpanKind.CONSUMER)
    expect(job?.attributes).toMatchObject({
      'inkless.event': 'document_signed',
      'inkless.job.attempt': 1,
      'inkless.dedupe_key': delivery?.attributes['inkless.dedupe_key'],
    })
    const [listener] = childrenOf(job as ReadableSpan)
    expect(listener?.name).toBe('inkless.listener onDocumentSigned')
    expect(childrenOf(listener as ReadableSpan).map((s) => s.name)).toEqual(['crm.update'])

    const refused = jobs.find((s) => s.attributes['inkless.outcome'] === 'refused')
    expect(refused?.parentSpanContext).toBeUndefined()
    expect(refused?.status.code).toBe(SpanStatusCode.ERROR)
    expect(childrenOf(refused as ReadableSpan)).toEqual([])

    expect(points(await collected('inkless.webhook.jobs'))).toEqual(
      expect.arrayContaining([
        {
          attributes: { 'inkless.outcome': 'processed', 'inkless.event': 'document_signed' },
          value: 1,
        },
        { attributes: { 'inkless.outcome': 'refused' }, value: 1 },
      ]),
    )
    const durations = (await collected('inkless.webhook.handler.duration')) as HistogramMetricData
    expect(durations.dataPoints.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ 'inkless.listener': 'onDocumentSigned', 'inkless.event': 'document_signed' }, 1],
    ])
  })
})

it('every fixed non-2xx answer has a reason of its own', () => {
  const fixed = Object.values(answers).filter(
    (value): value is InklessResponse => typeof value === 'object' && value.status >= 300,
  )
  const reasons = fixed.map(reasonOf)
  expect(fixed.length).toBeGreaterThan(10)
  expect(new Set(reasons).size).toBe(fixed.length)
  expect(reasons).not.toContain('bad_payload')
  expect(reasons).not.toContain('body_consumed')
  expect(reasonOf(answers.invalidPayload('x'))).toBe('bad_payload')
  expect(reasonOf(answers.consumed('fix'))).toBe('body_consumed')
})

describe('metrics', () => {
  it('counts deliveries by event, outcome and reason; times each listener', async () => {
    const webhooks = createInklessWebhooks({
      secret: SECRET,
      onError: () => {},
      onDocumentSigned: () => {},
      onLinkViewed: () => {
        throw new Error('no')
      },
    })
    const url = await serve(webhooks)
    const body = eventBody('document_signed')

    await deliver(url, body)
    await deliver(url, body)
    await deliver(url, eventBody('document_signed'))
    await deliver(url, eventBody('link_viewed'))
    await deliver(url, body, signed(body, 'whsec_forged'))

    expect(points(await collected('inkless.webhook.deliveries'))).toEqual(
      expect.arrayContaining([
        {
          attributes: {
            'inkless.outcome': 'handled',
            'inkless.event': 'document_signed',
            'http.response.status_code': 200,
          },
          value: 2,
        },
        {
          attributes: {
            'inkless.outcome': 'duplicate',
            'inkless.event': 'document_signed',
            'http.response.status_code': 200,
          },
          value: 1,
        },
        {
          attributes: {
            'inkless.outcome': 'failed',
            'inkless.reason': 'handler_failed',
            'inkless.event': 'link_viewed',
            'http.response.status_code': 500,
          },
          value: 1,
        },
        {
          attributes: {
            'inkless.outcome': 'rejected',
            'inkless.reason': 'bad_signature',
            'http.response.status_code': 401,
          },
          value: 1,
        },
      ]),
    )
    expect(points(await collected('inkless.webhook.deliveries'))).toHaveLength(4)
    // The default in-memory store is not timed: it answers in microseconds.
    expect(await collected('inkless.dedupe.duration')).toBeUndefined()

    const handlers = (await collected('inkless.webhook.handler.duration')) as HistogramMetricData
    expect(handlers.descriptor.unit).toBe('s')
    expect(
      handlers.dataPoints
        .map((p) => [p.attributes, p.value.count])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      [{ 'inkless.listener': 'onDocumentSigned', 'inkless.event': 'document_signed' }, 2],
      [
        {
          'inkless.listener': 'onLinkViewed',
          'inkless.event': 'link_viewed',
          'error.type': 'Error',
        },
        1,
      ],
    ])
  })

  it("times the dedupe store's operations, failures by error type", async () => {
    let down = false
    const memory = new Set<string>()
    const webhooks = createInklessWebhooks({
      secret: SECRET,
      onEvent: () => {},
      onLinkViewed: () => {
        throw new Error('CRM down')
      },
      onError: () => {},
      dedupe: {
        claim: async (key) => {
          if (down) throw new Error('ECONNREFUSED')
          return memory.has(key) ? 'done' : 'claimed'
        },
        complete: async (key) => {
          memory.add(key)
        },
        release: () => {},
      },
    })
    const url = await serve(webhooks)

    await deliver(url, eventBody('otp_sent'))
    // A failed listener releases the claim, so that Inkless's retry runs it again.
    expect((await deliver(url, eventBody('link_viewed'))).status).toBe(500)
    down = true
    expect((await deliver(url, eventBody('otp_sent'))).status).toBe(503)

    const store = (await collected('inkless.dedupe.duration')) as HistogramMetricData
    expect(
      store.dataPoints.map((p) => [p.attributes, p.value.count, (p.value.min ?? -1) >= 0]),
    ).toEqual([
      [{ 'inkless.dedupe.operation': 'claim' }, 2, true],
      [{ 'inkless.dedupe.operation': 'complete' }, 1, true],
      [{ 'inkless.dedupe.operation': 'release' }, 1, true],
      [{ 'inkless.dedupe.operation': 'claim', 'error.type': 'Error' }, 1, true],
    ])
    expect(deliverySpans()[2]?.attributes).toMatchObject({
      'inkless.outcome': 'rejected',
      'inkless.reason': 'store_unavailable',
      'http.response.status_code': 503,
    })
  })
})

describe('without a provider', () => {
  it('records nothing until one is registered, then picks it up without a restart', async () => {
    unregisterProviders()
    const webhooks = createInklessWebhooks({ secret: SECRET, onEvent: () => {} })
    const url = await serve(webhooks)
    expect((await deliver(url, eventBody('sms_sent'))).status).toBe(200)

    registerProviders()
    expect(deliverySpans()).toEqual([])
    expect(await collected('inkless.webhook.deliveries')).toBeUndefined()
    await deliver(url, eventBody('sms_delivered'))
    expect(deliverySpans().map((s) => s.attributes['inkless.event'])).toEqual(['sms_delivered'])
    expect(points(await collected('inkless.webhook.deliveries'))).toHaveLength(1)
  })

  it('a telemetry.api that is not the API module is refused when the instance is created', () => {
    expect(() => createInklessWebhooks({ telemetry: { api: { trace } as never } })).toThrow(
      /`telemetry.api` must be the @opentelemetry\/api module/,
    )
  })

  it('telemetry: false records nothing, even with providers', async () => {
    const webhooks = createInklessWebhooks({ secret: SECRET, telemetry: false, onEvent() {} })
    await deliver(await serve(webhooks), eventBody('sms_sent'))
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['POST /webhook'])
    expect(await collected('inkless.webhook.deliveries')).toBeUndefined()
  })
})

describe('builds', () => {
  it('the published ESM and CommonJS builds load @opentelemetry/api themselves', async () => {
    const esm = await import('@inkless-webhooks/core')
    const cjs = createRequire(import.meta.url)('@inkless-webhooks/core') as typeof esm
    for (const build of [esm, cjs]) {
      const webhooks = build.createInklessWebhooks({ secret: SECRET, onEvent() {} })
      await deliver(await serve(webhooks), eventBody('email_opened'))
    }
    expect(deliverySpans()).toHaveLength(2)
  })

  it('without @opentelemetry/api installed, both builds load and answer', async () => {
    // A copy of the package where nothing can resolve the API, as in an app without it.
    const root = await mkdtemp(join(tmpdir(), 'inkless-no-otel-'))
    // pnpm sets NODE_PATH to its store, from which anything resolves.
    const { NODE_PATH: _, ...env } = process.env
    try {
      const pkg = join(root, 'node_modules/@inkless-webhooks/core')
      await cp(join(import.meta.dirname, '../packages/core/dist'), join(pkg, 'dist'), {
        recursive: true,
      })
      await cp(
        join(import.meta.dirname, '../packages/core/package.json'),
        join(pkg, 'package.json'),
      )
      const script = (load: string) =>
        `${load}; const w = createInklessWebhooks({ secret: 's', onEvent() {} }); w.handle({ method: 'POST', headers: { 'x-inkless-signature': signPayload('{"event":"link_viewed","document_token":"t","timestamp":"2026-03-11T23:25:31Z"}', 's') }, rawBody: '{"event":"link_viewed","document_token":"t","timestamp":"2026-03-11T23:25:31Z"}' }).then((r) => console.log(r.status))`
      for (const [flag, load] of [
        [
          '--input-type=module',
          "import { createInklessWebhooks, signPayload } from '@inkless-webhooks/core'",
        ],
        [
          '--input-type=commonjs',
          "const { createInklessWebhooks, signPayload } = require('@inkless-webhooks/core')",
        ],
      ] as const) {
        const { stdout } = await run(process.execPath, [flag, '-e', script(load)], {
          cwd: root,
          env,
        })
        expect(stdout.trim()).toBe('200')
      }
      await expect(
        run(process.execPath, ['-e', "require.resolve('@opentelemetry/api')"], { cwd: root, env }),
      ).rejects.toThrow(/Cannot find module/)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  it('the Web Crypto build records only with the API passed as { api }', async () => {
    const quiet = web.createInklessWebhooks({ secret: SECRET, onEvent() {} })
    const traced = web.createInklessWebhooks({ secret: SECRET, telemetry: { api }, onEvent() {} })
    await deliver(await serve(quiet), eventBody('email_clicked'))
    await deliver(await serve(traced), eventBody('email_bounced'))
    expect(deliverySpans().map((s) => s.attributes['inkless.event'])).toEqual(['email_bounced'])
  })
})
