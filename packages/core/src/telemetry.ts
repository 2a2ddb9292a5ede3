import type { DedupeStore } from './dedupe.js'
import type { ListenerAround } from './listeners.js'
import { isThenable } from './maybe-async.js'
import { outcomeOf, reasonOf } from './outcome.js'
import type { InklessResponse } from './request.js'

// The part of `@opentelemetry/api` used here, typed structurally so that core's declarations
// never import it: it is an optional peer dependency (docs/operations.md, "Tracing and metrics").
/** Span and metric attributes, as `@opentelemetry/api` types them. */
export type OtelAttributes = Record<string, string | number | boolean>
/** An OpenTelemetry context (opaque here). */
export type OtelContext = object
/** A span's ids (W3C trace context). */
export interface OtelSpanContext {
  /** 32 hex digits. */
  traceId: string
  /** 16 hex digits. */
  spanId: string
  /** Bit 0: sampled. */
  traceFlags: number
}
/** The part of an OpenTelemetry `Span` core uses. */
export interface OtelSpan {
  /** Its trace and span ids, for a queued job's `traceparent`. */
  spanContext(): OtelSpanContext
  /** Adds attributes (event, outcome, reason…). */
  setAttributes(attributes: OtelAttributes): unknown
  /** Marks it failed. */
  setStatus(status: { code: number; message?: string }): unknown
  /** Records what a listener threw. */
  recordException(exception: Error | string): unknown
  /** Ends it. */
  end(): unknown
}
/** The part of an OpenTelemetry `Tracer` core uses. */
export interface OtelTracer {
  /** Starts a span (`inkless.webhook`, `inkless.listener …`, `inkless.job`). */
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: OtelAttributes },
    context?: OtelContext,
  ): OtelSpan
}
/** The part of an OpenTelemetry `TracerProvider` core uses. */
export interface OtelTracerProvider {
  /** The tracer of core's instrumentation scope. */
  getTracer(name: string): OtelTracer
}
/** A counter (`add`) or histogram (`record`). */
export interface OtelInstrument {
  /** Counts (counters). */
  add?(value: number, attributes?: OtelAttributes): void
  /** Records a value (histograms). */
  record?(value: number, attributes?: OtelAttributes): void
}
/** The part of an OpenTelemetry `Meter` core uses. */
export interface OtelMeter {
  /** Creates a counter. */
  createCounter(name: string, options?: object): OtelInstrument
  /** Creates a histogram. */
  createHistogram(name: string, options?: object): OtelInstrument
}

/**
 * `import * as api from '@opentelemetry/api'` (1.x), or any object with these members: the
 * part core uses, typed here so that core's declarations never import the optional peer.
 */
export interface OpenTelemetryApi {
  /** `api.trace`. */
  readonly trace: {
    /** The registered tracer provider (a proxy until one is registered). */
    getTracerProvider(): OtelTracerProvider & {
      /** The provider behind the proxy, once one is registered. */
      getDelegate?(): OtelTracerProvider
    }
    /** A context with `span` active. */
    setSpan(context: OtelContext, span: OtelSpan): OtelContext
    /** A context with a remote parent span (a queued job's `traceparent`). */
    setSpanContext(
      context: OtelContext,
      spanContext: OtelSpanContext & { isRemote?: boolean },
    ): OtelContext
  }
  /** `api.context`. */
  readonly context: {
    /** The active context. */
    active(): OtelContext
    /** Runs `fn` with `context` active. */
    with<T>(context: OtelContext, fn: () => T): T
  }
  /** `api.metrics`. */
  readonly metrics: {
    /** The registered meter provider. */
    getMeterProvider(): {
      /** The meter of core's instrumentation scope. */
      getMeter(name: string): OtelMeter
    }
  }
  /** `api.ProxyTracerProvider`: tells the no-op provider from a registered one. */
  readonly ProxyTracerProvider: {
    /** A proxy with nothing registered: its delegate is the no-op provider. */
    new (): {
      /** The provider behind the proxy. */
      getDelegate(): OtelTracerProvider
    }
  }
  /** `api.createNoopMeter`: tells the no-op meter from a registered one. */
  createNoopMeter(): OtelMeter
}

