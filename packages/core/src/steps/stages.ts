import type { BodyStream, RawBody } from '../body.js'
import type { ClaimResult, ContextClaim } from '../dedupe.js'
import type { InklessUnknownEvent } from '../events.js'
import { isThenable, type MaybePromise } from '../maybe-async.js'
import type { HandleOptions, InklessRequest, InklessResponse } from '../request.js'
import type { DeliveryRecording } from '../telemetry.js'

// What one request has gathered, stage by stage. Each step takes one stage and returns the
// next (or an answer, which ends the request), so a step run before the one it builds on is
// a type error. The stages are one object, extended in place (`extend`): reports and the
// telemetry span read what it holds when they run.

/** A request as `handle()` received it. */
export interface Received {
  readonly request: InklessRequest
  readonly options: HandleOptions | undefined
  readonly receivedAt: number
  /** Its span and metrics, while an OpenTelemetry provider is registered. */
  recording: DeliveryRecording | undefined
}

/** `accept` → `read`: a POST whose body is still to be read, and its tenant. */
export interface Accepted extends Received {
  /** The request's body: bytes, or a stream (not a consumed marker). */
  readonly body: RawBody | BodyStream
  /** The tenant, when the `tenant` option is set. */
  readonly tenant: string | undefined
}

/** `read` → `handshake`: the whole body, within the limits. */
export interface Read extends Accepted {
  readonly rawBody: RawBody
}

/** `handshake` → `authenticate`: not a handshake. */
export interface NotHandshake extends Read {
  /** The parsed JSON of a body small enough to be a handshake; undefined if not parsed. */
  readonly parsed: unknown
}

/** `authenticate` → `parse`: the signature holds for one of the secrets. */
export interface Authenticated extends NotHandshake {
  readonly signed: true
}

/** `parse` → `claim`: a well-formed event within the timestamp tolerance. */
export interface Parsed extends Authenticated {
  readonly event: InklessUnknownEvent
}

/** `claim` → `dispatch`: a delivery to run the listeners for. */
export interface Claimed extends Parsed {
  readonly dedupeKey: string
  /**
   * What the dedupe store answered when it granted the claim, which `settle` then completes
   * or releases; undefined without a store, or when processing on after a store outage. A
   * {@link ContextClaim} adds to the listeners' context and is settled before the answer.
   */
  readonly claim: Extract<ClaimResult, 'claimed'> | ContextClaim<object> | undefined
}

/** What a report may say about a delivery, at whatever stage it is. */
export interface DeliveryFacts {
  readonly options: HandleOptions | undefined
  readonly event?: InklessUnknownEvent
  readonly dedupeKey?: string
  readonly tenant?: string | undefined
}

/** One step of `handle()`: the next stage, or an answer that ends the request. */
export type Step<In, Out> = (delivery: In) => MaybePromise<Out | InklessResponse>

/** The steps from one on, ending with an answer. */
export type Path<In> = (delivery: In) => MaybePromise<InklessResponse>

/**
 * The delivery with `key` set, typed as the next stage. The only place a stage is written:
 * the type it returns is exactly what was set.
 */
export function extend<T extends object, K extends string, V>(
  delivery: T,
  key: K,
  value: V,
): T & { readonly [P in K]: V } {
  ;(delivery as Record<K, V>)[key] = value
  return delivery as T & { readonly [P in K]: V }
}

/** A new delivery, with every field a later stage sets already present: one shape for all. */
export const received = (
  request: InklessRequest,
  options: HandleOptions | undefined,
  receivedAt: number,
): Received => {
  const fields = {
    request,
    options,
    receivedAt,
    recording: undefined,
    body: undefined,
    tenant: undefined,
    rawBody: undefined,
    parsed: undefined,
    signed: undefined,
    event: undefined,
    dedupeKey: undefined,
    claim: undefined,
  }
  return fields
}

// Stages never have a `status`; answers always do.
const isAnswer = <T extends object>(result: T | InklessResponse): result is InklessResponse =>
  'status' in result

/**
 * `step`, then `rest` unless the step answered. Built once per instance, so a request makes
 * no closures, and awaits only the steps that return a promise.
 */
export const chain =
  <In, Out extends object>(step: Step<In, Out>, rest: Path<Out>): Path<In> =>
  (delivery) => {
    const result = step(delivery)
    if (isThenable(result)) {
      return result.then((next) => (isAnswer(next) ? next : rest(next)))
    }
    return isAnswer(result) ? result : rest(result)
  }
