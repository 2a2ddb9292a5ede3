import { consumedBodyFix, type RawBody, readBody, withinLimit } from './body.js'
import { sharedDeadline } from './deadlines.js'
import { dedupeKeyOf } from './dedupe-key.js'
import { mismatchHint } from './diagnostics.js'
import {
  type InklessErrorCode,
  InklessHandlerError,
  InklessWebhookError,
  type ListenerFailure,
} from './errors.js'
import type { InklessUnknownEvent } from './events.js'
import { getHeader } from './headers.js'
import type { DeliveryContext, ListenerRegistry } from './listeners.js'
import { andThen, isThenable, type MaybePromise } from './maybe-async.js'
import type { InklessWebhooksOptions, ResolvedOptions } from './options.js'
import { reasonOf } from './outcome.js'
import { asHandshake, classifyPayload, mayBeHandshake, parseJson } from './parse.js'
import type { Platform } from './platform.js'
import { countedReport, type Report, type Reporter, rateLimit, warning } from './report.js'
import type { HandleOptions, InklessRequest, InklessResponse } from './request.js'
import * as answer from './responses.js'
import type { MissingSecretError, SecretsFor } from './secrets.js'
import { createTelemetry, type DeliveryRecording } from './telemetry.js'
import { nameTenant } from './tenants.js'

/** What one request has gathered so far, step by step. */
interface Delivery {
  readonly request: InklessRequest
  readonly options: HandleOptions | undefined
  readonly receivedAt: number
  tenant?: string
  rawBody?: RawBody
  /** The parsed JSON of a body small enough to be a handshake; undefined if not parsed. */
  parsed?: unknown
  event?: InklessUnknownEvent
  dedupeKey?: string
  claimed?: boolean
  /** Its span and metrics, while an OpenTelemetry provider is registered. */
  recording?: DeliveryRecording
}

/** A step answers (ends the request) or returns undefined to go on to the next. */
type Step = (delivery: Delivery) => MaybePromise<InklessResponse | undefined>

export interface HandlerParts {
  readonly options: InklessWebhooksOptions
  readonly config: ResolvedOptions
  readonly platform: Platform
  readonly secretsFor: SecretsFor
  readonly listeners: ListenerRegistry
  readonly report: Reporter
  /** Background work of `respond: 'immediately'`, for `idle()`. */
  readonly pending: Set<Promise<void>>
}

const DIAGNOSTIC_INTERVAL_MS = 60_000

/**
 * `handle()` as named steps: accept → read → handshake → authenticate → parse → claim →
 * dispatch. Each step may answer synchronously or with a promise; `runSteps` awaits only
 * real promises.
 */