/** The `telemetry` option's object form (docs/operations.md, "Tracing and metrics"). */
export interface TelemetryOption {
  /** The API module, where core cannot load it itself (Workers, Deno, browsers). */
  readonly api: OpenTelemetryApi
}

/** What a delivery's span and counter read when it ends: filled in by handle()'s steps. */
interface DeliveryFacts {
  readonly event?: { readonly event: string } | undefined
  readonly tenant?: string | undefined
  readonly dedupeKey?: string | undefined
}

/** A job's facts, as far as the worker checked them. */
interface JobFacts extends DeliveryFacts {
  readonly jobId: string
  readonly attempt: number
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const INVALID_TRACE = /^0+$/

/** A W3C `traceparent` (version 00) as a remote span context; undefined if malformed. */
function parseTraceparent(value: unknown) {
  const match = typeof value === 'string' ? TRACEPARENT.exec(value) : null
  if (match === null) return undefined
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string]
  if (INVALID_TRACE.test(traceId) || INVALID_TRACE.test(spanId)) return undefined
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true }
}

const SCOPE = '@inkless-webhooks/core'
const SPAN_KIND_INTERNAL = 0
const SPAN_KIND_CONSUMER = 4
const STATUS_ERROR = 2
// Seconds; the semantic conventions' HTTP buckets, and finer ones for stores (µs to s).
const HANDLER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
const STORE_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]

function instrumentsOf(meter: OtelMeter) {
  return {
    deliveries: meter.createCounter('inkless.webhook.deliveries', {
      description: 'Webhook requests answered, by event, outcome and reason.',
      unit: '{delivery}',
    }),
    handlerDuration: meter.createHistogram('inkless.webhook.handler.duration', {
      description: 'How long each listener took for one delivery.',
      unit: 's',
      advice: { explicitBucketBoundaries: HANDLER_BUCKETS },
    }),
    jobs: meter.createCounter('inkless.webhook.jobs', {
      description: 'Queued deliveries run by a worker, by event and outcome.',
      unit: '{job}',
    }),
    storeDuration: meter.createHistogram('inkless.dedupe.duration', {
      description: 'Latency of the dedupe store, by operation.',
      unit: 's',
      advice: { explicitBucketBoundaries: STORE_BUCKETS },
    }),
  }
}
type Instruments = ReturnType<typeof instrumentsOf>

const seconds = (since: number) => (performance.now() - since) / 1000
const errorType = (error: unknown) => (error instanceof Error ? error.name : typeof error)

/** Calls `done` when `run()` settles, at once or with its promise, and says if it failed. */
function measured<T>(run: () => T, done: (failed: boolean, error?: unknown) => void): T {
  let result: T
  try {
    result = run()
  } catch (error) {
    done(true, error)
    throw error
  }
  if (!isThenable(result)) {
    done(false)
    return result
  }
  return Promise.resolve(result).then(
    (value) => {
      done(false)
      return value
    },
    (error: unknown) => {
      done(true, error)
      throw error
    },
  ) as T
}

export type Telemetry = ReturnType<typeof createTelemetry>
export type DeliveryRecording = NonNullable<ReturnType<Telemetry['begin']>>

/**
 * Spans and metrics through `@opentelemetry/api`, looked up per delivery: nothing is created
 * while no tracer or meter provider is registered (the API's no-op providers), and a provider
 * registered after the webhooks were created is picked up.
 */
