import {
  type BodySource,
  type ConsumedBody,
  consumedBodyFix,
  readBody,
  withinLimit,
} from './body.js'
import { createMemoryDedupeStore, type DedupeStore } from './dedupe.js'
import { InklessHandlerError, InklessWebhookError, type ListenerFailure } from './errors.js'
import {
  type CallbackName,
  callbackName,
  INKLESS_EVENTS,
  type InklessEvent,
  type InklessEventName,
  type InklessEventOf,
  type InklessUnknownEvent,
  type InklessVerificationRequest,
  isInklessEventName,
} from './events.js'
import { getHeader, type HeaderSource } from './headers.js'
import { classifyPayload, parseJson } from './parse.js'
import type { RawBody, Secrets } from './signature.js'

/** The platform's signature check: node:crypto (sync) or Web Crypto (async). */
export type Verify = (
  rawBody: RawBody,
  header: unknown,
  secrets: Secrets,
) => boolean | Promise<boolean>

/** What every listener receives next to the event. */
export interface DeliveryContext {
  /** Identifies the delivery across retries: event, document_token, secure_link_id, timestamp. */
  readonly dedupeKey: string
  /** The exact bytes Inkless signed. */
  readonly rawBody: RawBody
  readonly headers: HeaderSource
  /** When this delivery was received, in ms since the epoch (from the injectable clock). */
  readonly receivedAt: number
}

export type EventHandler<E> = (event: E, context: DeliveryContext) => unknown

/** `onDocumentSigned`, `onEnvelopeComplete`, … one optional callback per event. */
export type EventCallbacks = {
  [N in InklessEventName as CallbackName<N>]?: EventHandler<InklessEventOf<N>>
}

export interface ErrorContext {
  /** The event being handled, when the error belongs to one. */
  readonly event?: InklessEvent | InklessUnknownEvent
  readonly dedupeKey?: string
  /** The listeners that threw (handler errors only). */
  readonly listeners?: readonly string[]
}

export interface InklessWebhooksOptions extends EventCallbacks {
  /** One secret, or several during rotation. Default: `INKLESS_WEBHOOK_SECRET`. */
  secret?: string | readonly string[]
  /** Every verified event with a known name, after its own callback. */
  onEvent?: EventHandler<InklessEvent>
  /** Verified events whose name is not among the 16. */
  onUnknownEvent?: EventHandler<InklessUnknownEvent>
  /** The handshake; return `false` to refuse it (403). */
  onVerification?: (
    request: InklessVerificationRequest,
    context: { readonly headers: HeaderSource },
  ) => unknown
  /** Handler failures, store outages and misconfigurations. Default: `console.error`. */
  onError?: (error: Error, context: ErrorContext) => void
  /** Largest body read, in bytes. Default 100 KiB. */
  maxBodyBytes?: number
  /** `immediately`: answer 200 once verified and claimed, run handlers after. */
  respond?: 'after-handlers' | 'immediately'
  /** Where processed deliveries are remembered; `false` turns deduplication off. */
  dedupe?: DedupeStore | false
  /** Refuse events whose `timestamp` is further than this from now. Off by default. */
  toleranceSeconds?: number
  /** When the dedupe store fails: `reject` answers 503 (default), `process` runs handlers anyway. */
  onStoreError?: 'reject' | 'process'
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  now?: () => number
}

/** A framework-neutral request: adapters fill it from their own. */
export interface InklessRequest {
  readonly method: string
  readonly url?: string
  readonly headers: HeaderSource
  /** Raw bytes, a stream of them (read up to `maxBodyBytes`), or `consumedBody(fix)`. */
  readonly rawBody: BodySource
}

export interface InklessResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface HandleOptions {
  /** Keeps background work alive on platforms that stop after the response (edge runtimes). */
  readonly waitUntil?: (work: Promise<unknown>) => void
}

