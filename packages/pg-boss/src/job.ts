import type { StoredDelivery } from '@inkless-webhooks/core/queue'

/**
 * What an Inkless job holds: the signed bytes, the dedupe key, when it was received, the
 * tenant and trace context (core's `StoredDelivery`). The worker rebuilds the event from the
 * bytes.
 */
export type InklessJobData = StoredDelivery

/**
 * The job id of a delivery: a UUID (pg-boss ids are) made of the first 16 bytes of the
 * dedupe key (a base64url SHA-256), with the version 8 and variant bits set. The same
 * delivery gets the same id on every receiver, so the second insert finds it and stores
 * nothing.
 */
export function jobIdOf(dedupeKey: string): string {
  const bytes = Buffer.from(dedupeKey, 'base64url').subarray(0, 16)
  if (bytes.length !== 16)
    throw new TypeError(`inkless-webhooks: "${dedupeKey}" is not a dedupe key`)
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