export function createHandle(parts: HandlerParts) {
  const { options, config, platform, secretsFor, listeners, pending } = parts
  const { now } = config
  const { queue } = options
  const api =
    options.telemetry === false ? undefined : (options.telemetry?.api ?? platform.openTelemetry?.())
  const telemetry = api && createTelemetry(api, { queued: queue !== undefined })
  // A store passed as `dedupe` is timed; the default in-memory one answers in microseconds.
  const store = telemetry && options.dedupe ? telemetry.store(options.dedupe) : config.store
  const allowed = rateLimit(DIAGNOSTIC_INTERVAL_MS, now)
  // Real time, not the injectable clock: it bounds how long a socket is held.
  const bodyDeadline = sharedDeadline(config.bodyTimeoutMs)
  /** Every report names the delivery (event, dedupeKey, tenant) and, when known, its answer. */
  const report = (d: Delivery, entry: Report, answered?: InklessResponse) =>
    parts.report(
      {
        ...entry,
        context: { ...contextOf(d), ...entry.context },
        fields:
          answered === undefined
            ? entry.fields
            : { status: answered.status, reason: reasonOf(answered), ...entry.fields },
      },
      d.options?.logger,
    )
  const reportOnce = (
    d: Delivery,
    entry: Report & { error: InklessWebhookError },
    answered: InklessResponse,
  ) => {
    if (allowed(entry.error.code)) report(d, entry, answered)
  }
  // What clients can cause on every request (aborted or stalled uploads, a tenant() that
  // throws, failing lookups) is counted and reported at most once a minute, with the last cause.
  const counted = (
    code: InklessErrorCode,
    answered: InklessResponse,
    what: string,
    level: Report['level'] = 'warn',
  ) => {
    let last: Delivery | undefined
    let cause: unknown
    const count = countedReport(
      (n) =>
        report(
          last as Delivery,
          {
            level,
            error: new InklessWebhookError(
              code,
              `${n} request(s) ${what} in the last minute.`,
              cause === undefined ? undefined : { cause },
            ),
            fields: { count: n },
          },
          answered,
        ),
      () => allowed(code),
    )
    return (delivery: Delivery, error?: unknown) => {
      last = delivery
      cause = error
      count()
    }
  }
  const aborted = counted(
    'body_unreadable',
    answer.UNREADABLE,
    'closed by the client before their body ended (400)',
  )
  const stalled = counted(
    'body_timeout',
    answer.BODY_TIMEOUT,
    `whose body did not arrive within ${config.bodyTimeoutMs} ms (408)`,
  )
  const tenantFailed = counted(
    'tenant_failed',
    answer.NO_TENANT,
    'whose tenant() threw (answered 404)',
  )
  const lookupFailed = counted(
    'secret_lookup_failed',
    answer.LOOKUP_FAILED,
    "whose tenant's secret lookup failed or passed its deadline (503, so Inkless retries)",
    'error',
  )
  const unknownTenant =
    config.unknownTenant === 'invalid-signature' ? answer.BAD_SIGNATURE : answer.UNKNOWN_TENANT
  let consumedReported = false

  /** Method, a body an upstream parser consumed, a declared length over the limit, the tenant. */
  const accept: Step = (d) => {
    const { request } = d
    if (request.method.toUpperCase() !== 'POST') return answer.NOT_POST
    const fix = consumedBodyFix(request.rawBody)
    if (fix !== undefined) {
      const consumed = answer.consumed(fix)
      if (!consumedReported) {
        consumedReported = true
        report(
          d,
          {
            level: 'error',
            error: new InklessWebhookError(
              'body_consumed',
              `The request body was read by another middleware before inkless-webhooks. ${fix}`,
            ),
          },
          consumed,
        )
      }
      return consumed
    }
    const declared = getHeader(request.headers, 'content-length')
    if (declared !== undefined && Number(declared) > config.maxBodyBytes) return answer.TOO_LARGE
    if (options.tenant) {
      const named = nameTenant(options.tenant, request)
      if (typeof named === 'string') d.tenant = named
      else {
        if (named !== undefined) tenantFailed(d, named.error)
        return answer.NO_TENANT
      }
    }
    return undefined
  }

  /** The body, up to `maxBodyBytes` and within `bodyTimeoutMs`. */
  const read: Step = (d) => {
    const source = d.request.rawBody
    const result =
      typeof source === 'string' || source instanceof Uint8Array
        ? withinLimit(source, config.maxBodyBytes)
        : readBody(source as AsyncIterable<Uint8Array>, config.maxBodyBytes, bodyDeadline)
    const settle = (body: Awaited<typeof result>) => {
      if (body === 'too-large') return answer.TOO_LARGE
      if (body === 'timeout') {
        stalled(d)
        return answer.BODY_TIMEOUT
      }
      d.rawBody = body
      return undefined
    }
    return isThenable(result)
      ? result.then(settle, () => {
          aborted(d)
          return answer.UNREADABLE
        })
      : settle(result)
  }

  /**
   * The handshake rule (README "What each request gets"): a body of at most 1 KiB that is a
   * JSON object with a string `verification_secret` and no `event`. It is parsed here, once;
   * larger bodies are never parsed before their signature holds.
   */
  const handshake: Step = (d) => {
    const rawBody = d.rawBody as RawBody
    if (!mayBeHandshake(rawBody)) return undefined
    d.parsed = parseJson(rawBody)
    const verification = asHandshake(d.parsed)
    if (verification === undefined) return undefined
    const onVerification = options.onVerification
    // Without a callback nobody reads `signed`: no HMAC to compute.
    if (!onVerification) return answer.reply(200, verification.verification_secret)
    const signature = getHeader(d.request.headers, 'x-inkless-signature')
    const signed =
      signature === undefined
        ? false
        : andThen(secretsOrUndefined(d), (found) =>
            found === undefined ? false : platform.verify(rawBody, signature, found.secrets),
          )
    return andThen(signed, async (isSigned) => {
      try {
        const verdict = await onVerification(verification, {
          headers: d.request.headers,
          signed: isSigned,
        })
        if (verdict === false) return answer.REFUSED
      } catch (error) {
        report(
          d,
          {
            level: 'error',
            error: new InklessWebhookError(
              'verification_failed',
              'onVerification threw; the handshake was answered 500.',
              { cause: error },
            ),
          },
          answer.HANDLER_FAILED,
        )
        return answer.HANDLER_FAILED
      }
      return answer.reply(200, verification.verification_secret)
    })
  }

  // For the handshake's `signed` flag only: a missing secret or failed lookup means unsigned.
  const secretsOrUndefined = (d: Delivery) => {
    try {
      const found = secretsFor(d.tenant)
      return isThenable(found) ? found.catch(() => undefined) : found
    } catch {
      return undefined
    }
  }

  /** `X-Inkless-Alg`, then one HMAC per secret. Nothing else proportional to the body. */
  const authenticate: Step = (d) => {
    const { headers } = d.request
    const alg = getHeader(headers, 'x-inkless-alg')
    if (
      alg !== undefined &&
      alg !== 'SHA256' &&
      (typeof alg !== 'string' || alg.toLowerCase() !== 'sha256')
    )
      return answer.BAD_ALGORITHM
    let secrets: ReturnType<SecretsFor>
    try {
      secrets = secretsFor(d.tenant)
    } catch (error) {
      // Only INKLESS_WEBHOOK_SECRET read at the first request can throw here.
      reportOnce(
        d,
        {
          level: 'error',
          error: new InklessWebhookError(
            'secret_missing',
            // The console line adds its own prefix.
            (error as MissingSecretError).message.replace(/^inkless-webhooks: /, ''),
          ),
        },
        answer.NO_SECRET,
      )
      return answer.NO_SECRET
    }
    const verified = andThen(secrets, (found) => {
      if (found === undefined) return unknownTenant
      // The tenant's own id, when its lookup gave one, from here on: dedupe key, job, context.
      if (found.id !== undefined) d.tenant = found.id
      const signature = getHeader(headers, 'x-inkless-signature')
      return andThen(platform.verify(d.rawBody as RawBody, signature, found.secrets), (ok) =>
        ok ? undefined : diagnose(d, signature, found.secrets),
      )
    })
    return isThenable(verified)
      ? (verified as Promise<InklessResponse | undefined>).catch((error: unknown) => {
          lookupFailed(d, error)
          return answer.LOOKUP_FAILED
        })
      : verified
  }

  /** 401, with a hint to the operator when the cause is certain and the rate limit allows. */
  const diagnose = (d: Delivery, header: unknown, secrets: readonly string[]) => {
    if (!allowed('signature_mismatch')) return answer.BAD_SIGNATURE
    const hint = mismatchHint({
      rawBody: d.rawBody as RawBody,
      header,
      secrets,
      keptBy: d.request.keptBy,
      verify: platform.verify,
    })
    return andThen(hint, (text) => {
      if (text !== undefined) {
        report(
          d,
          warning('signature_mismatch', `Signature mismatch. ${text}`),
          answer.BAD_SIGNATURE,
        )
      }
      return answer.BAD_SIGNATURE
    })
  }

  /** The event's fields, and its timestamp against `toleranceSeconds`. */
  const parse: Step = (d) => {
    const payload = classifyPayload(d.parsed ?? parseJson(d.rawBody as RawBody))
    if (!payload.ok) return answer.invalidPayload(payload.reason)
    // A signed handshake-shaped body of over 1 KiB is not a handshake: refuse it as an event.
    if (payload.kind === 'verification')
      return answer.invalidPayload('"event" must be a non-empty string')
    if (config.toleranceMs !== undefined) {
      const at = Date.parse(payload.event.timestamp)
      if (Number.isNaN(at)) return answer.invalidPayload('"timestamp" is not an ISO 8601 date')
      if (Math.abs(d.receivedAt - at) > config.toleranceMs) return answer.STALE
    }
    d.event = payload.event
    return undefined
  }

  /** The dedupe key, then the queue's job or the store's claim. */
  const claim: Step = (d) =>
    andThen(dedupeKeyOf(d.event as InklessUnknownEvent, d.tenant, platform.digest), (key) => {
      d.dedupeKey = key
      if (queue) return enqueue(d, key)
      if (!store) return undefined
      const failed = (error: unknown) => {
        if (config.processOnStoreError) {
          report(d, {
            level: 'error',
            error: new InklessWebhookError(
              'store_unavailable',
              'The dedupe store could not be reached; processing without dedupe (onStoreError: process).',
              { cause: error },
            ),
          })
          return undefined
        }
        report(
          d,
          {
            level: 'error',
            error: new InklessWebhookError(
              'store_unavailable',
              'The dedupe store could not be reached; answered 503 so Inkless retries.',
              { cause: error },
            ),
          },
          answer.STORE_DOWN,
        )
        return answer.STORE_DOWN
      }
      const claimed = (result: 'claimed' | 'processing' | 'done') => {
        if (result === 'done') return answer.DUPLICATE
        if (result === 'processing') return answer.IN_PROGRESS
        d.claimed = true
        return undefined
      }
      try {
        const result = store.claim(key)
        return isThenable(result) ? result.then(claimed, failed) : claimed(result)
      } catch (error) {
        return failed(error)
      }
    })

  const enqueue = (d: Delivery, dedupeKey: string) => {
    const rawBody = d.rawBody as RawBody
    const failed = (error: unknown) => {
      report(
        d,
        {
          level: 'error',
          error: new InklessWebhookError(
            'queue_unavailable',
            'The queue did not accept the delivery; answered 503 so Inkless retries.',
            { cause: error },
          ),
        },
        answer.QUEUE_DOWN,
      )
      return answer.QUEUE_DOWN
    }
    const stored = (result: 'queued' | 'duplicate') =>
      result === 'duplicate' ? answer.DUPLICATE : answer.OK
    // `traceparent` is the field @inkless-webhooks/bullmq's worker links its span to.
    const traceparent = d.recording?.traceparent()
    try {
      const result = (queue as NonNullable<typeof queue>).enqueue({
        event: d.event as InklessUnknownEvent,
        dedupeKey,
        rawBody: typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody),
        receivedAt: d.receivedAt,
        ...(d.tenant === undefined ? {} : { tenant: d.tenant }),
        ...(traceparent === undefined ? {} : { traceparent }),
      })
      return isThenable(result) ? result.then(stored, failed) : stored(result)
    } catch (error) {
      return failed(error)
    }
  }

  /** The listeners, in the request or (`respond: 'immediately'`) after the answer. */
  const dispatch: Step = (d) => {
    const context: DeliveryContext = {
      dedupeKey: d.dedupeKey as string,
      rawBody: d.rawBody as RawBody,
      headers: d.request.headers,
      receivedAt: d.receivedAt,
      ...(d.tenant === undefined ? {} : { tenant: d.tenant }),
    }
    const processed = andThen(
      listeners.run(d.event as InklessUnknownEvent, context, d.recording?.listener),
      (failures) => settle(d, failures),
    )
    if (!config.respondImmediately) {
      return andThen(processed, (ok) => (ok ? answer.OK : answer.HANDLER_FAILED))
    }
    const settled = Promise.resolve(processed)
    const work = settled.then(() => {
      pending.delete(work)
    })
    pending.add(work)
    d.recording?.endAfter(settled)
    d.options?.waitUntil?.(work)
    return answer.OK
  }

  /** Completes or releases the claim, then reports failures; true when there were none. */
  const settle = (d: Delivery, failures: readonly ListenerFailure[]): MaybePromise<boolean> => {
    // What Inkless got, or gets: 200 already with `respond: 'immediately'`.
    const answered =
      config.respondImmediately || failures.length === 0 ? answer.OK : answer.HANDLER_FAILED
    const reportFailures = () => {
      if (failures.length === 0) return true
      report(
        d,
        {
          level: 'error',
          error: new InklessHandlerError((d.event as InklessUnknownEvent).event, failures),
          context: { listeners: failures.map((f) => f.listener) },
          fields: { reason: 'handler_failed' },
        },
        answered,
      )
      return false
    }
    if (!d.claimed || !store) return reportFailures()
    const key = d.dedupeKey as string
    const recordFailed = (error: unknown) =>
      report(
        d,
        {
          level: 'error',
          error: new InklessWebhookError(
            'store_unavailable',
            'The dedupe store failed to record the outcome of a delivery.',
            { cause: error },
          ),
        },
        answered,
      )
    try {
      const recorded = failures.length === 0 ? store.complete(key) : store.release(key)
      if (isThenable(recorded)) {
        return Promise.resolve(recorded).then(reportFailures, (error: unknown) => {
          recordFailed(error)
          return reportFailures()
        })
      }
    } catch (error) {
      recordFailed(error)
    }
    return reportFailures()
  }

  const steps: readonly Step[] = [accept, read, handshake, authenticate, parse, claim, dispatch]

  /** Runs the steps from `from` until one answers; promises only where a step made one. */
  const runSteps = (d: Delivery, from: number): MaybePromise<InklessResponse> => {
    for (let i = from; i < steps.length; i++) {
      const result = (steps[i] as Step)(d)
      if (isThenable(result)) {
        return (result as Promise<InklessResponse | undefined>).then(
          (answered) => answered ?? runSteps(d, i + 1),
        )
      }
      if (result !== undefined) return result
    }
    // dispatch always answers; reaching here would be a bug.
    throw new Error('inkless-webhooks: no step answered')
  }

  const bug = (d: Delivery) => (error: unknown) => {
    // Only a bug can get here; answer without details rather than crash the server.
    report(
      d,
      { level: 'error', error: error instanceof Error ? error : new Error(String(error)) },
      answer.HANDLER_FAILED,
    )
    return answer.HANDLER_FAILED
  }

  const answerOf = (d: Delivery): Promise<InklessResponse> => {
    try {
      const result = runSteps(d, 0)
      return isThenable(result)
        ? (result as Promise<InklessResponse>).then(undefined, bug(d))
        : Promise.resolve(result)
    } catch (error) {
      return Promise.resolve(bug(d)(error))
    }
  }

  return (request: InklessRequest, handleOptions?: HandleOptions): Promise<InklessResponse> => {
    const d: Delivery = { request, options: handleOptions, receivedAt: now() }
    const recording = telemetry?.begin(d)
    if (recording === undefined) return answerOf(d)
    d.recording = recording
    return recording
      .run(() => answerOf(d))
      .then((response) => {
        recording.answered(response)
        return response
      })
  }
}

const contextOf = (d: Delivery) => ({
  event: d.event,
  dedupeKey: d.dedupeKey,
  ...(d.tenant === undefined ? {} : { tenant: d.tenant }),
})