type Listener = { readonly label: string; readonly fn: EventHandler<never> }

export interface InklessWebhooks {
  /** Adds a listener for one or several event names; returns a function that removes it. */
  on<N extends InklessEventName>(
    name: N | readonly N[],
    fn: EventHandler<InklessEventOf<N>>,
  ): () => void
  /** Adds a listener for every verified known event; returns a function that removes it. */
  onAny(fn: EventHandler<InklessEvent>): () => void
  off<N extends InklessEventName>(name: N | readonly N[], fn: EventHandler<InklessEventOf<N>>): void
  offAny(fn: EventHandler<InklessEvent>): void
  /** Answers one request according to the behaviour table; never rejects. */
  handle(request: InklessRequest, options?: HandleOptions): Promise<InklessResponse>
  /** Resolves when handlers started with `respond: 'immediately'` have settled. */
  idle(): Promise<void>
}

const DEFAULT_MAX_BODY_BYTES = 100 * 1024
const SECRET_HELP =
  'Pass `secret` or set the INKLESS_WEBHOOK_SECRET environment variable to the webhook secret shown in Inkless (Company Settings > Webhooks).'
const HINT_INTERVAL_MS = 60_000

const TEXT = {
  'content-type': 'text/plain; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const
// Sent when the body was not (fully) read: the server closes instead of draining the rest.
const TEXT_CLOSE = { ...TEXT, connection: 'close' } as const

const reply = (status: number, body: string, headers: Record<string, string> = TEXT) => ({
  status,
  headers,
  body,
})
const OK = reply(200, 'ok')
const DUPLICATE = reply(200, 'duplicate')
const BAD_SIGNATURE = reply(401, 'invalid signature')
const BAD_ALGORITHM = reply(401, 'unsupported signature algorithm')
const STALE = reply(401, 'timestamp outside tolerance')
const REFUSED = reply(403, 'verification refused')
const NOT_POST = reply(405, 'method not allowed', { ...TEXT_CLOSE, allow: 'POST' })
// The first delivery with this key is still running: a non-2xx makes Inkless retry, and
// 409 (not 5xx) says nothing is wrong with the server (README: "Choices worth knowing").
const IN_PROGRESS = reply(409, 'delivery in progress', { ...TEXT, 'retry-after': '1' })
const TOO_LARGE = reply(413, 'payload too large', TEXT_CLOSE)
const HANDLER_FAILED = reply(500, 'webhook handler failed')
const STORE_DOWN = reply(503, 'dedupe store unavailable', { ...TEXT, 'retry-after': '5' })
const UNREADABLE = reply(400, 'could not read body')

const NO_FAILURES: readonly ListenerFailure[] = []
const instanceBrand = Symbol.for('inkless-webhooks.instance')

// Stores, verifiers and listeners may answer synchronously; awaiting only real promises
// keeps the hot path free of needless microtask hops.
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function'

export const isInklessWebhooks = (value: unknown): value is InklessWebhooks =>
  typeof value === 'object' && value !== null && instanceBrand in value

function resolveSecrets(secret: InklessWebhooksOptions['secret']): readonly string[] {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.INKLESS_WEBHOOK_SECRET
  const given = secret ?? env
  const list = typeof given === 'string' ? [given] : given
  if (list === undefined || (typeof given === 'string' && given.trim() === '')) {
    throw new TypeError(`inkless-webhooks: no webhook secret. ${SECRET_HELP}`)
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(
      `inkless-webhooks: \`secret\` must be a string or a non-empty array. ${SECRET_HELP}`,
    )
  }
  for (const s of list) {
    if (typeof s !== 'string' || s.trim() === '') {
      throw new TypeError(
        `inkless-webhooks: every secret must be a non-empty string. ${SECRET_HELP}`,
      )
    }
  }
  return [...list]
}

const CALLBACK_EVENTS = new Map<string, InklessEventName>(
  INKLESS_EVENTS.map((name) => [callbackName(name), name]),
)
const KNOWN_CALLBACKS = new Set([
  'onEvent',
  'onUnknownEvent',
  'onVerification',
  'onError',
  'onStoreError',
])

function checkCallbackNames(options: object): void {
  for (const key of Object.keys(options)) {
    if (/^on[A-Z]/.test(key) && !CALLBACK_EVENTS.has(key) && !KNOWN_CALLBACKS.has(key)) {
      throw new TypeError(
        `inkless-webhooks: unknown option "${key}". Event callbacks are ${[...CALLBACK_EVENTS.keys()].join(', ')}.`,
      )
    }
  }
}

function checkEventName(name: unknown): asserts name is InklessEventName {
  if (!isInklessEventName(name)) {
    throw new TypeError(
      `inkless-webhooks: unknown event "${String(name)}". Known events: ${INKLESS_EVENTS.join(', ')}.`,
    )
  }
}

const dedupeKeyOf = (e: InklessUnknownEvent): string =>
  `${e.event}\n${e.document_token}\n${e.secure_link_id ?? ''}\n${e.timestamp}`

/** Why a well-formed signature failed, when the cause is recognisable; undefined otherwise. */
async function mismatchHint(
  verify: Verify,
  rawBody: RawBody,
  header: string,
  secrets: readonly string[],
): Promise<string | undefined> {
  const trimmed = secrets.filter((s) => s !== s.trim()).map((s) => s.trim())
  if (trimmed.length > 0 && (await verify(rawBody, header, trimmed))) {
    return 'The signature matches once surrounding whitespace is removed from the configured secret: trim it (a trailing newline in .env or a secrets file is the usual cause).'
  }
  const text = typeof rawBody === 'string' ? rawBody : undefined
  if (text === '[object Object]') {
    return 'The body is "[object Object]": it was parsed and converted back to text. Pass the raw request bytes.'
  }
  const value = parseJson(rawBody)
  if (value === undefined) return undefined
  const body = text ?? new TextDecoder().decode(rawBody as Uint8Array)
  if (body === JSON.stringify(value) || body === JSON.stringify(value, null, 2)) {
    return 'The body is exactly what JSON.stringify makes of its parsed value, as when a body parser ran first and the body was re-serialised; that changes the bytes Inkless signed. Pass the raw request bytes (mount the webhook before any JSON parser), or check the secret.'
  }
  return undefined
}

/** Builds `createInklessWebhooks` over a platform's signature check (see index.ts, web.ts). */
export function createWebhooks(options: InklessWebhooksOptions, verify: Verify): InklessWebhooks {
  const secrets = resolveSecrets(options.secret)
  checkCallbackNames(options)
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new TypeError('inkless-webhooks: maxBodyBytes must be a positive integer')
  }
  const tolerance = options.toleranceSeconds
  if (tolerance !== undefined && !(tolerance > 0)) {
    throw new TypeError('inkless-webhooks: toleranceSeconds must be a positive number')
  }
  const respondImmediately = options.respond === 'immediately'
  const now = options.now ?? Date.now
  const store =
    options.dedupe === false ? undefined : (options.dedupe ?? createMemoryDedupeStore({ now }))
  const processOnStoreError = options.onStoreError === 'process'
  const onError =
    options.onError ??
    ((error: Error) => {
      console.error('[inkless-webhooks]', error)
    })

  const named = new Map<InklessEventName, Listener[]>()
  let any: Listener[] = []
  // Per-event listener lists, rebuilt on every on/off so a delivery iterates a stable array.
  let dispatch = new Map<string, readonly Listener[]>()
  const rebuild = () => {
    const next = new Map<string, readonly Listener[]>()
    for (const name of INKLESS_EVENTS) next.set(name, [...(named.get(name) ?? []), ...any])
    dispatch = next
  }
  const add = (name: InklessEventName, listener: Listener) => {
    named.set(name, [...(named.get(name) ?? []), listener])
  }
  for (const name of INKLESS_EVENTS) {
    const fn = options[callbackName(name)]
    if (fn) add(name, { label: callbackName(name), fn: fn as EventHandler<never> })
  }
  if (options.onEvent) any = [{ label: 'onEvent', fn: options.onEvent }]
  const unknownListeners: readonly Listener[] = options.onUnknownEvent
    ? [{ label: 'onUnknownEvent', fn: options.onUnknownEvent as EventHandler<never> }]
    : []
  rebuild()

  const report = (error: Error, context: ErrorContext = {}) => {
    try {
      onError(error, context)
    } catch {
      // A throwing onError must not turn into an unhandled rejection or change the answer.
    }
  }
  let consumedReported = false
  const lastHint = new Map<string, number>()
  const pending = new Set<Promise<void>>()

  const names = (name: InklessEventName | readonly InklessEventName[]) => {
    const list: readonly unknown[] = typeof name === 'string' ? [name] : name
    for (const n of list) checkEventName(n)
    return list as readonly InklessEventName[]
  }
  const labelOf = (fn: { name: string }) => fn.name || 'anonymous'

  /** Calls the listeners; their failures, without a promise when they were all synchronous. */
  function runListeners(
    listeners: readonly Listener[],
    event: InklessUnknownEvent,
    context: DeliveryContext,
  ): readonly ListenerFailure[] | Promise<readonly ListenerFailure[]> {
    if (listeners.length === 0) return NO_FAILURES
    if (listeners.length === 1) {
      const only = listeners[0] as Listener
      const failed = (error: unknown) => [{ listener: only.label, error }]
      try {
        const result = (only.fn as EventHandler<unknown>)(event, context)
        return isThenable(result)
          ? Promise.resolve(result).then(() => NO_FAILURES, failed)
          : NO_FAILURES
      } catch (error) {
        return failed(error)
      }
    }
    return Promise.allSettled(
      listeners.map(async (l) => (l.fn as EventHandler<unknown>)(event, context)),
    ).then((results) =>
      results.flatMap((r, i) =>
        r.status === 'rejected'
          ? [{ listener: (listeners[i] as Listener).label, error: r.reason }]
          : [],
      ),
    )
  }

  const storeFailed = (error: unknown, event: InklessUnknownEvent, dedupeKey: string) =>
    report(
      new InklessWebhookError(
        'store_unavailable',
        'The dedupe store failed to record the outcome of a delivery.',
        { cause: error },
      ),
      { event, dedupeKey },
    )

  /** Reports listener failures; true when there were none. */
  function outcome(
    failures: readonly ListenerFailure[],
    event: InklessUnknownEvent,
    dedupeKey: string,
  ) {
    if (failures.length === 0) return true
    report(new InklessHandlerError(event.event, failures), {
      event,
      dedupeKey,
      listeners: failures.map((f) => f.listener),
    })
    return false
  }

  /** Completes or releases the claim, then reports; a promise only if the store answers with one. */
  function settle(
    failures: readonly ListenerFailure[],
    event: InklessUnknownEvent,
    dedupeKey: string,
    claimed: boolean,
  ): boolean | Promise<boolean> {
    if (claimed && store) {
      let recorded: unknown
      try {
        recorded = failures.length === 0 ? store.complete(dedupeKey) : store.release(dedupeKey)
      } catch (error) {
        storeFailed(error, event, dedupeKey)
      }
      if (isThenable(recorded)) {
        return Promise.resolve(recorded).then(
          () => outcome(failures, event, dedupeKey),
          (error: unknown) => {
            storeFailed(error, event, dedupeKey)
            return outcome(failures, event, dedupeKey)
          },
        )
      }
    }
    return outcome(failures, event, dedupeKey)
  }

  /** Runs the listeners and settles the claim; true when every listener succeeded. */
  function process(
    listeners: readonly Listener[],
    event: InklessUnknownEvent,
    context: DeliveryContext,
    claimed: boolean,
  ): boolean | Promise<boolean> {
    const running = runListeners(listeners, event, context)
    return isThenable(running)
      ? running.then((failures) => settle(failures, event, context.dedupeKey, claimed))
      : settle(running, event, context.dedupeKey, claimed)
  }

  async function handleVerification(
    verification: InklessVerificationRequest,
    request: InklessRequest,
  ): Promise<InklessResponse> {
    if (options.onVerification) {
      try {
        if ((await options.onVerification(verification, { headers: request.headers })) === false)
          return REFUSED
      } catch (error) {
        report(
          new InklessWebhookError(
            'verification_failed',
            'onVerification threw; the handshake was answered 500.',
            { cause: error },
          ),
        )
        return HANDLER_FAILED
      }
    }
    return reply(200, verification.verification_secret)
  }

  async function handle(
    request: InklessRequest,
    handleOptions?: HandleOptions,
  ): Promise<InklessResponse> {
    try {
      if (request.method.toUpperCase() !== 'POST') return NOT_POST
      const fix = consumedBodyFix(request.rawBody)
      if (fix !== undefined) {
        if (!consumedReported) {
          consumedReported = true
          report(
            new InklessWebhookError(
              'body_consumed',
              `The request body was read by another middleware before inkless-webhooks. ${fix}`,
            ),
          )
        }
        return reply(500, `request body already consumed by a body parser. ${fix}`)
      }
      const declared = getHeader(request.headers, 'content-length')
      if (declared !== undefined && Number(declared) > maxBodyBytes) return TOO_LARGE
      let rawBody: RawBody
      try {
        const source = request.rawBody as Exclude<BodySource, ConsumedBody>
        const read =
          typeof source === 'string' || source instanceof Uint8Array
            ? withinLimit(source, maxBodyBytes)
            : await readBody(source, maxBodyBytes)
        if (read === 'too-large') return TOO_LARGE
        rawBody = read
      } catch (error) {
        report(
          new InklessWebhookError(
            'body_unreadable',
            'The request body could not be read (client aborted?).',
            { cause: error },
          ),
        )
        return UNREADABLE
      }
      const receivedAt = now()
      const payload = classifyPayload(parseJson(rawBody))
      if (payload.ok && payload.kind === 'verification')
        return handleVerification(payload.verification, request)

      const alg = getHeader(request.headers, 'x-inkless-alg')
      if (
        alg !== undefined &&
        alg !== 'SHA256' &&
        (typeof alg !== 'string' || alg.toLowerCase() !== 'sha256')
      )
        return BAD_ALGORITHM
      const signature = getHeader(request.headers, 'x-inkless-signature')
      const verdict = verify(rawBody, signature, secrets)
      if (!(isThenable(verdict) ? await verdict : verdict)) {
        const hint =
          typeof signature === 'string'
            ? await mismatchHint(verify, rawBody, signature, secrets)
            : undefined
        if (
          hint !== undefined &&
          receivedAt - (lastHint.get(hint) ?? -Infinity) >= HINT_INTERVAL_MS
        ) {
          lastHint.set(hint, receivedAt)
          report(new InklessWebhookError('signature_mismatch', `Signature mismatch. ${hint}`))
        }
        return BAD_SIGNATURE
      }
      if (!payload.ok) return reply(400, `invalid payload: ${payload.reason}`)
      const listeners =
        payload.kind === 'event'
          ? (dispatch.get(payload.event.event) as readonly Listener[])
          : unknownListeners
      if (tolerance !== undefined) {
        const at = Date.parse(payload.event.timestamp)
        if (Number.isNaN(at))
          return reply(400, 'invalid payload: "timestamp" is not an ISO 8601 date')
        if (Math.abs(receivedAt - at) > tolerance * 1000) return STALE
      }
      const dedupeKey = dedupeKeyOf(payload.event)
      let claimed = false
      if (store) {
        try {
          const pendingClaim = store.claim(dedupeKey)
          const claim = isThenable(pendingClaim) ? await pendingClaim : pendingClaim
          if (claim === 'done') return DUPLICATE
          if (claim === 'processing') return IN_PROGRESS
          claimed = true
        } catch (error) {
          report(
            new InklessWebhookError(
              'store_unavailable',
              'The dedupe store could not be reached; answered 503 so Inkless retries.',
              { cause: error },
            ),
            { event: payload.event, dedupeKey },
          )
          if (!processOnStoreError) return STORE_DOWN
        }
      }
      const context: DeliveryContext = { dedupeKey, rawBody, headers: request.headers, receivedAt }
      if (!respondImmediately) {
        const processed = process(listeners, payload.event, context, claimed)
        return (isThenable(processed) ? await processed : processed) ? OK : HANDLER_FAILED
      }
      const work = Promise.resolve(process(listeners, payload.event, context, claimed)).then(() => {
        pending.delete(work)
      })
      pending.add(work)
      handleOptions?.waitUntil?.(work)
      return OK
    } catch (error) {
      // Only a bug can get here; answer without details rather than crash the server.
      report(error instanceof Error ? error : new Error(String(error)))
      return HANDLER_FAILED
    }
  }

  return {
    [instanceBrand]: true,
    on(name, fn) {
      const list = names(name)
      const listener = {
        label: `on(${list.join('|')}) ${labelOf(fn)}`,
        fn: fn as EventHandler<never>,
      }
      for (const n of list) add(n, listener)
      rebuild()
      return () => {
        for (const n of list)
          named.set(
            n,
            (named.get(n) ?? []).filter((l) => l !== listener),
          )
        rebuild()
      }
    },
    onAny(fn) {
      const listener = { label: `onAny ${labelOf(fn)}`, fn: fn as EventHandler<never> }
      any = [...any, listener]
      rebuild()
      return () => {
        any = any.filter((l) => l !== listener)
        rebuild()
      }
    },
    off(name, fn) {
      for (const n of names(name))
        named.set(
          n,
          (named.get(n) ?? []).filter((l) => l.fn !== fn),
        )
      rebuild()
    },
    offAny(fn) {
      any = any.filter((l) => l.fn !== fn)
      rebuild()
    },
    handle,
    async idle() {
      while (pending.size > 0) await Promise.all(pending)
    },
  } as InklessWebhooks
}

