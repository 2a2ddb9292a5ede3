import type { InklessRequest } from './request.js'

/**
 * Longest tenant name looked up, in characters. Longer names are answered as no tenant before
 * any lookup, and so never reach the cache, a span or a log line.
 */
export const MAX_TENANT_LENGTH = 128

/**
 * The tenant a request names: a non-empty string of at most {@link MAX_TENANT_LENGTH}
 * characters, else undefined. A `tenant()` that throws (say `decodeURIComponent` on a
 * malformed path) names none either: its error is returned, to be counted.
 */
export function nameTenant(
  tenant: (request: InklessRequest) => string | undefined,
  request: InklessRequest,
): string | undefined | { readonly error: unknown } {
  let name: unknown
  try {
    name = tenant(request)
  } catch (error) {
    return { error }
  }
  return typeof name === 'string' && name !== '' && name.length <= MAX_TENANT_LENGTH
    ? name
    : undefined
}
