import { classifyPayload, parseJson, timestampProblem } from '../parse.js'
import * as answer from '../responses.js'
import type { StepContext } from './context.js'
import { type Authenticated, extend, type Parsed, type Step } from './stages.js'

/** The event's fields, and its timestamp against `toleranceMs`. */
export function parseStep({ config }: StepContext): Step<Authenticated, Parsed> {
  return (d) => {
    const payload = classifyPayload(d.parsed ?? parseJson(d.rawBody))
    if (!payload.ok) return answer.invalidPayload(payload.reason)
    // A signed handshake-shaped body of over 1 KiB is not a handshake: refuse it as an event.
    if (payload.kind === 'verification')
      return answer.invalidPayload('"event" must be a non-empty string')
    if (config.toleranceMs !== undefined) {
      const problem = timestampProblem(payload.event.timestamp, d.receivedAt, config.toleranceMs)
      if (problem === 'invalid') return answer.invalidPayload('"timestamp" is not an ISO 8601 date')
      if (problem === 'stale') return answer.STALE
    }
    return extend(d, 'event', payload.event)
  }
}
