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
  | 'internal'

/** An error reported to `onError`; `code` says which rule produced it. */
export class InklessWebhookError extends Error {
  override readonly name = 'InklessWebhookError'
  constructor(
    readonly code: InklessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export interface ListenerFailure {
  /** Which listener threw, e.g. `onDocumentSigned`, `on(document_signed) notifySales`, `onEvent`. */
  readonly listener: string
  readonly error: unknown
}

/** Every listener that failed for one delivery, reported together. */
export class InklessHandlerError extends AggregateError {
  override readonly name = 'InklessHandlerError'
  readonly code = 'handler_failed'
  constructor(
    readonly eventName: string,
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
