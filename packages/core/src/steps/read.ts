import { readBody, withinLimit } from '../body.js'
import { isThenable } from '../maybe-async.js'
import * as answer from '../responses.js'
import type { StepContext } from './context.js'
import { type Accepted, extend, type Read, type Step } from './stages.js'

/** The body, up to `maxBodyBytes` and within `bodyTimeoutMs`. */
export function readStep({ config, counted, bodyDeadline }: StepContext): Step<Accepted, Read> {
  // Clients that abort or stall uploads are counted, not reported one by one.
  const aborted = counted(
    'body_unreadable',
    answer.UNREADABLE,
    'closed by the client before their body ended (400)',
  )
  const stalled = counted(
    'body_timeout',
    answer.BODY_TIMEOUT,
    `whose body did not arrive within ${config.bodyTimeoutMs} ms (408)`,
  )
  return (d) => {
    const source = d.body
    const result =
      typeof source === 'string' || source instanceof Uint8Array
        ? withinLimit(source, config.maxBodyBytes)
        : readBody(source, config.maxBodyBytes, bodyDeadline)
    const settle = (body: Awaited<typeof result>) => {
      if (body === 'too-large') return answer.TOO_LARGE
      if (body === 'timeout') {
        stalled(d)
        return answer.BODY_TIMEOUT
      }
      return extend(d, 'rawBody', body)
    }
    return isThenable(result)
      ? result.then(settle, () => {
          aborted(d)
          return answer.UNREADABLE
        })
      : settle(result)
  }
}
