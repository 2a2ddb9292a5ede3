import type { QueuedDelivery } from '@inkless-webhooks/core'

/** What an Inkless job holds: the verified delivery, and a mark of the add() that stored it. */
export interface InklessJobData extends QueuedDelivery {
  /** Random per add(), so a receiver can tell whether the stored job is the one it added. */
  readonly receipt: string
}

/**
 * The job id of a delivery. BullMQ custom ids may be neither integers nor contain ':'; a
 * dedupe key is 43 base64url characters, and the prefix keeps it from ever being a number.
 */
export const jobIdOf = (dedupeKey: string): string => `inkless-${dedupeKey}`
