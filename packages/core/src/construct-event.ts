import type { RawBody } from './body.js'
import { renamedOption } from './checks.js'
import { InklessWebhookError } from './errors.js'
import type { InklessEvent, InklessUnknownEvent } from './events.js'
import { parseEvent, timestampProblem } from './parse.js'

/** What {@link constructEvent} checks beside the signature. */
export interface ConstructEventOptions {
  /** Refuse events whose `timestamp` is further than this many ms from now. Off by default. */
  readonly toleranceMs?: number
  /**
   * `toleranceMs` in seconds.
   *
   * @deprecated Use `toleranceMs` (in ms).
   */
  readonly toleranceSeconds?: number
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  readonly now?: () => number
}

/** A verified event: known (narrowed by `event`) or with a name not known yet. */
export type ConstructedEvent = InklessEvent | InklessUnknownEvent

/**
 * The event of a request whose signature was already checked: parses it, checks its
 * timestamp, and throws what is wrong. Shared by both builds' `constructEvent…`.
 */
export function eventOf(
  signed: boolean,
  rawBody: RawBody,
  options: ConstructEventOptions = {},
): ConstructedEvent {
  if (!signed) {
    throw new InklessWebhookError(
      'signature_rejected',
      'The X-Inkless-Signature header is missing or does not match the body under these secrets.',
    )
  }
  const parsed = parseEvent(rawBody)
  if (!parsed.ok)
    throw new InklessWebhookError('invalid_payload', `Invalid payload: ${parsed.reason}.`)
  if (parsed.kind === 'verification') {
    throw new InklessWebhookError(
      'invalid_payload',
      'The body is the handshake, not an event: answer it with its verification_secret.',
    )
  }
  const toleranceMs = renamedOption(options, 'toleranceMs', 'toleranceSeconds', undefined, {
    aliasInSeconds: true,
  })
  if (toleranceMs !== undefined) {
    const problem = timestampProblem(
      parsed.event.timestamp,
      (options.now ?? Date.now)(),
      toleranceMs,
    )
    if (problem === 'invalid') {
      throw new InklessWebhookError(
        'invalid_payload',
        'Invalid payload: "timestamp" is not an ISO 8601 date.',
      )
    }
    if (problem === 'stale') {
      throw new InklessWebhookError(
        'stale_timestamp',
        'The event timestamp is outside the tolerance.',
      )
    }
  }
  return parsed.event
}
