import type { ClaimResult, ContextClaim } from '../dedupe.js'
import { dedupeKeyOf } from '../dedupe-key.js'
import { InklessWebhookError } from '../errors.js'
import { isThenable, type MaybePromise } from '../maybe-async.js'
import type { DeliveryQueue } from '../queue.js'
import type { InklessResponse } from '../request.js'
import * as answer from '../responses.js'
import type { StepContext } from './context.js'
import { type Claimed, extend, type Parsed, type Step } from './stages.js'

/** The dedupe key, then the queue's job (which always answers) or the store's claim. */
export function claimStep(context: StepContext): Step<Parsed, Claimed> {
  const { options, config, platform, store, report } = context
  const { queue } = options
  const enqueue = queue && enqueueInto(queue, context)
  const failed = (keyed: Keyed, error: unknown): Claimed | InklessResponse => {
    if (config.processOnStoreError) {
      const unclaimed = extend(keyed, 'claim', undefined)
      report(unclaimed, {
        level: 'error',
        error: new InklessWebhookError(
          'store_unavailable',
          'The dedupe store could not be reached; processing without dedupe (onStoreError: process).',
          { cause: error },
        ),
      })
      return unclaimed
    }
    report(
      keyed,
      {
        level: 'error',
        error: new InklessWebhookError(
          'store_unavailable',
          'The dedupe store could not be reached; answered 503 so Inkless retries.',
          { cause: error },
        ),
      },
      answer.STORE_DOWN,
    )
    return answer.STORE_DOWN
  }
  const claimed = (
    keyed: Keyed,
    result: ClaimResult | ContextClaim<object>,
  ): Claimed | InklessResponse => {
    if (result === 'done') return answer.DUPLICATE
    if (result === 'processing') return answer.IN_PROGRESS
    return extend(keyed, 'claim', result)
  }
  const claimFor = (d: Parsed, dedupeKey: string): MaybePromise<Claimed | InklessResponse> => {
    const keyed = extend(d, 'dedupeKey', dedupeKey)
    if (enqueue) return enqueue(keyed)
    if (!store) return extend(keyed, 'claim', undefined)
    try {
      const { event, tenant } = d
      const result = store.claim(dedupeKey, tenant === undefined ? { event } : { event, tenant })
      if (isThenable(result)) {
        return result.then(
          (r) => claimed(keyed, r),
          (error: unknown) => failed(keyed, error),
        )
      }
      return claimed(keyed, result)
    } catch (error) {
      return failed(keyed, error)
    }
  }
  // node:crypto's digest and the in-memory store answer synchronously: no closure then.
  return (d) => {
    const dedupeKey = dedupeKeyOf(d.event, d.tenant, platform.digest)
    return isThenable(dedupeKey)
      ? dedupeKey.then((key) => claimFor(d, key))
      : claimFor(d, dedupeKey)
  }
}

type Keyed = Parsed & Pick<Claimed, 'dedupeKey'>

/** Queue mode: the verified delivery becomes a job; 200, duplicate, or 503. */
function enqueueInto(queue: DeliveryQueue, { counted }: StepContext) {
  const stored = (result: 'queued' | 'duplicate') =>
    result === 'duplicate' ? answer.DUPLICATE : answer.OK
  // A queue outage fails every request while it lasts: one report, then a count a minute.
  const queueFailed = counted(
    'queue_unavailable',
    answer.QUEUE_DOWN,
    'answered 503 because the queue did not accept them (Inkless retries)',
    'error',
  )
  return (d: Keyed): InklessResponse | Promise<InklessResponse> => {
    const failed = (error: unknown) => {
      queueFailed(d, error)
      return answer.QUEUE_DOWN
    }
    const { rawBody } = d
    // `traceparent` is the field @inkless-webhooks/bullmq's worker links its span to.
    const traceparent = d.recording?.traceparent()
    try {
      const result = queue.enqueue({
        event: d.event,
        dedupeKey: d.dedupeKey,
        rawBody: typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody),
        receivedAt: d.receivedAt,
        ...(d.tenant === undefined ? {} : { tenant: d.tenant }),
        ...(traceparent === undefined ? {} : { traceparent }),
      })
      return isThenable(result) ? result.then(stored, failed) : stored(result)
    } catch (error) {
      return failed(error)
    }
  }
}
