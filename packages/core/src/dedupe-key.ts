import type { InklessUnknownEvent } from './events.js'
import type { MaybePromise } from './maybe-async.js'
import type { Platform } from './platform.js'

/**
 * The key that identifies a delivery across Inkless's retries: base64url(SHA-256) of the JSON
 * array `[tenant, event, document_token, secure_link_id, timestamp]` (tenant and a missing
 * secure_link_id as null). JSON makes the encoding unambiguous whatever the fields contain
 * (newlines, NUL, quotes), and the digest bounds its size: 43 characters, [A-Za-z0-9_-].
 */
export function dedupeKeyOf(
  event: InklessUnknownEvent,
  tenant: string | undefined,
  digest: Platform['digest'],
): MaybePromise<string> {
  return digest(
    JSON.stringify([
      tenant ?? null,
      event.event,
      event.document_token,
      event.secure_link_id ?? null,
      event.timestamp,
    ]),
  )
}
