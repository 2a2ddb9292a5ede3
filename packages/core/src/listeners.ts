import type { RawBody } from './body.js'
import type { ListenerFailure } from './errors.js'
import {
  type CallbackName,
  callbackName,
  type INKLESS_EVENT_INFO,
  INKLESS_EVENTS,
  type InklessEvent,
  type InklessEventMap,
  type InklessEventName,
  type InklessEventOf,
  type InklessUnknownEvent,
  isInklessEventName,
} from './events.js'
import type { HeaderSource } from './headers.js'
import { isThenable, type MaybePromise } from './maybe-async.js'

/** What every listener receives next to the event. */
export interface DeliveryContext {
  /**
   * Identifies the delivery across Inkless's retries: a 43-character digest of event,
   * document_token, secure_link_id, timestamp (and tenant). See docs/requests.md, "Dedupe keys".
   */
  readonly dedupeKey: string
  /** The exact bytes Inkless signed. */
  readonly rawBody: RawBody
  /** The request's headers (none in a queue worker: the receiver checked them). */
  readonly headers: HeaderSource
  /** When this delivery was received, in ms since the epoch (from the injectable clock). */
  readonly receivedAt: number
  /** The tenant, on an endpoint serving several Inkless accounts. */
  readonly tenant?: string
}

/**
 * The listeners' context: {@link DeliveryContext}, plus what the dedupe store's claims add
 * (`{ db }` from a transactional store); just `DeliveryContext` when they add nothing.
 */
export type DeliveryContextWith<Extras extends object> = object extends Extras
  ? DeliveryContext
  : DeliveryContext & Extras

/**
 * A listener: called with the event and the delivery's context. A returned promise is
 * awaited; a throw or rejection fails the delivery (500 with `respond: 'after-handlers'`, so
 * Inkless retries) and is reported to `onError`.
 */
export type EventHandler<E, C = DeliveryContext> = (event: E, context: C) => unknown

/**
 * `onDocumentSigned`, `onEnvelopeComplete`, … one optional callback per event, called with
 * the verified event, typed by its name ({@link InklessEventMap} says what each carries).
 * Written out rather than mapped from {@link INKLESS_EVENT_INFO} so that each keeps its
 * documentation (TypeScript drops it from renamed mapped keys, and the API reference needs
 * it); `_EveryCallbackWritten` below stops core compiling until they agree.
 */
export interface EventCallbacks<C = DeliveryContext> {
  /** `document_signing_link_sent`: a signing link was sent to a recipient. */
  onDocumentSigningLinkSent?: EventHandler<InklessEventOf<'document_signing_link_sent'>, C>
  /** `link_viewed`: a recipient opened their signing link. */
  onLinkViewed?: EventHandler<InklessEventOf<'link_viewed'>, C>
  /** `link_resent`: a signing link was sent again. */
  onLinkResent?: EventHandler<InklessEventOf<'link_resent'>, C>
  /** `otp_sent`: a one-time passcode was sent by SMS. */
  onOtpSent?: EventHandler<InklessEventOf<'otp_sent'>, C>
  /** `otp_verified`: a recipient entered their one-time passcode correctly. */
  onOtpVerified?: EventHandler<InklessEventOf<'otp_verified'>, C>
  /** `document_signed`: one recipient signed; called once per signer. */
  onDocumentSigned?: EventHandler<InklessEventOf<'document_signed'>, C>
  /** `document_complete`: the archive is ready; download it with `document_token`. */
  onDocumentComplete?: EventHandler<InklessEventOf<'document_complete'>, C>
  /** `envelope_complete`: every document in the envelope is done; the final trigger. */
  onEnvelopeComplete?: EventHandler<InklessEventOf<'envelope_complete'>, C>
  /** `sms_sent`: the SMS provider accepted a message. */
  onSmsSent?: EventHandler<InklessEventOf<'sms_sent'>, C>
  /** `sms_delivered`: an SMS was reported delivered. */
  onSmsDelivered?: EventHandler<InklessEventOf<'sms_delivered'>, C>
  /** `sms_failed`: an SMS could not be delivered. */
  onSmsFailed?: EventHandler<InklessEventOf<'sms_failed'>, C>
  /** `email_delivered`: an email was reported delivered. */
  onEmailDelivered?: EventHandler<InklessEventOf<'email_delivered'>, C>
  /** `email_opened`: a recipient opened an email. */
  onEmailOpened?: EventHandler<InklessEventOf<'email_opened'>, C>
  /** `email_clicked`: a recipient clicked a link in an email. */
  onEmailClicked?: EventHandler<InklessEventOf<'email_clicked'>, C>
  /** `email_bounced`: an email bounced. */
  onEmailBounced?: EventHandler<InklessEventOf<'email_bounced'>, C>
  /** `email_rejected`: the receiving mail server refused an email. */
  onEmailRejected?: EventHandler<InklessEventOf<'email_rejected'>, C>
}