export function createTelemetry(api: OpenTelemetryApi, { queued }: { queued: boolean }) {
  if (typeof api.ProxyTracerProvider !== 'function' || typeof api.createNoopMeter !== 'function') {
    throw new TypeError(
      'inkless-webhooks: `telemetry.api` must be the @opentelemetry/api module itself (its namespace object).',
    )
  }
  const noopTracerProvider = new api.ProxyTracerProvider().getDelegate()
  const noopMeter = api.createNoopMeter()
  let tracerProvider: OtelTracerProvider | undefined
  let tracer: OtelTracer | undefined
  let meterProvider: object | undefined
  let instruments: Instruments | undefined

  const currentTracer = () => {
    // The global provider is the API's proxy; its delegate is the SDK's, or the no-op one.
    const proxy = api.trace.getTracerProvider()
    const provider = proxy.getDelegate?.() ?? proxy
    if (provider !== tracerProvider) {
      tracerProvider = provider
      tracer = provider === noopTracerProvider ? undefined : provider.getTracer(SCOPE)
    }
    return tracer
  }
  const currentInstruments = () => {
    const provider = api.metrics.getMeterProvider()
    if (provider !== meterProvider) {
      meterProvider = provider
      const meter = provider.getMeter(SCOPE)
      instruments = meter === noopMeter ? undefined : instrumentsOf(meter)
    }
    return instruments
  }

  /** Each listener in a child span (active while it runs, so its own spans nest), timed. */
  const listenerAround =
    (
      context: OtelContext,
      facts: DeliveryFacts,
      tracer: OtelTracer | undefined,
      metrics: Instruments | undefined,
    ): ListenerAround =>
    (label, call) => {
      const started = metrics ? performance.now() : 0
      const event = facts.event?.event as string
      const child = tracer?.startSpan(
        `inkless.listener ${label}`,
        {
          kind: SPAN_KIND_INTERNAL,
          attributes: { 'inkless.listener': label, 'inkless.event': event },
        },
        context,
      )
      const run = child ? () => api.context.with(api.trace.setSpan(context, child), call) : call
      return measured(run, (failed, error) => {
        const attributes: OtelAttributes = { 'inkless.listener': label, 'inkless.event': event }
        if (failed) {
          attributes['error.type'] = errorType(error)
          child?.recordException(error instanceof Error ? error : String(error))
          child?.setStatus({ code: STATUS_ERROR, message: errorType(error) })
        }
        child?.end()
        metrics?.handlerDuration.record?.(seconds(started), attributes)
      })
    }

  /** One request: its span (child of the active one, e.g. the HTTP server span) and counter. */
  const begin = (facts: DeliveryFacts) => {
    const tracer = currentTracer()
    const metrics = currentInstruments()
    if (tracer === undefined && metrics === undefined) return undefined
    const parent = api.context.active()
    const span = tracer?.startSpan('inkless.webhook', { kind: SPAN_KIND_INTERNAL }, parent)
    const context = span ? api.trace.setSpan(parent, span) : parent
    let response: InklessResponse | undefined
    let failedInBackground = false
    // Ends once answered and, with `respond: 'immediately'`, once the handlers settled.
    let waiting = 1
    const end = () => {
      if (--waiting > 0) return
      const answered = response as InklessResponse
      const outcome = failedInBackground ? 'failed' : outcomeOf(answered, queued)
      const reason = failedInBackground ? 'handler_failed' : reasonOf(answered)
      const attributes: OtelAttributes = {
        'inkless.outcome': outcome,
        'http.response.status_code': answered.status,
      }
      if (reason !== undefined) attributes['inkless.reason'] = reason
      if (facts.event !== undefined) attributes['inkless.event'] = facts.event.event
      metrics?.deliveries.add?.(1, attributes)
      if (span === undefined) return
      // A copy: the metrics SDK keeps the object it was given as the data point's attributes.
      const spanAttributes: OtelAttributes = { ...attributes }
      if (facts.tenant !== undefined) spanAttributes['inkless.tenant'] = facts.tenant
      if (facts.dedupeKey !== undefined) spanAttributes['inkless.dedupe_key'] = facts.dedupeKey
      if (answered.status >= 500 || failedInBackground) {
        spanAttributes['error.type'] = reason as string
        span.setStatus({ code: STATUS_ERROR, message: reason })
      }
      span.setAttributes(spanAttributes)
      span.end()
    }

    const listener = listenerAround(context, facts, tracer, metrics)

    return {
      /** Runs handle()'s steps with the delivery's span active. */
      run: <T>(fn: () => T): T => (span ? api.context.with(context, fn) : fn()),
      listener,
      /** W3C trace context of the delivery span, for a queued job to link to. */
      traceparent(): string | undefined {
        if (span === undefined) return undefined
        const { traceId, spanId, traceFlags } = span.spanContext()
        return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`
      },
      answered(answer: InklessResponse) {
        response = answer
        end()
      },
      /** `respond: 'immediately'`: the span covers the handlers that run after the answer. */
      endAfter(handlers: Promise<boolean>) {
        waiting++
        void handlers.then((ok) => {
          failedInBackground = !ok
          end()
        })
      },
    }
  }

  /**
   * One run of a queued job in a worker: an `inkless.job` span, a child of the receiver's
   * `inkless.webhook` span through the job's stored `traceparent` (one trace from the HTTP
   * request to the listeners), the listener spans and durations as in the receiver, and
   * the `inkless.webhook.jobs` counter.
   */
  const job = (facts: JobFacts, traceparent: unknown) => {
    const tracer = currentTracer()
    const metrics = currentInstruments()
    if (tracer === undefined && metrics === undefined) return undefined
    const remote = parseTraceparent(traceparent)
    const parent = remote
      ? api.trace.setSpanContext(api.context.active(), remote)
      : api.context.active()
    const span = tracer?.startSpan(
      'inkless.job',
      {
        kind: SPAN_KIND_CONSUMER,
        attributes: { 'inkless.job.id': facts.jobId, 'inkless.job.attempt': facts.attempt },
      },
      parent,
    )
    const context = span ? api.trace.setSpan(parent, span) : parent
    return {
      listener: listenerAround(context, facts, tracer, metrics),
      /** Records the run's outcome: processed, failed (listeners threw), refused (bad job). */
      end(outcome: 'processed' | 'failed' | 'refused') {
        const attributes: OtelAttributes = { 'inkless.outcome': outcome }
        if (facts.event !== undefined) attributes['inkless.event'] = facts.event.event
        metrics?.jobs.add?.(1, attributes)
        if (span === undefined) return
        const spanAttributes: OtelAttributes = { ...attributes }
        if (facts.tenant !== undefined) spanAttributes['inkless.tenant'] = facts.tenant
        if (facts.dedupeKey !== undefined) spanAttributes['inkless.dedupe_key'] = facts.dedupeKey
        if (outcome !== 'processed') {
          spanAttributes['error.type'] = outcome
          span.setStatus({ code: STATUS_ERROR, message: outcome })
        }
        span.setAttributes(spanAttributes)
        span.end()
      },
    }
  }

  /** The store, its calls timed while a meter provider is registered (as of the last begin). */
  const timedStore = (store: DedupeStore): DedupeStore => {
    const timed = <A extends unknown[], R>(operation: string, call: (...args: A) => R) => {
      const succeeded = { 'inkless.dedupe.operation': operation }
      return (...args: A): R => {
        const metrics = instruments
        if (metrics === undefined) return call(...args)
        const started = performance.now()
        return measured(
          () => call(...args),
          (failed, error) =>
            metrics.storeDuration.record?.(
              seconds(started),
              failed ? { ...succeeded, 'error.type': errorType(error) } : succeeded,
            ),
        )
      }
    }
    return {
      claim: timed('claim', (key, info) => store.claim(key, info)),
      complete: timed('complete', (key, claim) => store.complete(key, claim)),
      release: timed('release', (key, claim) => store.release(key, claim)),
    }
  }

  return { begin, job, store: timedStore }
}
