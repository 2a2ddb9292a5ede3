import type { StoredDelivery } from '@inkless-webhooks/core/queue'

/**
 * What an Inkless job holds: the signed bytes, the dedupe key, when it was received, the
 * tenant and trace context (core's `StoredDelivery`), and a mark of the add() that stored
 * it. The worker rebuilds the event from the bytes.
 */
export interface InklessJobData extends StoredDelivery {
  /** Random per add(), so a receiver can tell whether the stored job is the one it added. */
  readonly receipt: string
}

/**
 * The job id of a delivery. BullMQ custom ids may be neither integers nor contain ':'; a
 * dedupe key is 43 base64url characters, and the prefix keeps it from ever being a number.
 */
export const jobIdOf = (dedupeKey: string): string => `inkless-${dedupeKey}`