// Compiles only while EventCallbacks is exactly the callbacks mapped from the event names.
type Same<A extends B, B> = A
type Mapped = {
  [N in InklessEventName as CallbackName<N>]?: EventHandler<InklessEventOf<N>, DeliveryContext>
}
type _EveryCallbackWritten = [Same<EventCallbacks, Mapped>, Same<Mapped, EventCallbacks>]

/** The typed callbacks, plus the catch-alls for known and unknown events. */
export interface ListenerOptions<C = DeliveryContext> extends EventCallbacks<C> {
  /** Every verified event with a known name, after its own callback. */
  onEvent?: EventHandler<InklessEvent, C>
  /** Verified events whose name is not known. */
  onUnknownEvent?: EventHandler<InklessUnknownEvent, C>
}

/** Adding and removing listeners after creation. */
export interface ListenerMethods<C = DeliveryContext> {
  /** Adds a listener for one or several event names; returns a function that removes it. */
  on<N extends InklessEventName>(
    name: N | readonly N[],
    fn: EventHandler<InklessEventOf<N>, C>,
  ): () => void
  /** Adds a listener for every verified known event; returns a function that removes it. */
  onAny(fn: EventHandler<InklessEvent, C>): () => void
  /** Removes a listener added with `on()` for these names (the same function). */
  off<N extends InklessEventName>(
    name: N | readonly N[],
    fn: EventHandler<InklessEventOf<N>, C>,
  ): void
  /** Removes a listener added with `onAny()`. */
  offAny(fn: EventHandler<InklessEvent, C>): void
}

/** Wraps each listener call, e.g. in a span (telemetry.ts); returns what `call` returns. */
export type ListenerAround = (label: string, call: () => unknown) => unknown

/** The registry behind `on()`/`onAny()` and the callbacks: who runs for an event. */
export interface ListenerRegistry<C = DeliveryContext> extends ListenerMethods<C> {
  /** Runs every listener for the event; resolves to those that failed (none: empty). */
  run(
    event: InklessUnknownEvent,
    context: C,
    around?: ListenerAround,
  ): MaybePromise<readonly ListenerFailure[]>
}

type Listener = { readonly label: string; readonly fn: EventHandler<never, never> }

const NO_FAILURES: readonly ListenerFailure[] = []
const CALLBACK_EVENTS = new Map<string, InklessEventName>(
  INKLESS_EVENTS.map((name) => [callbackName(name), name]),
)

/** The event callback option names, for error messages. */
export const eventCallbackNames = (): readonly string[] => [...CALLBACK_EVENTS.keys()]

/** True for `onDocumentSigned` and the other per-event callbacks. */
export const isEventCallbackName = (key: string) => CALLBACK_EVENTS.has(key)

/**
 * Throws for an `on…` option that is neither an event callback nor one of `others`: a
 * misspelt callback (`onDocumentSign`) would otherwise never run, silently. And for an event
 * callback that is not a function.
 */
export function checkCallbackNames(options: object, others: ReadonlySet<string>): void {
  for (const [key, value] of Object.entries(options)) {
    if (/^on[A-Z]/.test(key) && !CALLBACK_EVENTS.has(key) && !others.has(key)) {
      throw new TypeError(
        `inkless-webhooks: unknown option "${key}". Event callbacks are ${eventCallbackNames().join(', ')}.`,
      )
    }
    // Not a function: every delivery of that event would fail (500) instead.
    if (CALLBACK_EVENTS.has(key) && value !== undefined && typeof value !== 'function') {
      throw new TypeError(`inkless-webhooks: ${key} must be a function (got ${typeof value}).`)
    }
  }
}

