/**
 * Which rule produced an {@link InklessWebhookError}:
 * - `signature_mismatch`: a signature failed for a reason worth telling (whitespace around
 *   the secret, a body that is `"[object Object]"`, bytes from an upstream parser).
 * - `verification_failed`: `onVerification` threw; the handshake was answered 500.
 * - `store_unavailable`, `queue_unavailable`: the dedupe store or the queue failed.
 * - `body_consumed`: an upstream parser read the body without keeping the bytes (500).
 * - `body_unreadable`, `body_timeout`: clients that closed or stalled their upload, counted.
 * - `secret_missing`, `secret_lookup_failed`: no secret configured; a tenant's lookup failed
 *   or passed its deadline (counted).
 * - `tenant_failed`: the `tenant` function threw; answered 404 (counted).
 * - `job_refused`: a queue worker found a job that is not a delivery a receiver stored (its
 *   raw body is not an event, or does not match its dedupe key); no listener ran.
 * - `internal`: anything else.
 */
export type InklessErrorCode =
  | 'signature_mismatch'
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
        .map((f) => f.listener)
        .join(', ')}`,
    )
  }
}
