import type { RawBody } from './body.js'
import {
  type InklessEvent,
  type InklessUnknownEvent,
  type InklessVerificationRequest,
  isInklessEventName,
} from './events.js'

/**
 * What {@link parseEvent} found: an event with one of the 16 names, an event with another
 * name, the handshake, or `{ ok: false, reason }`.
 */
export type ParseResult =
  | {
      /** Parsed. */
      readonly ok: true
      /** An event with one of the 16 names. */
      readonly kind: 'event'
      /** The event, narrowed by its `event` field. */
      readonly event: InklessEvent
    }
  | {
      /** Parsed. */
      readonly ok: true
      /** An event whose name is not among the 16. */
      readonly kind: 'unknown-event'
      /** The event, fields checked as for a known one. */
      readonly event: InklessUnknownEvent
    }
  | {
      /** Parsed. */
      readonly ok: true
      /** The handshake: a `verification_secret` and no `event`. */
      readonly kind: 'verification'
      /** The handshake's fields. */
      readonly verification: InklessVerificationRequest
    }
  | {
      /** Not JSON, or a field of the wrong type. */
      readonly ok: false
      /** What was wrong, e.g. `"document_token" must be a string`. */
      readonly reason: string
    }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes UTF-8 and parses JSON; undefined when either fails. */
export function parseJson(rawBody: RawBody): unknown {
  try {
    return JSON.parse(typeof rawBody === 'string' ? rawBody : utf8.decode(rawBody))
  } catch {
    return undefined
  }
}

/**
 * Bodies up to this size are checked for the handshake (Inkless's is about 120 bytes).
 * Anything larger must be a signed event: unsigned input never costs more than this parse.
 */
export const HANDSHAKE_MAX_BYTES = 1024

const encoder = new TextEncoder()

/** Whether `rawBody` is small enough to be a handshake: at most 1 KiB of UTF-8 bytes. */
export function mayBeHandshake(rawBody: RawBody): boolean {
  if (typeof rawBody !== 'string') return rawBody.byteLength <= HANDSHAKE_MAX_BYTES
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: encode only when the length cannot tell.
  if (rawBody.length > HANDSHAKE_MAX_BYTES) return false
  if (rawBody.length * 3 <= HANDSHAKE_MAX_BYTES) return true
  return encoder.encode(rawBody).byteLength <= HANDSHAKE_MAX_BYTES
}

/**
 * The handshake rule: a JSON object with a string `verification_secret` and no `event`
 * field. A body with an `event` is an event, whatever else it carries, and must be signed.
 */
export function asHandshake(value: unknown): InklessVerificationRequest | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const payload = value as Record<string, unknown>
  return typeof payload.verification_secret === 'string' && !('event' in payload)
    ? (payload as InklessVerificationRequest)
    : undefined
}

const invalid = (reason: string): ParseResult => ({ ok: false, reason })

/** Sorts an already-parsed JSON value into a handshake, a known or unknown event, or invalid. */
export function classifyPayload(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('body is not a JSON object')
  }
  const payload = value as Record<string, unknown>
  const handshake = asHandshake(payload)
  if (handshake) return { ok: true, kind: 'verification', verification: handshake }
  if (typeof payload.event !== 'string' || payload.event === '') {
    return invalid('"event" must be a non-empty string')
  }
  if (typeof payload.document_token !== 'string') {
    return invalid('"document_token" must be a string')
  }
  if (typeof payload.timestamp !== 'string') return invalid('"timestamp" must be a string')
  const link = payload.secure_link_id
  if (link !== undefined && link !== null && !Number.isSafeInteger(link)) {
    return invalid('"secure_link_id" must be an integer')
  }
  return isInklessEventName(payload.event)
    ? { ok: true, kind: 'event', event: payload as unknown as InklessEvent }
    : { ok: true, kind: 'unknown-event', event: payload as unknown as InklessUnknownEvent }
}

/**
 * Parses a raw body into a handshake, a known event or an unknown event. Never throws:
 * malformed input gives `{ ok: false, reason }`. It does not check the signature.
 */
export function parseEvent(rawBody: RawBody): ParseResult {
  const value = parseJson(rawBody)
  return value === undefined ? invalid('body is not valid UTF-8 JSON') : classifyPayload(value)
}

/**
 * What is wrong with an event's `timestamp` against a tolerance: `invalid` (not a date),
 * `stale` (further than `toleranceMs` from `now`), or undefined.
 */
export function timestampProblem(
  timestamp: string,
  now: number,
  toleranceMs: number,
): 'invalid' | 'stale' | undefined {
  const at = Date.parse(timestamp)
  if (Number.isNaN(at)) return 'invalid'
  return Math.abs(now - at) > toleranceMs ? 'stale' : undefined
}
