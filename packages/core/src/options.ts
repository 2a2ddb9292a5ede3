import { checkOptionNames, positiveOption, renamedOption } from './checks.js'
import { createMemoryDedupeStore, type DedupeStore } from './dedupe.js'
import type { InklessError } from './errors.js'
import type { InklessVerificationRequest } from './events.js'
import type { HeaderSource } from './headers.js'
import {
  checkCallbackNames,
  type DeliveryContextWith,
  isEventCallbackName,
  type ListenerOptions,
} from './listeners.js'
import type { DeliveryQueue } from './queue.js'
import type { ErrorContext, Logger } from './report.js'
import type { InklessRequest } from './request.js'
import type { SecretLookup, Secrets } from './secrets.js'
import type { TelemetryOption } from './telemetry.js'

/** What `onVerification` receives beside the handshake. */
export interface VerificationContext {
  /** The handshake request's headers. */
  readonly headers: HeaderSource
  /**
   * True when the handshake also carried a valid `X-Inkless-Signature`. The handshake itself
   * is unauthenticated by design (anyone can send one, and learns only what they sent), so
   * do not act on it as on a verified event.
   */
  readonly signed: boolean
}

/**
 * The options of `createInklessWebhooks`. `Extras` is what the `dedupe` store adds to each
 * listener's context (e.g. `{ db }` from a transactional store), inferred from it.
 */
export interface InklessWebhooksOptions<Extras extends object = object>
  extends ListenerOptions<DeliveryContextWith<Extras>> {
  /**
   * One secret, or several during rotation. Default: `INKLESS_WEBHOOK_SECRET`, read when the
   * first request arrives. Or a function `(tenant) => secrets` with `tenant`, for one endpoint
   * serving many Inkless accounts (docs/tenants.md).
   */
  secret?: Secrets | SecretLookup
  /**
   * Names the tenant of a request (a path segment, a header); required with a secret
   * function. The name is the lookup's cache key: undefined, empty, over 128 characters or a
   * throw is no tenant (404, before the body is read).
   */
  tenant?: (request: InklessRequest) => string | undefined
  /** How long a tenant's secrets are reused, in ms. Default 60,000 (misses 5 s, failures 1 s). */
  secretCacheMs?: number
  /** A secret lookup not answered within this many ms fails: 503, and it is dropped. Default 5,000. */
  secretLookupTimeoutMs?: number
  /**
   * How a tenant the lookup does not know is answered: `not-found` (default, 404) or
   * `invalid-signature` (401, as a forgery), so probing cannot tell which tenants exist.
   */
  unknownTenant?: 'not-found' | 'invalid-signature'
  /** The handshake; return `false` to refuse it (403). */
  onVerification?: (request: InklessVerificationRequest, context: VerificationContext) => unknown
  /** Handler failures, store outages and misconfigurations, as errors. */
  onError?: (error: InklessError, context: ErrorContext) => void
  /** Where everything the library reports goes, with structured fields (pino-style). */
  logger?: Logger
  /**
   * OpenTelemetry spans and metrics (docs/operations.md, "Tracing and metrics"). Default on
   * Node and Bun: `@opentelemetry/api` if installed, recording once a provider is registered.
   * `{ api }` passes the API where core cannot load it (Workers, Deno); `false` turns it off.
   */
  telemetry?: TelemetryOption | false
  /** Largest body read, in bytes. Default 100 KiB. */
  maxBodyBytes?: number
  /** A body not received within this many ms gets 408. Default 10,000. */
  bodyTimeoutMs?: number
  /**
   * `after-handlers` (default): answer once the handlers ran (500 if one threw, so Inkless
   * retries). `immediately`: answer 200 once verified and claimed, run the handlers after,
   * in this process: at most once (docs/modes.md).
   */
  respond?: 'after-handlers' | 'immediately'
  /** Hand verified deliveries to a durable queue (`@inkless-webhooks/bullmq`) instead of handlers. */
  queue?: DeliveryQueue
  /** Where processed deliveries are remembered; `false` turns deduplication off. */
  dedupe?: DedupeStore<Extras> | false
  /** Refuse events whose `timestamp` is further than this many ms from now. Off by default. */
  toleranceMs?: number
  /**
   * `toleranceMs` in seconds.
   *
   * @deprecated Use `toleranceMs` (in ms).
   */
  toleranceSeconds?: number
  /** When the dedupe store fails: `reject` answers 503 (default), `process` runs handlers anyway. */
  onStoreError?: 'reject' | 'process'
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  now?: () => number
}

/**
 * Every option but the callbacks (`on…`, checked by name in listeners.ts): the compiler
 * fails here when `InklessWebhooksOptions` gains or loses one and this list does not.
 */