function checkEventNames(name: unknown): readonly InklessEventName[] {
  const list: readonly unknown[] = typeof name === 'string' ? [name] : (name as unknown[])
  for (const n of list) {
    if (!isInklessEventName(n)) {
      throw new TypeError(
        `inkless-webhooks: unknown event "${String(n)}". Known events: ${INKLESS_EVENTS.join(', ')}.`,
      )
    }
  }
  return list as readonly InklessEventName[]
}

const labelOf = (fn: { name: string }) => fn.name || 'anonymous'

function callListener<C>(
  l: Listener,
  event: InklessUnknownEvent,
  context: C,
  around?: ListenerAround,
) {
  const fn = l.fn as EventHandler<unknown, C>
  return around === undefined ? fn(event, context) : around(l.label, () => fn(event, context))
}

/** Calls the listeners; their failures, without a promise when they were all synchronous. */
function runListeners<C>(
  listeners: readonly Listener[],
  event: InklessUnknownEvent,
  context: C,
  around: ListenerAround | undefined,
): MaybePromise<readonly ListenerFailure[]> {
  if (listeners.length === 0) return NO_FAILURES
  if (listeners.length === 1) {
    const only = listeners[0] as Listener
    const failed = (error: unknown) => [{ listener: only.label, error }]
    try {
      const result = callListener(only, event, context, around)
      return isThenable(result)
        ? Promise.resolve(result).then(() => NO_FAILURES, failed)
        : NO_FAILURES
    } catch (error) {
      return failed(error)
    }
  }
  return Promise.allSettled(
    listeners.map(async (l) => callListener(l, event, context, around)),
  ).then((results) =>
    results.flatMap((r, i) =>
      r.status === 'rejected'
        ? [{ listener: (listeners[i] as Listener).label, error: r.reason }]
        : [],
    ),
  )
}

/**
 * The listener registry, shared by the HTTP path and by processing ends that run the
 * handlers elsewhere (a queue worker). Per-event lists are rebuilt on every on/off, so a
 * delivery iterates a stable array and pays no lookup beyond one Map get.
 */
export function createListenerRegistry<C = DeliveryContext>(
  options: ListenerOptions<C>,
): ListenerRegistry<C> {
  const named = new Map<InklessEventName, readonly Listener[]>()
  let catchAll: readonly Listener[] = []
  let byEvent = new Map<string, readonly Listener[]>()
  const rebuild = () => {
    const next = new Map<string, readonly Listener[]>()
    for (const name of INKLESS_EVENTS) next.set(name, [...(named.get(name) ?? []), ...catchAll])
    byEvent = next
  }
  const add = (name: InklessEventName, listener: Listener) =>
    named.set(name, [...(named.get(name) ?? []), listener])
  const remove = (name: InklessEventName, keep: (l: Listener) => boolean) =>
    named.set(name, (named.get(name) ?? []).filter(keep))

  for (const name of INKLESS_EVENTS) {
    const fn = options[callbackName(name)]
    if (fn) add(name, { label: callbackName(name), fn: fn as Listener['fn'] })
  }
  if (options.onEvent) catchAll = [{ label: 'onEvent', fn: options.onEvent as Listener['fn'] }]
  const unknown: readonly Listener[] = options.onUnknownEvent
    ? [{ label: 'onUnknownEvent', fn: options.onUnknownEvent as Listener['fn'] }]
    : []
  rebuild()

  const listenersFor = (name: string) => byEvent.get(name) ?? unknown

  return {
    on(name, fn) {
      const list = checkEventNames(name)
      const listener = { label: `on(${list.join('|')}) ${labelOf(fn)}`, fn: fn as Listener['fn'] }
      for (const n of list) add(n, listener)
      rebuild()
      return () => {
        for (const n of list) remove(n, (l) => l !== listener)
        rebuild()
      }
    },
    onAny(fn) {
      const listener = { label: `onAny ${labelOf(fn)}`, fn: fn as Listener['fn'] }
      catchAll = [...catchAll, listener]
      rebuild()
      return () => {
        catchAll = catchAll.filter((l) => l !== listener)
        rebuild()
      }
    },
    off(name, fn) {
      for (const n of checkEventNames(name)) remove(n, (l) => l.fn !== fn)
      rebuild()
    },
    offAny(fn) {
      catchAll = catchAll.filter((l) => l.fn !== fn)
      rebuild()
    },
    run: (event, context, around) =>
      runListeners(listenersFor(event.event), event, context, around),
  }
}
