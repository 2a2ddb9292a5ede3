import type { InklessEvent, InklessUnknownEvent } from './events.js'
import type { MaybePromise } from './maybe-async.js'

/** A verified delivery, as handed to a durable queue. */
export interface QueuedDelivery {
  /** The verified event, known or not. */
  readonly event: InklessEvent | InklessUnknownEvent
  /** See `DeliveryContext.dedupeKey`: the queue's job id derives from it. */
  readonly dedupeKey: string
  /** The exact bytes Inkless signed, as UTF-8 text. */
  readonly rawBody: string
  /** When the receiver got it, in ms since the epoch. */
  readonly receivedAt: number
  /** The tenant, on an endpoint serving several Inkless accounts. */
  readonly tenant?: string
  /**
   * W3C `traceparent` of the receiving request's `inkless.webhook` span, present while an
   * OpenTelemetry tracer provider is registered: the worker links its span to it.
   */
  readonly traceparent?: string
}

/**
 * Where `queue` mode hands verified deliveries (`@inkless-webhooks/bullmq` implements it).
 * `enqueue` resolves once the delivery is stored durably: `queued`, or `duplicate` when a
 * delivery with this dedupe key was already accepted. A throw or rejection means the queue is
 * unavailable: the answer is 503 and Inkless retries.
 */
export interface DeliveryQueue {
  /** Stores one delivery; see above for what it resolves to. */
  enqueue(delivery: QueuedDelivery): MaybePromise<'queued' | 'duplicate'>
}