/**
 * The two entry points every build exports, over one platform's signature check: node:crypto
 * in index.ts, Web Crypto in web.ts.
 */
export function platformApi(verify: Verify) {
  const createInklessWebhooks = (options: InklessWebhooksOptions = {}): InklessWebhooks =>
    createWebhooks(options, verify)

  /**
   * What every adapter accepts: `{ ...adapter options, ...core options }`, or a core instance
   * with the adapter options beside it. Returns the instance and the adapter's own options.
   */
  function splitAdapterOptions<A extends object>(
    optionsOrInstance: (InklessWebhooksOptions & A) | InklessWebhooks | undefined,
    adapterOptions: A | undefined,
    adapterKeys: readonly (keyof A & string)[],
  ): { webhooks: InklessWebhooks; adapter: Partial<A> } {
    const adapter: Partial<A> = { ...adapterOptions }
    if (isInklessWebhooks(optionsOrInstance)) return { webhooks: optionsOrInstance, adapter }
    const core: Record<string, unknown> = { ...optionsOrInstance }
    for (const key of adapterKeys) {
      if (key in core) adapter[key] = core[key] as A[typeof key]
      delete core[key]
    }
    return { webhooks: createInklessWebhooks(core), adapter }
  }
  return { createInklessWebhooks, splitAdapterOptions }
}