const OPTION_NAMES: Record<Exclude<keyof InklessWebhooksOptions, `on${string}`>, true> = {
  secret: true,
  tenant: true,
  secretCacheMs: true,
  secretLookupTimeoutMs: true,
  unknownTenant: true,
  logger: true,
  telemetry: true,
  maxBodyBytes: true,
  bodyTimeoutMs: true,
  respond: true,
  queue: true,
  dedupe: true,
  toleranceMs: true,
  toleranceSeconds: true,
  now: true,
}
const OPTIONS = Object.keys(OPTION_NAMES)

const OTHER_CALLBACKS = new Set([
  'onEvent',
  'onUnknownEvent',
  'onVerification',
  'onError',
  'onStoreError',
])

// With a queue, the handlers belong to the worker, and the queue's job ids dedupe.
function checkQueueOptions(options: InklessWebhooksOptions): void {
  const handlers = Object.keys(options).filter(
    (key) => isEventCallbackName(key) || key === 'onEvent' || key === 'onUnknownEvent',
  )
  const clash =
    handlers.length > 0
      ? `event callbacks (${handlers.join(', ')}) belong to the worker: pass them to createInklessWorker()`
      : options.respond !== undefined
        ? '`respond` does not apply: the queue answers 200 once the job is stored'
        : options.dedupe !== undefined
          ? '`dedupe` does not apply: the queue dedupes by job id'
          : undefined
  if (clash) throw new TypeError(`inkless-webhooks: with \`queue\`, ${clash}.`)
}

/**
 * `value`, or the default (the first choice) when undefined. Anything else throws: in
 * JavaScript, `respond: 'immediatly'` would otherwise quietly mean the default.
 */
function choiceOption<T extends string>(
  name: string,
  value: T | undefined,
  choices: readonly [T, ...T[]],
): T {
  if (value === undefined) return choices[0]
  if (choices.includes(value)) return value
  throw new TypeError(
    `inkless-webhooks: ${name} must be ${choices.map((c) => `'${c}'`).join(' or ')} (got ${JSON.stringify(value)}).`,
  )
}

/** Options checked once, when the instance is created, with their defaults. */
export function resolveOptions(options: InklessWebhooksOptions) {
  // In JavaScript (or an options object not written as a literal) a misspelt option would
  // quietly be its default: `maxBodySize` a 100 KiB limit, `toleranceMS` no timestamp check.
  checkOptionNames(options, OPTIONS)
  checkCallbackNames(options, OTHER_CALLBACKS)
  if (options.queue) checkQueueOptions(options)
  if (typeof options.secret === 'function' && typeof options.tenant !== 'function') {
    throw new TypeError(
      'inkless-webhooks: a `secret` function needs `tenant: (request) => string` to say whose secret to look up.',
    )
  }
  const respondImmediately =
    choiceOption('respond', options.respond, ['after-handlers', 'immediately']) === 'immediately'
  // Its answer waits for the commit whatever `respond` says: 'immediately' would promise
  // an early 200 (and handlers after it) that never happens.
  if (respondImmediately && options.dedupe && options.dedupe.transactional === true) {
    throw new TypeError(
      "inkless-webhooks: `respond: 'immediately'` does not apply with a transactional store (`dedupe: createPostgresTransactionalStore(…)`): its 200 means committed, so it is always sent after the handlers and the commit; drop `respond`.",
    )
  }
  const now = options.now ?? Date.now
  return {
    now,
    maxBodyBytes: positiveOption('maxBodyBytes', options.maxBodyBytes, 100 * 1024, {
      integer: true,
    }),
    bodyTimeoutMs: positiveOption('bodyTimeoutMs', options.bodyTimeoutMs, 10_000),
    secretCacheMs: positiveOption('secretCacheMs', options.secretCacheMs, 60_000),
    secretLookupTimeoutMs: positiveOption(
      'secretLookupTimeoutMs',
      options.secretLookupTimeoutMs,
      5_000,
    ),
    unknownTenant: choiceOption('unknownTenant', options.unknownTenant, [
      'not-found',
      'invalid-signature',
    ]),
    toleranceMs: renamedOption(options, 'toleranceMs', 'toleranceSeconds', undefined, {
      aliasInSeconds: true,
    }),
    respondImmediately,
    store:
      options.queue || options.dedupe === false
        ? undefined
        : (options.dedupe ?? createMemoryDedupeStore({ now })),
    processOnStoreError:
      choiceOption('onStoreError', options.onStoreError, ['reject', 'process']) === 'process',
  }
}

export type ResolvedOptions = ReturnType<typeof resolveOptions>
