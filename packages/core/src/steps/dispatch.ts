import { InklessHandlerError, InklessWebhookError, type ListenerFailure } from '../errors.js'
import type { DeliveryContext } from '../listeners.js'
import { andThen, isThenable, type MaybePromise } from '../maybe-async.js'
import * as answer from '../responses.js'
import type { StepContext } from './context.js'
import type { Claimed, Path } from './stages.js'

/** The listeners, in the request or (`respond: 'immediately'`) after the answer. Always answers. */
export function dispatchStep(context: StepContext): Path<Claimed> {
  const { config, listeners, pending } = context
  const settle = settler(context)
  return (d) => {
    const deliveryContext: DeliveryContext = {
      dedupeKey: d.dedupeKey,
      rawBody: d.rawBody,
      headers: d.request.headers,
      receivedAt: d.receivedAt,
      ...(d.tenant === undefined ? {} : { tenant: d.tenant }),
    }
    const processed = andThen(
      listeners.run(d.event, deliveryContext, d.recording?.listener),
      (failures) => settle(d, failures),
    )
    if (!config.respondImmediately) {
      return andThen(processed, (ok) => (ok ? answer.OK : answer.HANDLER_FAILED))
    }
    const settled = Promise.resolve(processed)
    const work = settled.then(() => {
      pending.delete(work)
    })
    pending.add(work)
    d.recording?.endAfter(settled)
    d.options?.waitUntil?.(work)
    return answer.OK
  }
}

/** Completes or releases the claim, then reports failures; true when there were none. */
function settler({ config, store, report }: StepContext) {
  return (d: Claimed, failures: readonly ListenerFailure[]): MaybePromise<boolean> => {
    // What Inkless got, or gets: 200 already with `respond: 'immediately'`.
    const answered =
      config.respondImmediately || failures.length === 0 ? answer.OK : answer.HANDLER_FAILED
    const reportFailures = () => {
      if (failures.length === 0) return true
      report(
        d,
        {
          level: 'error',
          error: new InklessHandlerError(d.event.event, failures),
          context: { listeners: failures.map((f) => f.listener) },
          fields: { reason: 'handler_failed' },
        },
        answered,
      )
      return false
    }
    if (d.claim === undefined || !store) return reportFailures()
    const recordFailed = (error: unknown) =>
      report(
        d,
        {
          level: 'error',
          error: new InklessWebhookError(
            'store_unavailable',
            'The dedupe store failed to record the outcome of a delivery.',
            { cause: error },
          ),
        },
        answered,
      )
    try {
      const recorded =
        failures.length === 0 ? store.complete(d.dedupeKey) : store.release(d.dedupeKey)
      if (isThenable(recorded)) {
        return Promise.resolve(recorded).then(reportFailures, (error: unknown) => {
          recordFailed(error)
          return reportFailures()
        })
      }
    } catch (error) {
      recordFailed(error)
    }
    return reportFailures()
  }
}
