import type { InklessUnknownEvent } from './events.js'
import type { MaybePromise } from './maybe-async.js'
import type { Platform } from './platform.js'

// Each field as `<length>:<text>`, an absent one as `-` (no length starts with it): one
// encoding per tuple whatever the fields hold (newlines, NUL, colons), and ten times cheaper
// than JSON.stringify on the hot path.
const field = (text: string) => `${text.length}:${text}`
const optional = (value: string | number | null | undefined) =>
  value === undefined || value === null ? '-' : field(String(value))

/**
 * The key that identifies a delivery across Inkless's retries: base64url(SHA-256) of the
 * length-prefixed fields tenant, event, document_token, secure_link_id, timestamp. The
 * digest bounds its size: 43 characters of [A-Za-z0-9_-] (docs/requests.md, "Dedupe keys").
 */
export function dedupeKeyOf(
  event: InklessUnknownEvent,
  tenant: string | undefined,
  digest: Platform['digest'],
): MaybePromise<string> {
  return digest(
    optional(tenant) +
      field(event.event) +
      field(event.document_token) +
      optional(event.secure_link_id) +
      field(event.timestamp),
  )
}
