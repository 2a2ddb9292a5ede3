/**
 * Which rule produced an {@link InklessWebhookError}:
 * - `signature_mismatch`: a signature failed for a reason worth telling (whitespace around
 *   the secret, a body that is `"[object Object]"`, bytes from an upstream parser).
 * - `signature_rejected`: requests with an invalid signature and no such reason, counted
 *   (a wrong secret shows here).
 * - `verification_failed`: `onVerification` threw; the handshake was answered 500.
 * - `store_unavailable`, `queue_unavailable`: the dedupe store or the queue failed.
 * - `body_consumed`: an upstream parser read the body without keeping the bytes (500).
 * - `body_unreadable`, `body_timeout`: clients that closed or stalled their upload, counted.
 * - `secret_missing`, `secret_lookup_failed`: no secret configured; a tenant's lookup failed
 *   or passed its deadline (counted).
 * - `tenant_failed`: the `tenant` function threw; answered 404 (counted).
 * - `job_refused`: a queue worker found a job that is not a delivery a receiver stored (its
 *   raw body is not an event, or does not match its dedupe key); no listener ran.
 * - `invalid_payload`, `stale_timestamp`: thrown by `constructEvent` for a body that is not
 *   an event, or an event outside `toleranceMs` (a missing or wrong signature is
 *   `signature_rejected`).
 * - `internal`: anything else.
 */
export type InklessErrorCode =
  | 'signature_mismatch'
  | 'signature_rejected'
  | 'verification_failed'
  | 'store_unavailable'
  | 'body_consumed'
  | 'body_unreadable'
  | 'body_timeout'
  | 'queue_unavailable'
  | 'secret_missing'
  | 'secret_lookup_failed'
  | 'job_refused'
  | 'tenant_failed'
  | 'invalid_payload'
  | 'stale_timestamp'
  | 'internal'

/** An error reported to `onError`; `code` says which rule produced it. */
export class InklessWebhookError extends Error {
  /** `InklessWebhookError`. */
  override readonly name = 'InklessWebhookError'
  constructor(
    /** The rule that produced it. */
    readonly code: InklessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** One listener that threw or rejected, in an {@link InklessHandlerError}. */
export interface ListenerFailure {
  /** Which listener threw, e.g. `onDocumentSigned`, `on(document_signed) notifySales`, `onEvent`. */
  readonly listener: string
  /** What it threw or rejected with. */
  readonly error: unknown
}

const MAX_MESSAGE_CHARS = 200

/** What a listener threw, in a few words: its message, cut to a readable length. */
const messageOf = (thrown: unknown) => {
  const text = thrown instanceof Error ? thrown.message : String(thrown)
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text
}

// JSON loggers (pino) serialise an array of plain objects with JSON.stringify, where an
// Error becomes `{}`: each failure says what its error was instead.
const serialisable = (failure: ListenerFailure): ListenerFailure => {
  const { error } = failure
  const json =
    error instanceof Error
      ? {
          type: error.name,
          message: error.message,
          ...((error as { code?: unknown }).code === undefined
            ? {}
            : { code: (error as { code?: unknown }).code }),
          stack: error.stack,
        }
      : error
  return Object.defineProperty({ ...failure }, 'toJSON', {
    value: () => ({ listener: failure.listener, error: json }),
  })
}

/** Every listener that failed for one delivery, reported together. */
export class InklessHandlerError extends AggregateError {
  /** `InklessHandlerError`. */
  override readonly name = 'InklessHandlerError'
  /** `handler_failed`, beside the codes of {@link InklessWebhookError}. */
  readonly code = 'handler_failed'
  constructor(
    /** The name of the event the listeners were running for. */
    readonly eventName: string,
    /** Each listener that failed, with its error (also in `errors`). */
    readonly failures: readonly ListenerFailure[],
  ) {
    super(
      failures.map((f) => f.error),
      `${failures.length} listener(s) failed for "${eventName}": ${failures
        .map((f) => `${f.listener} (${messageOf(f.error)})`)
        .join(', ')}`,
    )
    this.failures = failures.map(serialisable)
  }
}

/**
 * What `onError` receives: an {@link InklessWebhookError}, or an {@link InklessHandlerError}
 * when listeners threw. Both carry `code`, which tells them apart (`handler_failed`).
 */
export type InklessError = InklessWebhookError | InklessHandlerError
