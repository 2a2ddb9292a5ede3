import type { InklessResponse } from './request.js'
import * as answer from './responses.js'

/** What became of a request, for spans, metrics and log fields (docs/operations.md). */
export type Outcome = 'handled' | 'queued' | 'duplicate' | 'handshake' | 'rejected' | 'failed'

// Every answer comes from one rule, so the answer names the reason it was not processed.
const REASONS = new Map<InklessResponse, string>([
  [answer.UNREADABLE, 'body_unreadable'],
  [answer.BAD_SIGNATURE, 'bad_signature'],
  [answer.BAD_ALGORITHM, 'bad_algorithm'],
  [answer.STALE, 'stale_timestamp'],
  [answer.REFUSED, 'verification_refused'],
  [answer.UNKNOWN_TENANT, 'unknown_tenant'],
  [answer.NO_TENANT, 'no_tenant'],
  [answer.NOT_POST, 'method_not_allowed'],
  [answer.BODY_TIMEOUT, 'timeout'],
  [answer.IN_PROGRESS, 'in_progress'],
  [answer.TOO_LARGE, 'too_large'],
  [answer.HANDLER_FAILED, 'handler_failed'],
  [answer.NO_SECRET, 'secret_missing'],
  [answer.STORE_DOWN, 'store_unavailable'],
  [answer.QUEUE_DOWN, 'queue_unavailable'],
  [answer.LOOKUP_FAILED, 'secret_lookup_failed'],
])

/** Why a request was not processed; undefined for a 2xx. */
export function reasonOf(response: InklessResponse): string | undefined {
  if (response.status < 300) return undefined
  // Else one of the two answers built per request: `invalidPayload(…)` or `consumed(…)`.
  return REASONS.get(response) ?? (response.status === 400 ? 'bad_payload' : 'body_consumed')
}

export function outcomeOf(response: InklessResponse, queued: boolean): Outcome {
  if (response === answer.OK) return queued ? 'queued' : 'handled'
  if (response === answer.DUPLICATE) return 'duplicate'
  if (response.status < 300) return 'handshake'
  return response === answer.HANDLER_FAILED ? 'failed' : 'rejected'
}
